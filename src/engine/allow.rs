//! The shared false-alarm filter: placeholders, providers' documented example keys, template
//! and environment references, lockfile integrity hashes, public keys, and values too regular
//! to be random. [`is_placeholder`] runs on every candidate secret of every rule, so it only
//! does a few substring scans; [`is_generic_noise`] adds the checks that would be wrong for a
//! provider-specific format (a UUID is a Heroku key, hex is a Datadog key) and runs only for
//! rules that name the `generic-secret` validator.

/// Substrings (compared case-insensitively) that mark a documentation value or placeholder.
mod inline;
mod names;
pub use inline::{inline_marker_allows, INLINE_ALLOW, INLINE_ALLOW_REACH};
pub use names::{is_named_generic_noise, is_password_noise, is_secret_name};

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
    "#{",
    "process.env",
    "os.environ",
    "getenv",
    "env(",
    "env[",
    "$env:",
    // Public halves and certificates are not secrets.
    "begin public key",
    "begin rsa public key",
    "begin certificate",
    "begin pgp public key",
    "ssh-rsa ",
    "ssh-ed25519 ",
    "ecdsa-sha2-",
];

/// Keys and tokens that providers print in their documentation, compared exactly (case-sensitive
/// substrings). Keys ending in EXAMPLE are caught by the `example` marker already.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    // AWS's older documentation pair.
    "022QF06E7MXBSH9DHM02",
    "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct",
    // Stripe's published test-mode key.
    "4eC39HqLyjWDarjtT1zdp7dc",
    // The signature of jwt.io's default token.
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // RFC 6749's example access token, refresh token and authorization code.
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "SplxlOBeZQQYbYS6WxSbIA",
    // The Azurite storage emulator's well-known account key (the same in every install).
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // RFC 6749's example client credentials, base64 of `s6BhdRkqt3:gX1fBat3bV`.
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
];

/// Passwords that are a default or a placeholder, not a secret (compared case-insensitively,
/// whole value).
const DEFAULT_PASSWORDS: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "pass",
    "passwd",
    "secret",
    "postgres",
    "root",
    "admin",
    "guest",
    "test",
    "user",
    "mysql",
    "redis",
    "default",
    "mysecretpassword",
    "letmein",
    "qwerty",
    "123456",
    "12345678",
    "foobar",
    "hunter2",
    "pa55word",
    "p@55w0rd",
];

/// Subresource-integrity hashes in lockfiles (`"integrity": "sha512-..."`).
const INTEGRITY_PREFIXES: &[&[u8]] = &[b"sha1-", b"sha256-", b"sha384-", b"sha512-"];

/// Starts of keys that are public by design: Stripe and Clerk publishable keys, Mapbox public
/// tokens, PostHog project keys. They go in browser code; a generic rule must not report them.
const PUBLIC_KEY_PREFIXES: &[&[u8]] = &[b"pk_live_", b"pk_test_", b"pk.eyJ", b"phc_", b"sq0idp-"];

/// Words near a Google API key that mark a Firebase web config, whose `apiKey` only names the
/// project to Google's servers and is meant to ship in the app.
const FIREBASE_CONFIG_MARKERS: &[&[u8]] =
    &[b"authDomain", b"firebaseapp.com", b"messagingSenderId"];

/// True when a candidate is a value published on purpose: a publishable key, or the API key of
/// a Firebase web config (`around` is the text near the match).
pub fn is_public_value(secret: &[u8], around: &[u8]) -> bool {
    if PUBLIC_KEY_PREFIXES.iter().any(|p| secret.starts_with(p)) {
        return true;
    }
    secret.starts_with(b"AIza")
        && FIREBASE_CONFIG_MARKERS
            .iter()
            .any(|m| memchr::memmem::find(around, m).is_some())
}

/// True when `secret` is a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if placeholder_markers().is_match(secret) {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    let text = String::from_utf8_lossy(&lower);
    let trimmed = text.trim_end_matches(|c: char| c.is_ascii_digit());
    if DEFAULT_PASSWORDS
        .iter()
        .any(|p| text == *p || trimmed == *p)
        || INTEGRITY_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return true;
    }
    if is_variable_reference(secret) {
        return true;
    }
    let raw = String::from_utf8_lossy(secret);
    if DOCUMENTED_EXAMPLES.iter().any(|e| raw.contains(e)) {
        return true;
    }
    // Key material and long encoded blobs legitimately hold runs such as `AAAAAAAA`: for them
    // only a value made of a handful of distinct bytes is a placeholder.
    if secret.len() > 100 || secret.starts_with(b"-----") || secret.contains(&b'\n') {
        return distinct_bytes(secret) < 10;
    }
    longest_run(secret) >= 6 || longest_sequence(secret) >= 8
}

