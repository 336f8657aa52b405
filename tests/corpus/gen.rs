//! Seeded generator of well-formed fake credentials, one family per rule, and of hard
//! negatives. Everything is built at test time: the repository holds no token literals.

pub use leakscan::testing::{Rng, BASE62};

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const B32_LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The corpus's draws on top of the shared seeded [`Rng`].
pub trait CorpusRng {
    /// `n` characters of `alpha`, redrawn while they look like a placeholder (runs,
    /// sequences), as a real generator's output would not.
    fn s(&mut self, alpha: &[u8], n: usize) -> String;
    /// An `n`-digit decimal number without a leading zero.
    fn digits(&mut self, n: usize) -> String;
}

impl CorpusRng for Rng {
    fn s(&mut self, alpha: &[u8], n: usize) -> String {
        loop {
            let v = self.string(alpha, n);
            if !looks_regular(v.as_bytes()) {
                return v;
            }
        }
    }
    fn digits(&mut self, n: usize) -> String {
        let mut s = self.range(1, 9).to_string();
        s.push_str(&self.s(b"0123456789", n - 1));
        s
    }
}

fn looks_regular(v: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(v).to_ascii_lowercase();
    let words = [
        "example", "xxxx", "sample", "dummy", "your", "test", "fake", "redacted",
    ];
    words.iter().any(|w| lower.contains(w))
        || v.windows(4).any(|w| w.iter().all(|&b| b == w[0]))
        || v.windows(5)
            .any(|w| w.windows(2).all(|p| p[1] == p[0].wrapping_add(1)))
}

pub fn b64(data: &[u8], url: bool, pad: bool) -> String {
    leakscan::testing::base64(data, url, pad)
}

