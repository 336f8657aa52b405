//! base64 runs that decode to text: the standard and the URL-safe alphabet (one table takes
//! both, so a run that mixes them still decodes), padded or not.
//!
//! Finding runs must cost almost nothing on code that holds none. A run of at least
//! [`MIN_RUN`] characters holds two consecutive whole 8-byte words of the blob, one of them at
//! an even word index; so only every other word is tested, eight bytes at once with bit
//! arithmetic (no table), and only a word whose neighbour passes too has the run around it
//! measured. A run is decoded only as far as its bytes stay text, so a hash, an image or an
//! identifier is given up after a few groups.

use super::{line_end, line_start, Map};

/// The shortest run decoded: 18 bytes of text, as long as the shortest tokens and a
/// `user:password` worth a finding.
pub const MIN_RUN: usize = 24;

/// Runs longer than this are decoded only up to it (an embedded file of many megabytes is
/// read in its first 16 MiB).
const MAX_RUN: usize = 16 << 20;

/// Not a base64 character.
const NO: u8 = 0xff;

/// Each byte's 6-bit value: `+` and `-` are 62, `/` and `_` are 63.
static VALUE: [u8; 256] = {
    let mut t = [NO; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// A run that decodes to text: its span in the blob (padding included) and the text.
pub struct Run {
    pub start: usize,
    pub end: usize,
    pub text: Vec<u8>,
}

/// Calls `f` for each run of `bytes` at least [`MIN_RUN`] long that decodes to text, in order.
pub fn runs(bytes: &[u8], mut f: impl FnMut(Run)) {
    let n = bytes.len();
    let is_b64 = |b: u8| VALUE[b as usize] != NO;
    let exact = |i: usize| bytes[i..i + 8].iter().all(|&b| is_b64(b));
    // Measures the run through `bytes[i]` and decodes it; bytes before `floor` belong to a run
    // already measured.
    let mut measure = |i: usize, floor: &mut usize| {
        let mut s = i;
        while s > *floor && is_b64(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = i + 8;
        while e < n && is_b64(bytes[e]) {
            e += 1;
        }
        *floor = e;
        if e - s < MIN_RUN {
            return;
        }
        if let Some(text) = decode_text(&bytes[s..e.min(s + MAX_RUN)]) {
            let mut end = e;
            while end < n && end - e < 2 && bytes[end] == b'=' {
                end += 1;
            }
            f(Run {
                start: s,
                end,
                text,
            });
        }
    };
    let mut floor = 0;
    // The blob as pairs of words: the first of each pair is at an even word index, and is
    // the one tested; then one of its neighbours.
    let (pairs, rest) = bytes.as_chunks::<16>();
    let mut before = 0u64; // the word before the pair (NULs fail)
    for (c, pair) in pairs.iter().enumerate() {
        let (lo, hi) = match pair.as_chunks::<8>().0 {
            [lo, hi] => (u64::from_le_bytes(*lo), u64::from_le_bytes(*hi)),
            _ => continue, // a pair is two words
        };
        let i = 16 * c;
        if maybe_all(lo) && i >= floor {
            let next = if maybe_all(hi) { hi } else { before };
            if maybe_all(next) && (upper_or_digit(lo) || upper_or_digit(next)) && exact(i) {
                measure(i, &mut floor);
            }
        }
        before = hi;
    }
    // A last single word at an even index.
    if let Some(lo) = rest.first_chunk::<8>() {
        let i = 16 * pairs.len();
        if i >= floor && maybe_all(u64::from_le_bytes(*lo)) && maybe_all(before) && exact(i) {
            measure(i, &mut floor);
        }
    }
}

/// True when a byte of `w` is an upper-case letter or a digit. The base64 of text has one in
/// nearly every 16 characters (none in 16 has a chance of about 1 in 65,000), while
/// `snake_case_names` and `lower/case/paths`, the long runs of code, have none.
fn upper_or_digit(w: u64) -> bool {
    let x = w & !HIGH;
    let upper = x.wrapping_add(splat(0x80 - b'A')) & !x.wrapping_add(splat(0x7f - b'Z'));
    let digit = x.wrapping_add(splat(0x80 - b'0')) & !x.wrapping_add(splat(0x7f - b'9'));
    (upper | digit) & HIGH != 0
}

/// High bit of each byte.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `b` in every byte.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// True when each byte of `w` may be a base64 character: a letter, `+` to `9` (`,` and `.`
/// pass too) or `_`. Each test adds a constant to the low seven bits of every byte, which
/// cannot carry into the next byte, and reads the high bit.
fn maybe_all(w: u64) -> bool {
    // First the cheap test that fails most words of code and prose: a byte below `+` (space,
    // line break, quote, bracket). It is exact for "any byte below".
    if w.wrapping_sub(splat(b'+')) & !w & HIGH != 0 {
        return false;
    }
    let x = w & !HIGH;
    let l = x | splat(0x20); // upper case to lower
    let letter = l.wrapping_add(splat(0x80 - b'a')) & !l.wrapping_add(splat(0x7f - b'z'));
    let digit = x.wrapping_add(splat(0x80 - b'+')) & !x.wrapping_add(splat(0x7f - b'9'));
    let underscore = !(x ^ splat(b'_')).wrapping_add(splat(0x7f));
    (letter | digit | underscore) & !w & HIGH == HIGH
}

/// The bytes `chars` (base64 characters only) decode to, if they are text: UTF-8 (a
/// sequence the run's end cuts is dropped) with no control character but tab and line
/// breaks. The first 32 characters are looked at before anything is allocated, and must hold
/// an upper-case letter or a digit, as the base64 of any text does (a `snake_case_name` or a
/// `lower/case/path` is not base64).
fn decode_text(chars: &[u8]) -> Option<Vec<u8>> {
    let usable = chars.len() - chars.len() % 4 % 3 % 2; // a lone 6 bits decode nothing
    let chars = &chars[..usable];
    let head = &chars[..chars.len().min(32)];
    if !head
        .iter()
        .any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return None;
    }
    let mut first = [0u8; 24];
    let mut n = 0;
    let ok = decode_groups(head, |b| {
        first[n] = b;
        n += 1;
    });
    if !ok || n < 8 || !utf8_prefix(&first[..n]) {
        return None;
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3 + 3);
    if !decode_groups(chars, |b| out.push(b)) || !utf8_prefix(&out) {
        return None;
    }
    let valid = match std::str::from_utf8(&out) {
        Ok(_) => out.len(),
        Err(e) => e.valid_up_to(),
    };
    out.truncate(valid);
    Some(out)
}

/// Decodes `chars` (whole groups but for the last) into `push`; false at the first byte that
/// is a control character other than tab and line breaks.
fn decode_groups(chars: &[u8], mut push: impl FnMut(u8)) -> bool {
    for group in chars.chunks(4) {
        let mut acc = 0u32;
        for &c in group {
            acc = acc << 6 | u32::from(VALUE[c as usize]);
        }
        acc <<= 6 * (4 - group.len() as u32);
        for k in 0..group.len().saturating_sub(1) {
            let b = (acc >> (16 - 8 * k)) as u8;
            if (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f {
                return false;
            }
            push(b);
        }
    }
    true
}

/// True when `b` is UTF-8, but for a sequence its end cuts.
fn utf8_prefix(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The view of `bytes` in which `run` is replaced by its text, with up to
/// [`super::CONTEXT`] bytes of its line on either side, and how the view maps back.
pub fn view(bytes: &[u8], run: &Run) -> (Vec<u8>, Map) {
    let from = line_start(bytes, run.start);
    let to = line_end(bytes, run.end);
    let mut view = Vec::with_capacity(run.start - from + run.text.len() + to - run.end);
    let mut map = Map::default();
    view.extend_from_slice(&bytes[from..run.start]);
    map.literal(0, from, run.start - from);
    map.decoded(
        view.len(),
        run.text.len(),
        run.start,
        run.end - run.start,
        "base64",
        true,
    );
    view.extend_from_slice(&run.text);
    map.literal(view.len(), run.end, to - run.end);
    view.extend_from_slice(&bytes[run.end..to]);
    (view, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(b: &[u8]) -> String {
        crate::testing::base64(b, false, true)
    }

    fn all(bytes: &[u8]) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        runs(bytes, |r| {
            out.push((r.start, r.end, String::from_utf8(r.text).unwrap()));
        });
        out
    }

    #[test]
    fn finds_runs_that_decode_to_text_at_any_offset() {
        for text in [
            "user:correct-horse-battery",
            "TOKEN=abcdefghijklmnop1\n",
            "é:ünïcødé-text-here",
        ] {
            let enc = encode(text.as_bytes());
            for pad in 0..25 {
                let blob = format!("{}data: {enc}\n", " ".repeat(pad));
                let found = all(blob.as_bytes());
                let start = pad + 6;
                assert_eq!(
                    found,
                    vec![(start, start + enc.len(), text.to_string())],
                    "{blob}"
                );
            }
            // Unpadded and URL-safe.
            let bare = enc
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_");
            let found = all(format!("k={bare}").as_bytes());
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].2, text);
        }
    }

    #[test]
    fn the_word_test_passes_every_base64_byte() {
        for b in 0..=255u8 {
            let want = VALUE[b as usize] != NO || b == b',' || b == b'.';
            assert_eq!(maybe_all(splat(b)), want, "byte {b:#x}");
            // One other byte in the word makes it fail.
            let mixed = splat(b'A') & !0xff | u64::from(b);
            assert_eq!(maybe_all(mixed), want, "byte {b:#x} among letters");
        }
    }

    #[test]
    fn finds_what_a_byte_by_byte_search_finds() {
        // Runs of every length around MIN_RUN at every alignment, cut by separators.
        let mut rng = crate::testing::Rng::new(11);
        let mut found = 0;
        for _ in 0..300 {
            let mut blob = Vec::new();
            while blob.len() < 400 {
                let len = rng.below(30) + 10;
                let text = rng.string(b"abcdefghij klmnopqrstuvwxyz=:ABCDEFG", len);
                blob.extend_from_slice(encode(text.as_bytes()).trim_end_matches('=').as_bytes());
                blob.push(*rng.pick(b" ,.\n\"(:"));
            }
            let mut naive = Vec::new();
            let mut s = 0;
            while s < blob.len() {
                let mut e = s;
                while e < blob.len() && VALUE[blob[e] as usize] != NO {
                    e += 1;
                }
                if e - s >= MIN_RUN {
                    if let Some(t) = decode_text(&blob[s..e]) {
                        naive.push((s, e, String::from_utf8(t).unwrap()));
                    }
                }
                s = e + 1;
            }
            assert_eq!(all(&blob), naive, "{}", String::from_utf8_lossy(&blob));
            found += naive.len();
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn leaves_code_hashes_and_binary_alone() {
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let mut rng = crate::testing::Rng::new(3);
        let png = encode(&rng.bytes(300));
        let code = "let AbstractSingletonProxyFactoryBean = some_long_function_name_here(x);";
        for blob in [
            sha,
            png.as_str(),
            code,
            "src/engine/prefilter/tests/of/the/path.rs",
        ] {
            assert!(all(blob.as_bytes()).is_empty(), "{blob}");
        }
    }

    #[test]
    fn the_view_maps_back_to_the_encoded_span() {
        let enc = encode(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        let blob = format!("first\ntoken: {enc} # end\nlast\n");
        let mut found = Vec::new();
        runs(blob.as_bytes(), |r| found.push(r));
        let (view, map) = view(blob.as_bytes(), &found[0]);
        let view = String::from_utf8(view).unwrap();
        assert_eq!(
            view,
            "token: ghp_abcdefghijklmnopqrstuvwxyz0123456789 # end"
        );
        let at = view.find("ghp_").unwrap();
        let end = at + 40;
        assert_eq!(map.start(at), 13);
        assert_eq!(map.end(end), 13 + enc.len());
        assert_eq!(map.kinds(at, end), vec!["base64"]);
        assert!(map.kinds(0, 5).is_empty());
        assert_eq!(map.start(2), 8);
    }
}