/// One automaton over [`PLACEHOLDER_MARKERS`], ASCII case-insensitive, built on first use:
/// the filter runs on every candidate, and thirty substring searches were a tenth of the
/// engine's time on keyword-dense input.
fn placeholder_markers() -> &'static aho_corasick::AhoCorasick {
    static MARKERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MARKERS.get_or_init(|| {
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(PLACEHOLDER_MARKERS)
            .expect("the placeholder markers are plain literals")
    })
}

/// `$VAR` (shell) or `%VAR%` (Windows): a reference, not a value.
fn is_variable_reference(s: &[u8]) -> bool {
    let name =
        |n: &[u8]| !n.is_empty() && n.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    match s {
        [b'$', rest @ ..] => name(rest),
        [b'%', rest @ .., b'%'] => name(rest),
        _ => false,
    }
}

/// True when a free-form value (of a name-anchored, generic rule) is not a credential: a
/// UUID, a hex digest or git SHA, an identifier or path. (A token another rule owns the
/// engine tells by the rules' own prefixes: [`crate::engine::token_prefixes`].)
pub fn is_generic_noise(secret: &[u8]) -> bool {
    if is_placeholder(secret) {
        return true;
    }
    if is_uuid(secret) || is_twilio_sid(secret) {
        return true;
    }
    if secret.iter().all(u8::is_ascii_hexdigit)
        && matches!(secret.len(), 12 | 32 | 40 | 56 | 64 | 96 | 128)
    {
        return true;
    }
    is_identifier_like(secret)
}

/// A Twilio resource SID (`AC…` account, `SK…` API key, `PN…` number): two upper-case letters
/// and 32 lower-case hex. An identifier, whatever the name it is assigned to.
fn is_twilio_sid(s: &[u8]) -> bool {
    s.len() == 34
        && s[..2].iter().all(u8::is_ascii_uppercase)
        && s[2..]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `8-4-4-4-12` hex.
fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Words joined by separators (`bert-base-uncased-v2`, `settings.API_KEY`,
/// `ed25519.Ed25519PrivateKey`, `config/prod/db.json`), CONSTANT_CASE names, macros, or
/// letters alone: names and paths, not random values.
fn is_identifier_like(s: &[u8]) -> bool {
    const SEPARATORS: &[u8] = b"_-./@:#";
    let s = match s {
        [rest @ .., b'!' | b'?'] => rest,
        _ => s,
    };
    if s.iter()
        .all(|b| b.is_ascii_alphabetic() || SEPARATORS.contains(b))
    {
        return true;
    }
    let constant_case = s.contains(&b'_')
        && s.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    // A CamelCase name (`X509CertificateTemplateFlag`) switches case rarely; random base62
    // about every other character.
    let camel_case = s.iter().all(u8::is_ascii_alphanumeric) && class_changes(s) * 6 <= s.len();
    if constant_case || camel_case {
        return true;
    }
    s.iter().any(|b| SEPARATORS.contains(b))
        && s.split(|b| SEPARATORS.contains(b)).all(|seg| {
            seg.len() <= 3
                || (seg.iter().all(u8::is_ascii_alphanumeric)
                    && class_changes(seg) * 4 <= seg.len())
        })
}

/// How often a word switches between lower case, upper case and digits, not counting the
/// capital that starts a word (`Ed25519PrivateKey` switches 3 times; random base62 every
/// other character).
fn class_changes(seg: &[u8]) -> usize {
    let class = |b: u8| match b {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        _ => 2,
    };
    seg.windows(2)
        .filter(|w| {
            let (a, b) = (class(w[0]), class(w[1]));
            a != b && !(a == 1 && b == 0)
        })
        .count()
}

fn distinct_bytes(s: &[u8]) -> usize {
    let mut seen = [false; 256];
    for &b in s {
        seen[b as usize] = true;
    }
    seen.iter().filter(|&&x| x).count()
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
mod tests;
