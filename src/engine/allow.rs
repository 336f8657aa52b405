//! The shared false-alarm filter: placeholders, template and environment references, and
//! values too regular to be random. It runs on every candidate secret of every rule.

/// Substrings (compared case-insensitively) that mark a documentation value or placeholder.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "redacted",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "dummy",
    "sample",
    "****",
    "....",
    "\u{2026}",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "%(",
    "$(",
    "process.env",
    "os.environ",
    "getenv",
];

/// The inline marker that suppresses a finding on its line.
pub const INLINE_ALLOW: &[u8] = b"leakscan:allow";

/// True when `secret` is a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    let text = String::from_utf8_lossy(&lower);
    if PLACEHOLDER_MARKERS.iter().any(|m| text.contains(m)) {
        return true;
    }
    // Armoured key material legitimately holds runs such as `AAAAAAAA`: the regularity
    // tests are for tokens.
    !secret.starts_with(b"-----") && (longest_run(secret) >= 6 || longest_sequence(secret) >= 8)
}

/// Longest run of one repeated byte.
fn longest_run(s: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in s {
        run = if Some(b) == prev { run + 1 } else { 1 };
        prev = Some(b);
        best = best.max(run);
    }
    best
}

/// Longest run of consecutive ascending or descending alphanumerics (`abcdef`, `98765`).
fn longest_sequence(s: &[u8]) -> usize {
    let mut best = 0;
    for dir in [1i16, -1] {
        let mut run = 0;
        for w in s.windows(2) {
            if w[0].is_ascii_alphanumeric() && i16::from(w[1]) - i16::from(w[0]) == dir {
                run = if run == 0 { 2 } else { run + 1 };
                best = best.max(run);
            } else {
                run = 0;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "YOUR_TOKEN",
            "<your-token>",
            "${GITHUB_TOKEN}",
            "{{ secrets.TOKEN }}",
            "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",
            "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "os.environ['X']",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn random_tokens_pass() {
        let tokens = [
            crate::engine::validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie"),
            format!("AKIA{}", "E3CLVI6J47FO4SKQ"),
            format!("glpat-{}", "QCFRVnBdfX2iA4uhrZ-3"),
        ];
        for t in &tokens {
            assert!(!is_placeholder(t.as_bytes()), "{t}");
        }
    }
}
