//! Offline validators: checks that prove a candidate has the shape of a real credential
//! without asking the provider. A checksum that fails means the match is not a token.

use crate::rules::Validator;

/// The base62 alphabet GitHub and npm use: digits, then upper case, then lower case.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a validator concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A checksum held: the shape is proven.
    ChecksumValid,
    /// A structural check held.
    Plausible,
    /// Not a credential.
    Rejected,
}

/// Runs `validator` on a candidate secret.
pub fn check(validator: Validator, secret: &[u8]) -> Verdict {
    let ok = match validator {
        Validator::Crc32Base62 => crc32_base62_ok(secret),
        Validator::PemBody => pem_body_ok(secret),
    };
    match (ok, validator.is_checksum()) {
        (false, _) => Verdict::Rejected,
        (true, true) => Verdict::ChecksumValid,
        (true, false) => Verdict::Plausible,
    }
}

/// The 6-character base62 checksum of a GitHub/npm token body: CRC32 (zlib) of the 30 random
/// characters, most significant digit first, left-padded with `0`.
pub fn crc32_base62(payload: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(payload);
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Builds a well-formed GitHub/npm-style token from a prefix (`ghp_`) and 30 base62
/// characters, appending their checksum. For tests and corpora: these are fakes.
pub fn make_crc32_token(prefix: &str, payload: &str) -> String {
    let sum = crc32_base62(payload.as_bytes());
    format!("{prefix}{payload}{}", String::from_utf8_lossy(&sum))
}

/// `prefix_` + 30 random base62 + 6 checksum characters: the part after the last `_` must be
/// 36 characters whose last 6 are the checksum of the first 30.
fn crc32_base62_ok(secret: &[u8]) -> bool {
    let body = match secret.iter().rposition(|&b| b == b'_') {
        Some(i) => &secret[i + 1..],
        None => secret,
    };
    if body.len() != 36 {
        return false;
    }
    let (payload, sum) = body.split_at(30);
    crc32_base62(payload) == sum
}

/// The base64 body of an armoured private key must decode and be long enough to hold a key
/// (the smallest, an Ed25519 OpenSSH key, is well over 100 bytes).
fn pem_body_ok(secret: &[u8]) -> bool {
    let text = String::from_utf8_lossy(secret);
    let mut body = String::new();
    for line in text
        .split(['\n', '\r'])
        .flat_map(|l| l.split("\\n"))
        .flat_map(|l| l.split("\\r"))
    {
        let l = line.trim();
        if l.is_empty() || l.starts_with("-----") || l.contains(':') {
            continue;
        }
        body.push_str(l);
    }
    let decoded_len = base64_decoded_len(&body);
    matches!(decoded_len, Some(n) if n >= 64)
}

/// Decoded length of standard base64 (padding optional), or `None` if it is not base64.
fn base64_decoded_len(s: &str) -> Option<usize> {
    let trimmed = s.trim_end_matches('=');
    if s.len() - trimmed.len() > 2
        || !trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return None;
    }
    if trimmed.len() % 4 == 1 {
        return None;
    }
    Some(trimmed.len() * 3 / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_published_vectors() {
        // Vectors from shared token-format notes, recomputed with zlib.
        assert_eq!(&crc32_base62(&[b'0'; 30]), b"2C8GjS");
        assert_eq!(&crc32_base62(b"exampleEXAMPLEexampleEXAMPLE00"), b"2GTTXu");
    }

    #[test]
    fn checksum_validator_accepts_and_rejects() {
        let good = make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
        assert!(good.ends_with("0AKxrk"));
        let good = good.as_bytes();
        assert_eq!(check(Validator::Crc32Base62, good), Verdict::ChecksumValid);
        let mut bad = good.to_vec();
        bad[39] = b'j';
        assert_eq!(check(Validator::Crc32Base62, &bad), Verdict::Rejected);
        assert_eq!(
            check(Validator::Crc32Base62, b"ghp_short"),
            Verdict::Rejected
        );
    }

    #[test]
    fn pem_body_needs_key_material() {
        let stub = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
        assert_eq!(check(Validator::PemBody, stub), Verdict::Rejected);
        let body = "QUJD".repeat(30);
        let full = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
        assert_eq!(
            check(Validator::PemBody, full.as_bytes()),
            Verdict::Plausible
        );
    }
}
