//! Gates of the free-form rules: whether the name a value is assigned to says secret, and
//! whether a password-named value is a password rather than a reference, a path or a word.

use super::is_placeholder;

/// Words that make a name a secret's when one ends a word of the name (`dbPassword`,
/// `API_TOKEN`, `client_secret`, `mavenPassword`, `_authToken`).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "creds",
];

/// Words that are a secret's name only when they stand alone as a word of it (`db_pass`,
/// `api_key`, `PASS`; not `bypass`, `compass`, `monkey`).
const WHOLE_WORDS: &[&str] = &["pass", "pw", "key", "auth", "cred"];

/// A word of the name that says the value is something about a secret, not the secret:
/// `password_policy`, `token_type`, `credentialId`, `secret_hash`, `tokenizer`, `api_key_url`.
const NOT_SECRET_WORDS: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "guid",
    "hash",
    "hashed",
    "digest",
    "sha",
    "md5",
    "type",
    "types",
    "policy",
    "policies",
    "length",
    "len",
    "size",
    "count",
    "min",
    "max",
    "name",
    "names",
    "label",
    "field",
    "fields",
    "file",
    "filename",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "prompt",
    "regex",
    "pattern",
    "hint",
    "placeholder",
    "required",
    "mode",
    "format",
    "expiry",
    "expires",
    "expiration",
    "expired",
    "ttl",
    "timeout",
    "enabled",
    "flag",
    "header",
    "param",
    "version",
    "index",
    "prefix",
    "suffix",
    "validator",
    "validation",
    "rule",
    "strength",
    "reset",
    "visible",
    "input",
    "title",
    "text",
    "message",
    "error",
    "template",
    "class",
    "style",
    "icon",
    "button",
    "link",
    "route",
    "page",
    "form",
    "column",
    "table",
    "schema",
    "kind",
    "manager",
    "mgr",
    "helper",
    "factory",
    "handler",
    "limit",
    "lifetime",
    "duration",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "algorithm",
    "alg",
    "method",
    "encoding",
    "arn",
    "tokenizer",
    "tokenize",
    "tokenized",
    "keyword",
    "keywords",
    "description",
    "desc",
    "doc",
    "docs",
    "help",
    "usage",
    "show",
    "hide",
    "toggle",
    "check",
    "verify",
    "rotation",
    "should",
    "can",
    "verifier",
    "encryption",
    "encrypted",
    "cipher",
    "ciphertext",
    "blob",
];

/// A word before the secret word that makes it not a secret: `publicToken`, `csrf-token`,
/// `sample_password`, `is_password_set`.
const NOT_SECRET_QUALIFIERS: &[&str] = &[
    "public",
    "publishable",
    "csrf",
    "xsrf",
    "nonce",
    "sample",
    "example",
    "dummy",
    "fake",
    "mock",
    "placeholder",
    "default",
    "min",
    "max",
    "show",
    "hide",
    "toggle",
    "has",
    "is",
    "should",
    "can",
    "use",
    "enable",
    "enabled",
    "require",
    "requires",
    "no",
    "without",
    "forgot",
    "reset",
    "new_",
    "invalid",
    "wrong",
    "bad",
    "hashed",
    "encrypted",
    "masked",
    "tokenizer",
    "tokenize",
    "tokenized",
];

