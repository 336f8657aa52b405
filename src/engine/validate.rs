//! Offline validators: checks that prove a candidate has the shape of a real credential
//! without asking the provider. A checksum that fails means the match is not a token.
//!
//! Checksums (a CRC or bech32 that holds) prove the shape; structural checks (JWT, PyPI
//! macaroon, PEM body, generic values) only make a match plausible.

use crate::engine::allow;
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
    check_named(validator, secret, None)
}

/// Runs `validator` on a candidate secret and, for the free-form validators, on the name it
/// is assigned to when the rule captured one (`(?P<name>…)`): a name that does not say
/// secret (`credentialId`, `publicToken`, `password_policy`) rejects the value.
pub fn check_named(validator: Validator, secret: &[u8], name: Option<&[u8]>) -> Verdict {
    let ok = match validator {
        Validator::Crc32Base62 => crc32_base62_ok(secret),
        Validator::Crc32Base62Tail => crc32_base62_tail_ok(secret),
        Validator::PemBody => pem_body_ok(secret),
        Validator::GitlabRoutable => gitlab_routable_ok(secret),
        Validator::AtlassianCrc32 => atlassian_crc32_ok(secret),
        Validator::AgeBech32 => bech32_ok(secret),
        Validator::Jwt => jwt_ok(secret),
        Validator::PypiMacaroon => pypi_macaroon_ok(secret),
        Validator::GenericSecret => match name {
            None => !allow::is_generic_noise(secret),
            Some(n) => allow::is_secret_name(n) && !allow::is_named_generic_noise(secret),
        },
        Validator::BasicAuth => basic_auth_ok(secret),
        Validator::Password => {
            name.is_none_or(allow::is_secret_name) && !allow::is_password_noise(secret)
        }
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

/// `prefix_` + random base62 + 6 checksum characters, the checksum taken over all the random
/// characters, however many (GitHub refresh tokens carry 70 where other tokens carry 30).
fn crc32_base62_tail_ok(secret: &[u8]) -> bool {
    let body = match secret.iter().rposition(|&b| b == b'_') {
        Some(i) => &secret[i + 1..],
        None => secret,
    };
    if body.len() < 7 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (payload, sum) = body.split_at(body.len() - 6);
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
        // Armour headers (`Version: ...`) and the OpenPGP CRC24 line (`=AbCd`) are not body.
        let pgp_crc = l.len() == 5 && l.starts_with('=');
        if l.is_empty() || l.starts_with("-----") || l.contains(':') || pgp_crc {
            continue;
        }
        body.push_str(l);
    }
    let decoded_len = base64_decoded_len(&body);
    matches!(decoded_len, Some(n) if n >= 64)
}

/// Lower-case base36 of `n`, left-padded with `0` to `width`.
fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// GitLab routable token: `<prefix><base64url payload>.[<version>.]<len:2><crc:7>`, where
/// `len` is the base36 length of the payload and `crc` the base36 CRC32 (zlib) of everything
/// before it. See GitLab's `routable_token.rb` and the Cells routable-token design.
fn gitlab_routable_ok(secret: &[u8]) -> bool {
    if secret.len() < 16 {
        return false;
    }
    let (head, crc) = secret.split_at(secret.len() - 7);
    if base36(u64::from(crc32fast::hash(head)), 7).as_bytes() != crc {
        return false;
    }
    let len_field = &head[head.len() - 2..];
    let Some(len) = std::str::from_utf8(len_field)
        .ok()
        .and_then(|t| usize::from_str_radix(t, 36).ok())
    else {
        return false;
    };
    let payload_end = head.iter().position(|&b| b == b'.').unwrap_or(0);
    // The payload is the tail of the part before the first dot; a prefix precedes it.
    len > 0 && payload_end > len
}

/// Atlassian API token: the last 8 characters are the upper-case hex CRC32 of all before.
fn atlassian_crc32_ok(secret: &[u8]) -> bool {
    if secret.len() < 16 {
        return false;
    }
    let (head, sum) = secret.split_at(secret.len() - 8);
    format!("{:08X}", crc32fast::hash(head)).as_bytes() == sum
}

/// Bech32 (BIP-173) checksum of a string such as an age secret key; case-insensitive, but
/// not mixed case.
fn bech32_ok(secret: &[u8]) -> bool {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let has_upper = secret.iter().any(u8::is_ascii_uppercase);
    let has_lower = secret.iter().any(u8::is_ascii_lowercase);
    if has_upper && has_lower {
        return false;
    }
    let s = secret.to_ascii_lowercase();
    let Some(sep) = s.iter().rposition(|&b| b == b'1') else {
        return false;
    };
    if sep == 0 || s.len() - sep < 7 {
        return false;
    }
    let (hrp, data) = (&s[..sep], &s[sep + 1..]);
    let mut values: Vec<u8> = hrp.iter().map(|b| b >> 5).collect();
    values.push(0);
    values.extend(hrp.iter().map(|b| b & 31));
    for c in data {
        match CHARSET.iter().position(|x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk == 1
}

/// A JWT's header and payload are base64url JSON objects, and the header names an `alg`.
fn jwt_ok(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let object = |part: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&base64_decode(part)?) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        }
    };
    matches!(object(header), Some(h) if h.get("alg").is_some_and(serde_json::Value::is_string))
        && object(payload).is_some()
}

/// A PyPI token is `pypi-` + a base64url macaroon (v2) whose first field is its location:
/// bytes `02 01 <len> <location>`, the location being `pypi.org` or a subdomain of it.
fn pypi_macaroon_ok(secret: &[u8]) -> bool {
    let Some(body) = secret.strip_prefix(b"pypi-") else {
        return false;
    };
    // The location field fits in the first few dozen characters.
    let head = &body[..body.len().min(48) / 4 * 4];
    let Some(bytes) = base64_decode(head) else {
        return false;
    };
    if bytes.len() < 3 || bytes[0] != 2 || bytes[1] != 1 {
        return false;
    }
    let len = usize::from(bytes[2]);
    let Some(location) = bytes.get(3..3 + len) else {
        return false;
    };
    location == b"pypi.org" || location.ends_with(b".pypi.org")
}

/// Base64 of `user:password`: printable ASCII with a colon between a non-empty user and a
/// password that is not a placeholder.
fn basic_auth_ok(secret: &[u8]) -> bool {
    let Some(decoded) = base64_decode(secret) else {
        return false;
    };
    if !decoded.iter().all(|b| (0x20..0x7f).contains(b)) {
        return false;
    }
    match decoded.iter().position(|&b| b == b':') {
        Some(i) if i > 0 && decoded.len() - i > 4 => {
            !allow::is_placeholder(&decoded[i + 1..]) && !allow::is_placeholder(&decoded[..i])
        }
        _ => false,
    }
}

/// Decodes base64 in either the standard or the URL-safe alphabet, padding optional.
pub(crate) fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = match s.iter().position(|&b| b == b'=') {
        Some(i) if s[i..].iter().all(|&b| b == b'=') && s.len() - i <= 2 => &s[..i],
        Some(_) => return None,
        None => s,
    };
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
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
mod tests;
