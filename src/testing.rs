//! Seeded pseudo-random test data, for leakscan's own tests and benchmarks only.
//!
//! This module is hidden from the documentation and is not part of the supported API: it may
//! change at any time. Its [`Rng`] is deterministic (the same seed gives the same data on every
//! machine and run, so a failure can be replayed) and makes no claim of unpredictability;
//! never use it for anything that needs real randomness.

/// The 62 ASCII letters and digits, in the order GitHub's and npm's token checksums use.
pub const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `data` in base64, the standard alphabet or the URL-safe one, with padding or without:
/// what tests build encoded content with.
pub fn base64(data: &[u8], url: bool, pad: bool) -> String {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let alpha = if url { URL } else { STD };
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let v = chunk.iter().fold(0u32, |v, &b| v << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alpha[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// splitmix64 (Steele, Lea and Flood, 2014): a tiny seeded generator whose every seed,
/// including 0 and neighbouring integers, gives a well-mixed stream.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (with the slight modulo bias that test data can live with).
    ///
    /// # Panics
    /// If `n` is 0: the range is empty.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0): the range 0..0 is empty");
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    ///
    /// # Panics
    /// If `lo > hi`, or if the range is all of `u64`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "Rng::range({lo}, {hi}): empty range");
        let span = (hi - lo)
            .checked_add(1)
            .expect("Rng::range: use next_u64 for the whole u64 range");
        lo + self.next_u64() % span
    }

    /// One element of `items`.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "Rng::pick from an empty slice");
        &items[self.below(items.len())]
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// `n` characters drawn from the ASCII `alphabet`.
    ///
    /// # Panics
    /// If `alphabet` is empty or not ASCII.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        assert!(
            alphabet.is_ascii(),
            "Rng::string: the alphabet must be ASCII"
        );
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }

    /// `n` characters of [`BASE62`].
    pub fn base62(&mut self, n: usize) -> String {
        self.string(BASE62, n)
    }
}

/// A fake GitHub-style token (`ghp_`, `gho_`, ...): 30 characters from `seed` and a valid
/// CRC32 checksum, as GitHub's own are made.
pub fn github_token(prefix: &str, seed: u64) -> String {
    crate::engine::validate::make_crc32_token(prefix, &Rng::new(seed).base62(30))
}

/// A macaroon v2 field: its tag and length (LEB128 varints), then its data.
pub fn macaroon_field(out: &mut Vec<u8>, tag: u64, data: &[u8]) {
    let varint = |out: &mut Vec<u8>, mut v: u64| loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    };
    varint(out, tag);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// A v2 macaroon from `pypi.org` with these first-party caveats (JSON each), as PyPI API
/// tokens carry: location (tag 1), identifier (2), end of section (0), a section for each
/// caveat, an end, and a signature (6).
pub fn pypi_macaroon(caveats: &[&[u8]]) -> Vec<u8> {
    let mut m = vec![2];
    macaroon_field(&mut m, 1, b"pypi.org");
    macaroon_field(&mut m, 2, br#"{"nonce":"0f1e2d3c","version":1}"#);
    m.push(0);
    for caveat in caveats {
        macaroon_field(&mut m, 2, caveat);
        m.push(0);
    }
    m.push(0);
    macaroon_field(&mut m, 6, &[0x5a; 32]);
    m
}

/// A fake PyPI API token (`pypi-` and the base64url of [`pypi_macaroon`]).
pub fn pypi_token(caveats: &[&str]) -> String {
    let caveats: Vec<&[u8]> = caveats.iter().map(|c| c.as_bytes()).collect();
    format!("pypi-{}", base64(&pypi_macaroon(&caveats), true, false))
}

/// An AWS access key id of the newer format that names `account` (12 digits), the rest of
/// its bits from `tail`: what `facts::aws::account_id` reads back.
pub fn aws_key_id(prefix: &str, account: u64, tail: u64) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = (1u128 << 79) | u128::from(account) << 39 | u128::from(tail & ((1 << 39) - 1));
    let body: String = (0..16)
        .map(|i| ALPHABET[((bits >> (75 - 5 * i)) & 31) as usize] as char)
        .collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_seeds_differ() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(7);
        assert_eq!(a, (0..8).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut other = Rng::new(8);
        assert_ne!(a[0], other.next_u64());
        // The reference splitmix64 output for seed 0.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut r = Rng::new(1);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            seen[r.below(10)] = true;
            let v = r.range(5, 7);
            assert!((5..=7).contains(&v), "{v}");
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
        assert_eq!(r.range(3, 3), 3);
        let s = r.base62(40);
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| BASE62.contains(&b)), "{s}");
        assert_eq!(r.bytes(5).len(), 5);
        assert!(b"xyz".contains(r.pick(b"xyz")));
    }

    #[test]
    #[should_panic(expected = "empty")]
    fn below_zero_panics() {
        Rng::new(1).below(0);
    }
}
