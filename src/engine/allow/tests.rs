//! Unit tests of `allow`.

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
        "sha512-Zm9vYmFyYmF6cXV4cXV1eA==",
        "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct",
        "postgres",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq",
        "$PYPI_PASSWORD",
        "%API_TOKEN%",
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

#[test]
fn generic_noise() {
    for n in [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "d41d8cd98f00b204e9800998ecf8427e",
        "bert-base-uncased-v2",
        "settings.OPENAI_API_KEY",
        "config/secrets/prod.json",
        "getAccessTokenFromStore",
        "D3DKMT_PRESENT_HISTORY_TOKEN",
        "ed25519.Ed25519PrivateKey",
        "yegor256/home#assets/crates-credentials",
        "quote_spanned!",
        "secret123",
        "X509CertificateTemplatePrivateKeyFlag",
        "SK8de920599eced7dbfbdcb23b55aa4201",
    ] {
        assert!(is_generic_noise(n.as_bytes()), "{n}");
    }
    for s in [
        "Xk9mQ2vT7pLw4RzN8sJd",
        "s3cr3t-Pq7Zx9Lm2Wv4",
        "aB3$dE6&gH9!jK2m",
    ] {
        assert!(!is_generic_noise(s.as_bytes()), "{s}");
    }
}

#[test]
fn long_key_material_with_runs_passes() {
    let body = format!("AAAAAAAAB3NzaC1yc2E{}", "q8Zr+Tn2/Lw5Kv9Xp".repeat(8));
    assert!(!is_placeholder(body.as_bytes()));
    assert!(is_placeholder("A".repeat(150).as_bytes()));
}

/// `inline_marker_allows` on one line holding `secret` once.
fn allows(line: &str, secret: &str) -> bool {
    let start = line.find(secret).expect("the secret is on the line");
    inline_marker_allows(line.as_bytes(), start, start + secret.len())
}

#[test]
fn inline_marker_in_a_comment_next_to_the_finding_allows_it() {
    let s = "SECRETVALUE";
    for line in [
        "key = \"SECRETVALUE\" # leakscan:allow",
        "key = \"SECRETVALUE\"  #leakscan:allow: test fixture",
        "key = \"SECRETVALUE\"; // leakscan:allow",
        "key = \"SECRETVALUE\"; /* leakscan:allow */",
        "/* leakscan:allow */ key = \"SECRETVALUE\";",
        "<a data-k=\"SECRETVALUE\"> <!-- leakscan:allow -->",
        "SELECT 'SECRETVALUE' -- leakscan:allow",
        "key = SECRETVALUE ; leakscan:allow",
        "; leakscan:allow\tkey = SECRETVALUE",
        "k = 'SECRETVALUE' % leakscan:allow",
        "Const K = \"SECRETVALUE\" ' leakscan:allow",
        "REM leakscan:allow set K=SECRETVALUE",
        "  rem leakscan:allow set K=SECRETVALUE",
        " * token SECRETVALUE leakscan:allow",
        "# fixture key = SECRETVALUE, leakscan:allow",
        "key = \"SECRETVALUE\" # a fake token for the parser tests, leakscan:allow",
    ] {
        assert!(allows(line, s), "{line}");
    }
}

#[test]
fn inline_marker_outside_a_comment_or_far_away_allows_nothing() {
    let s = "SECRETVALUE";
    let far = " ".repeat(INLINE_ALLOW_REACH + 1);
    let lines = [
        // In string literals, not comments.
        "x = \"leakscan:allow\"; t = \"SECRETVALUE\"".to_string(),
        "t = \"SECRETVALUE\"; x = \"leakscan:allow\"".to_string(),
        "t = 'SECRETVALUE'; x = 'leakscan:allow'".to_string(),
        "t = \"SECRETVALUE\"; x=\"#leakscan:allow\"".to_string(),
        "url = \"https://host/SECRETVALUE?leakscan:allow\"".to_string(),
        "i--; k = SECRETVALUE; leakscan:allow".to_string(),
        "k=SECRETVALUE;//leakscan:allow".to_string(),
        "x = 1 REM leakscan:allow SECRETVALUE".to_string(),
        "x = a * leakscan:allow SECRETVALUE".to_string(),
        // A comment, but too far from the finding.
        format!("t = \"SECRETVALUE\";{far}// leakscan:allow"),
        format!("/* leakscan:allow */{far}t = \"SECRETVALUE\";"),
        // Near, but its comment opener is too far before the marker.
        format!("# note{far}t = \"SECRETVALUE\" leakscan:allow"),
        // On another line.
        "t = \"SECRETVALUE\"\n# leakscan:allow".to_string(),
    ];
    for line in &lines {
        let start = line.find(s).expect("secret");
        assert!(
            !inline_marker_allows(line.as_bytes(), start, start + s.len()),
            "{line}"
        );
    }
}

#[test]
fn inline_marker_reach_is_inclusive_and_measured_in_bytes() {
    let s = "SECRETVALUE";
    let gap = |n: usize| format!("t = \"SECRETVALUE\"{}# leakscan:allow", " ".repeat(n - 1));
    // `n` bytes between the end of the secret and the marker: `"`, blanks, `#` and a space.
    let at = |n: usize| gap(n - 2);
    assert!(allows(&at(INLINE_ALLOW_REACH), s));
    assert!(!allows(&at(INLINE_ALLOW_REACH + 1), s));
    let before = |n: usize| format!("# leakscan:allow{}SECRETVALUE", " ".repeat(n));
    assert!(allows(&before(INLINE_ALLOW_REACH), s));
    assert!(!allows(&before(INLINE_ALLOW_REACH + 1), s));
}

#[test]
fn inline_marker_of_a_multi_line_finding_sits_on_its_first_or_last_line() {
    let text = "# leakscan:allow\nkey = BEGIN\nbody\nEND # leakscan:allow";
    let start = text.find("BEGIN").expect("start");
    let end = text.find("END #").expect("end") + 3;
    // Only the part of `text` from the finding's first line on is passed in practice.
    let lines = &text[17..];
    assert!(inline_marker_allows(lines.as_bytes(), start - 17, end - 17));
    let no_trailer = &text[17..text.len() - 17];
    assert!(!inline_marker_allows(
        no_trailer.as_bytes(),
        start - 17,
        end - 17
    ));
}
