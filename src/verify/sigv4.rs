//! AWS Signature Version 4 (SigV4) request signing.
//!
//! leakscan uses this to sign the one request it sends to check an AWS key
//! pair: STS `GetCallerIdentity`. It follows the AWS SigV4 documentation
//! ("Create a signed AWS API request" in the AWS IAM user guide, formerly
//! "Signature Version 4 signing process" in the AWS General Reference).
//!
//! It covers what that request needs: header signing (not presigned URLs),
//! non-S3 path rules, and an optional session token for temporary keys.

use crate::finding::hex;
use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The key pair to sign with.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// For temporary (ASIA) keys: sent as X-Amz-Security-Token and signed.
    pub session_token: Option<&'a str>,
}

/// A request before signing.
pub struct Unsigned<'a> {
    /// HTTP method, such as "GET" or "POST".
    pub method: &'a str,
    /// Sent as the Host header and signed.
    pub host: &'a str,
    /// Absolute path, not yet encoded, such as "/". It is normalised ("." and
    /// ".." and empty segments removed) and each segment URI-encoded once,
    /// as for all services but S3.
    pub path: &'a str,
    /// Query pairs, not yet encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Other headers to sign and send. Host, X-Amz-Date and
    /// X-Amz-Security-Token come from the other fields; entries with those
    /// names here are ignored.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body (may be empty).
    pub body: &'a [u8],
    /// Region, such as "us-east-1".
    pub region: &'a str,
    /// Service name, such as "sts".
    pub service: &'a str,
    /// Request time as "20150830T123600Z". The date scope is its first 8
    /// characters.
    pub amz_date: &'a str,
}

/// The result of signing: the parts AWS describes, and what to send.
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    /// Lower-case hex.
    pub signature: String,
    /// The value of the Authorization header.
    pub authorization: String,
    /// Every header to send, names as given (host, x-amz-date, x-amz-security-token if any, and the request's own), in the order they were signed.
    ///
    /// The Authorization header is not in this list; send it as well.
    pub headers: Vec<(String, String)>,
}

/// Signs a request with SigV4.
pub fn sign(c: &Credentials, r: &Unsigned) -> Signed {
    let date = r.amz_date.get(..8).unwrap_or(r.amz_date);
    let scope = format!("{date}/{}/{}/aws4_request", r.region, r.service);

    // (lower-case name, name as given, value), then sorted by the lower-case
    // name. The sort is stable, so repeated names keep their order.
    let mut all: Vec<(String, &str, &str)> = vec![
        ("host".to_string(), "host", r.host),
        ("x-amz-date".to_string(), "x-amz-date", r.amz_date),
    ];
    if let Some(token) = c.session_token {
        all.push((
            "x-amz-security-token".to_string(),
            "x-amz-security-token",
            token,
        ));
    }
    for &(name, value) in r.headers {
        let lower = name.trim().to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "host" | "x-amz-date" | "x-amz-security-token"
        ) {
            continue;
        }
        all.push((lower, name, value));
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));

    let mut canonical_headers = String::new();
    let mut names: Vec<&str> = Vec::new();
    for (lower, _, value) in &all {
        let value = trim_value(value);
        if names.last() == Some(&lower.as_str()) {
            // Same name again: join the values with commas on one line.
            canonical_headers.pop();
            canonical_headers.push(',');
        } else {
            names.push(lower);
            canonical_headers.push_str(lower);
            canonical_headers.push(':');
        }
        canonical_headers.push_str(&value);
        canonical_headers.push('\n');
    }
    let signed_headers = names.join(";");

    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        r.method,
        canonical_uri(r.path),
        canonical_query(r.query),
        canonical_headers,
        signed_headers,
        hex(&Sha256::digest(r.body)),
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        r.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes())),
    );

    let k_date = hmac_sha256(
        format!("AWS4{}", c.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sha256(&k_date, r.region.as_bytes());
    let k_service = hmac_sha256(&k_region, r.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let signature = hex(&hmac_sha256(&k_signing, string_to_sign.as_bytes()));

    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        c.access_key_id,
    );
    let headers = all
        .iter()
        .map(|(_, name, value)| (name.to_string(), value.to_string()))
        .collect();

    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        headers,
    }
}

/// "YYYYMMDDTHHMMSSZ" from seconds since the Unix epoch (UTC), no external crate (civil-from-days arithmetic).
pub fn amz_date(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
    )
}

/// Turns days since 1970-01-01 into (year, month, day) in the proleptic
/// Gregorian calendar. This is Howard Hinnant's public `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365, from March 1
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The canonical URI: the path normalised, each segment encoded once.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    let encoded: Vec<String> = segments.iter().map(|s| uri_encode(s)).collect();
    out.push_str(&encoded.join("/"));
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical query string: names and values encoded, sorted by name and
/// then value, joined with "&".
fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(name, value)| (uri_encode(name), uri_encode(value)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value with its ends trimmed and inner runs of spaces made one.
fn trim_value(value: &str) -> String {
    value
        .split([' ', '\t'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ as upper-case %XX.
fn uri_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// HMAC-SHA256 of `data` with `key`.
///
/// HMAC pads a short key with zeros to the 64-byte block, and hashes a
/// longer one first. Doing that here lets us use the fixed-size key form,
/// which cannot fail.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha256 as KeyInit>::new(&block);
    mac.update(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests;