/// The lower-cased words of a name: split at separators and at camelCase humps
/// (`passwordPolicy` → `password`, `policy`; `DB_PASSWORD` → `db`, `password`).
fn words(name: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for &b in name {
        if !b.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if b.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
        cur.push(char::from(b.to_ascii_lowercase()));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `word` says secret: a [`WHOLE_WORDS`] word itself, or a word that ends in (or is)
/// a [`SECRET_WORDS`] word (`dbpassword`, `authtoken`; not `tokenizer`).
fn secret_word(word: &str) -> bool {
    WHOLE_WORDS.contains(&word) || SECRET_WORDS.iter().any(|s| word.ends_with(s))
}

/// True when `name` (as written in the source) names a secret: one of its words says secret
/// and none says the value is about a secret rather than the secret (see
/// [`NOT_SECRET_WORDS`]); `publicToken`, `csrf-token`, `password_policy`, `credentialId`,
/// `tokenizer` do not count.
pub fn is_secret_name(name: &[u8]) -> bool {
    let ws = words(name);
    let Some(last_secret) = ws.iter().rposition(|w| secret_word(w)) else {
        return false;
    };
    // Words after the last secret word describe it (`token_type`), words before qualify it
    // (`public_key`, `csrf_token`); a trailing digit or environment word does neither.
    let describes = ws[last_secret + 1..]
        .iter()
        .any(|w| NOT_SECRET_WORDS.contains(&w.as_str()));
    let qualifies = ws[..last_secret]
        .iter()
        .any(|w| NOT_SECRET_QUALIFIERS.contains(&w.as_str()));
    // A qualifier run into the word: `publictoken`, `xsrftoken` (minified or lower-cased).
    let word = ws[last_secret].as_str();
    let stem = SECRET_WORDS
        .iter()
        .filter_map(|s| word.strip_suffix(s))
        .min_by_key(|stem| stem.len())
        .unwrap_or("");
    let glued = NOT_SECRET_QUALIFIERS
        .iter()
        .any(|q| q.len() >= 4 && stem.ends_with(q));
    !describes && !qualifies && !glued
}

/// What a free-form value under a secret's name must not be: what [`super::is_generic_noise`]
/// rejects (hex digests and UUIDs stay out even under a secret's name: they are far more
/// often ids and hashes than keys, and keys of that shape have provider rules), or a
/// reference or template.
pub fn is_named_generic_noise(secret: &[u8]) -> bool {
    super::is_generic_noise(secret) || is_reference(secret)
}

/// True when a value assigned to a password's name is not a password: a placeholder, a
/// reference or template (`${DB_PASS}`, `{{ pass }}`, `%(pw)s`, `*anchor`), an identifier
/// or word (`dbPassword`, `config.password`, `null`), a path or URL, a format directive,
/// digits alone (a port, a PIN pattern), or too short or too plain to be chosen as a secret.
pub fn is_password_noise(secret: &[u8]) -> bool {
    if secret.len() < 6
        || is_placeholder(secret)
        || is_reference(secret)
        || encodes_placeholder(secret)
    {
        return true;
    }
    let letters = secret.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = secret.iter().filter(|b| b.is_ascii_digit()).count();
    let others = secret.len() - letters - digits;
    if letters == 0 || (digits == 0 && others == 0) {
        return true; // digits and symbols alone, or a word
    }
    // A word with a digit or two (`urllib2`, `utf8`, `python3`): a name, not a choice.
    let word_end = secret
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    if secret.len() - word_end <= 2 && secret[..word_end].iter().all(u8::is_ascii_lowercase) {
        return true;
    }
    // Percent-encoded text (`pass%5B%7F`) is a URL or form field, not a literal password.
    if secret
        .windows(3)
        .filter(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
        .count()
        >= 2
    {
        return true;
    }
    let text = String::from_utf8_lossy(secret);
    if text.contains("://")
        || text.starts_with('/')
        || text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with("~/")
        || text.contains('\\')
    {
        return true;
    }
    // Identifiers with a digit or separator (`db_password2`, `config.db.password`,
    // `DB_PASSWORD`) and dotted or slashed names; a digit among letters alone is a password.
    // ... but not `Word-1234`, where a part of digits alone is what people add to a word.
    let digit_part = secret
        .split(|b| matches!(b, b'_' | b'.' | b'/' | b'-' | b':' | b'@' | b'#'))
        .any(|part| !part.is_empty() && part.iter().all(u8::is_ascii_digit));
    if super::is_identifier_like(secret)
        && !digit_part
        && secret
            .iter()
            .any(|b| matches!(b, b'_' | b'.' | b'/' | b'-' | b':'))
    {
        return true;
    }
    if secret.contains(&b'.')
        && secret.split(|&b| b == b'.').all(|seg| {
            !seg.is_empty() && seg.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        })
        && secret
            .split(|&b| b == b'.')
            .filter(|s| !s.is_empty())
            .all(|s| s[0].is_ascii_alphabetic())
    {
        return true; // `settings.DB_PASSWORD`, `req.body.pw2`
    }
    let mut distinct = [false; 256];
    for &b in secret {
        distinct[usize::from(b)] = true;
    }
    distinct.iter().filter(|&&d| d).count() < 4
}

/// Base64 of a placeholder or default (`cGFzc3dvcmQ=` is `password`): what a sample config
/// writes where an encoded secret goes.
fn encodes_placeholder(secret: &[u8]) -> bool {
    if !secret.len().is_multiple_of(4) || secret.len() > 64 {
        return false;
    }
    crate::engine::validate::base64_decode(secret).is_some_and(|d| {
        d.iter().all(|b| (0x20..0x7f).contains(b))
            && (is_placeholder(&d)
                || !d.iter().any(u8::is_ascii_digit) && d.iter().all(u8::is_ascii_alphabetic))
    })
}

/// A reference to a value kept elsewhere, or a template or format directive standing for one.
fn is_reference(s: &[u8]) -> bool {
    let text = String::from_utf8_lossy(s);
    matches!(
        s.first(),
        Some(b'$' | b'%' | b'&' | b'*' | b'!' | b'{' | b'#')
    ) || text.contains("${")
        || text.contains("{{")
        || text.contains("}}")
        || text.contains("%(")
        || text.contains("#{")
        || text.contains("%s")
        || text.contains("%d")
        || text.contains("{0}")
        || text.contains("{}")
        || text.ends_with("_env")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_say_secret() {
        for n in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "mavenPassword",
            "db_pass",
            "PASS",
            "api_key",
            "API_TOKEN",
            "client_secret",
            "_authToken",
            "apiKey",
            "x-api-key",
            "SECRET_KEY",
            "github_token",
            "aws_secret_access_key",
            "pwd",
            "ClearTextPassword",
            "private_key",
            "accessKey",
            "credentials",
            "auth_token",
            "secret",
        ] {
            assert!(is_secret_name(n.as_bytes()), "{n}");
        }
        for n in [
            "credentialId",
            "publicToken",
            "csrf-token",
            "tokenizer",
            "passwordPolicy",
            "token_type",
            "secret_hash",
            "bypass",
            "compass",
            "monkey",
            "password_length",
            "tokenizer_name",
            "api_key_url",
            "public_key",
            "secretary",
            "passport",
            "token_id",
            "csrf_token",
            "PASSWORD_MIN_LENGTH",
            "password_hint",
        ] {
            assert!(!is_secret_name(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn passwords_and_what_is_not() {
        for p in [
            "Tr0ub4dor&3",
            "Summer2024!",
            "s3cr3t-Pq7",
            "dbPass99",
            "P@55w0rd-prod",
            "hY7#kq",
        ] {
            assert!(!is_password_noise(p.as_bytes()), "{p}");
        }
        for n in [
            "${DB_PASSWORD}",
            "{{ db_pass }}",
            "%(password)s",
            "*db_password",
            "changeme",
            "password",
            "secret123",
            "123456789",
            "hunter2",
            "DB_PASSWORD",
            "settings.DB_PASSWORD",
            "/run/secrets/db",
            "https://vault.local/db",
            "%s",
            "null",
            "undefined",
            "required",
            "abc12",
            "xxxxxxxx",
            "<password>",
            "config.db.password",
            "aaaaaa1",
            "urllib2",
            "pass%5B%7F",
            "python3",
        ] {
            assert!(is_password_noise(n.as_bytes()), "{n}");
        }
    }
}