fn radix(mut n: u64, alpha: &[u8], width: usize) -> String {
    let base = alpha.len() as u64;
    let mut out = Vec::new();
    while n > 0 {
        out.push(alpha[(n % base) as usize]);
        n /= base;
    }
    while out.len() < width {
        out.push(alpha[0]);
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

pub fn base36(n: u64, width: usize) -> String {
    radix(n, b"0123456789abcdefghijklmnopqrstuvwxyz", width)
}

/// GitHub / npm: prefix + 30 base62 + base62(CRC32 of the 30), 6 wide.
pub fn crc62(r: &mut Rng, prefix: &str) -> String {
    let p = r.s(BASE62, 30);
    let sum = radix(u64::from(crc32fast::hash(p.as_bytes())), BASE62, 6);
    format!("{prefix}{p}{sum}")
}

pub fn gitlab_routable(r: &mut Rng, prefix: &str, versioned: bool) -> String {
    let mut payload = r.bytes(16);
    let routing = format!(
        "o:{}\nu:{}",
        base36(r.range(1, 99_999), 1),
        base36(r.range(1, 9_999_999), 1)
    );
    payload.extend_from_slice(routing.as_bytes());
    payload.push(16);
    let b = b64(&payload, true, false);
    let head = format!(
        "{prefix}{b}{}{}",
        if versioned { ".01." } else { "." },
        base36(b.len() as u64, 2)
    );
    let crc = base36(u64::from(crc32fast::hash(head.as_bytes())), 7);
    format!("{head}{crc}")
}

pub fn atlassian(r: &mut Rng, prefix: &str) -> String {
    let head = format!("{prefix}{}=", r.s(B64URL, 171));
    format!("{head}{:08X}", crc32fast::hash(head.as_bytes()))
}

pub fn age_key(r: &mut Rng) -> String {
    const CH: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let hrp = b"age-secret-key-";
    let data8 = r.bytes(32);
    let mut data = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for b in data8 {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            data.push(((acc >> bits) & 31) as u8);
        }
    }
    if bits > 0 {
        data.push(((acc << (5 - bits)) & 31) as u8);
    }
    let mut values: Vec<u8> = hrp.iter().map(|b| b >> 5).collect();
    values.push(0);
    values.extend(hrp.iter().map(|b| b & 31));
    values.extend(&data);
    values.extend([0u8; 6]);
    let pm = polymod(&values) ^ 1;
    let chk: Vec<u8> = (0..6).map(|i| ((pm >> (5 * (5 - i))) & 31) as u8).collect();
    let tail: String = data
        .iter()
        .chain(&chk)
        .map(|&d| CH[d as usize] as char)
        .collect();
    format!("AGE-SECRET-KEY-1{}", tail.to_ascii_uppercase())
}

fn polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

pub fn jwt(r: &mut Rng) -> String {
    let h = b64(br#"{"alg":"HS256","typ":"JWT"}"#, true, false);
    let claims = format!(
        r#"{{"sub":"{}","iat":{},"role":"{}"}}"#,
        r.range(1_000_000, 999_999_999),
        r.range(1_600_000_000, 1_700_000_000),
        r.pick(&["admin", "service_role", "user"])
    );
    let p = b64(claims.as_bytes(), true, false);
    let s = b64(&r.bytes(32), true, false);
    format!("{h}.{p}.{s}")
}

pub fn pypi(r: &mut Rng) -> String {
    let mut m = vec![2u8, 1, 8];
    m.extend_from_slice(b"pypi.org");
    m.extend_from_slice(&[2, 1, 36]);
    m.extend_from_slice(r.s(HEX, 36).as_bytes());
    m.extend_from_slice(&[0, 2, 0x2c]);
    m.extend_from_slice(br#"[{"version": 1, "permissions": "user"}]"#);
    m.extend_from_slice(&[0, 0, 6, 32]);
    m.extend(r.bytes(32));
    format!("pypi-{}", b64(&m, true, false))
}

pub fn uuid(r: &mut Rng) -> String {
    let h = r.s(HEX, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Base64 lines of `n` random bytes, 64 wide.
pub fn pem_lines(r: &mut Rng, n: usize) -> Vec<String> {
    let b = b64(&r.bytes(n), false, true);
    b.as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).expect("ascii"))
        .collect()
}

pub fn pem(r: &mut Rng, label: &str, n: usize) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----",
        pem_lines(r, n).join("\n")
    )
}

pub fn sentry_org(r: &mut Rng) -> String {
    let json = format!(
        r#"{{"iat":{},"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"{}"}}"#,
        r.range(1_600_000_000, 1_800_000_000),
        r.pick(&["acme", "globex", "initech"])
    );
    format!(
        "sntrys_{}_{}",
        b64(json.as_bytes(), false, true),
        r.s(ALNUM, 43)
    )
}

pub fn discord(r: &mut Rng) -> String {
    let id = r.digits(18);
    format!(
        "{}.{}.{}",
        b64(id.as_bytes(), false, false),
        r.s(B64URL, 6),
        r.s(B64URL, 38)
    )
}

pub fn sas_sig(r: &mut Rng) -> String {
    b64(&r.bytes(32), false, true)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

pub fn cask(r: &mut Rng) -> String {
    format!(
        "{}JQQJ99{}{}AZDO{}{}{}",
        r.s(ALNUM, 52),
        *r.pick(b"BCD") as char,
        *r.pick(b"ABCDEFGHIJKL") as char,
        r.s(ALNUM, 12),
        *r.pick(LETTERS) as char,
        r.s(ALNUM, 7)
    )
}

pub fn putty(r: &mut Rng) -> String {
    let public = pem_lines(r, 270);
    let private = pem_lines(r, 880);
    format!(
        "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key-{}\nPublic-Lines: {}\n{}\nPrivate-Lines: {}\n{}\nPrivate-MAC: {}",
        r.digits(8),
        public.len(),
        public.join("\n"),
        private.len(),
        private.join("\n"),
        r.s(HEX, 64)
    )
}

/// Breaks the last character of a checksummed token (the checksum no longer holds).
pub fn break_last(tok: &str) -> String {
    let mut b = tok.as_bytes().to_vec();
    let last = b.last_mut().expect("non-empty");
    *last = match *last {
        b'0'..=b'8' | b'A'..=b'Y' | b'a'..=b'y' => *last + 1,
        b'9' => b'0',
        b'Z' => b'A',
        _ => b'a',
    };
    String::from_utf8(b).expect("ascii")
}
