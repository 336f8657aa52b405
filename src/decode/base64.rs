//! base64 runs that decode to text: the standard and the URL-safe alphabet (one table takes
//! both, so a run that mixes them still decodes), padded or not.
//!
//! Finding runs must cost almost nothing on code that holds none: a run of at least
//! [`MIN_RUN`] characters covers one of every [`MIN_RUN`]-th byte, so only those bytes are
//! looked at until one is in the alphabet; only then is the run around it measured. A run is
//! decoded only as far as its bytes stay text, so a hash, an image or an identifier is given
//! up after a few groups.

use super::Map;

/// The shortest run decoded: 15 bytes of text, shorter than any credential worth a finding
/// in context (`user:password`, a token).
pub const MIN_RUN: usize = 20;

/// Runs longer than this are decoded only up to it (an embedded file of many megabytes is
/// read in its first 16 MiB).
const MAX_RUN: usize = 16 << 20;

/// How far before and after a run its line is kept around the decoded text, for rules that
/// need their keyword (`password: <decoded>`).
const CONTEXT: usize = 256;

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
    let mut i = MIN_RUN - 1;
    // Bytes before `floor` belong to a run already measured.
    let mut floor = 0;
    while i < n {
        if VALUE[bytes[i] as usize] == NO {
            i += MIN_RUN;
            continue;
        }
        let mut s = i;
        while s > floor && VALUE[bytes[s - 1] as usize] != NO {
            s -= 1;
        }
        let mut e = i + 1;
        while e < n && VALUE[bytes[e] as usize] != NO {
            e += 1;
        }
        floor = e;
        i = e + MIN_RUN;
        if e - s < MIN_RUN {
            continue;
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
    }
}

/// The bytes `chars` (base64 characters only) decode to, if they are text: UTF-8 (a
/// sequence the run's end cuts is dropped) with no control character but tab and line
/// breaks. Gives up at the first group that is not.
fn decode_text(chars: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(chars.len() / 4 * 3 + 3);
    let usable = chars.len() - chars.len() % 4 % 3 % 2; // a lone 6 bits decode nothing
    for group in chars[..usable].chunks(4) {
        let mut acc = 0u32;
        for &c in group {
            acc = acc << 6 | u32::from(VALUE[c as usize]);
        }
        let bytes = match group.len() {
            4 => 3,
            3 => 2,
            _ => 1,
        };
        acc <<= 6 * (4 - group.len() as u32);
        for k in 0..bytes {
            let b = (acc >> (16 - 8 * k)) as u8;
            if (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f {
                return None;
            }
            out.push(b);
        }
        // Random bytes fail UTF-8 within a few characters: check early, then at the end.
        if out.len() == 24 && !utf8_prefix(&out) {
            return None;
        }
    }
    if out.len() < 8 || !utf8_prefix(&out) {
        return None;
    }
    let valid = match std::str::from_utf8(&out) {
        Ok(_) => out.len(),
        Err(e) => e.valid_up_to(),
    };
    out.truncate(valid);
    Some(out)
}

/// True when `b` is UTF-8, but for a sequence its end cuts.
fn utf8_prefix(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The view of `bytes` in which `run` is replaced by its text, with up to [`CONTEXT`] bytes
/// of its line on either side, and how the view maps back.
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

/// Where the context before `at` starts: its line's start, at most [`CONTEXT`] back.
pub(super) fn line_start(bytes: &[u8], at: usize) -> usize {
    let lo = at.saturating_sub(CONTEXT);
    memchr::memrchr(b'\n', &bytes[lo..at]).map_or(lo, |i| lo + i + 1)
}

/// Where the context after `at` ends: its line's end, at most [`CONTEXT`] on.
pub(super) fn line_end(bytes: &[u8], at: usize) -> usize {
    let hi = (at + CONTEXT).min(bytes.len());
    memchr::memchr(b'\n', &bytes[at..hi]).map_or(hi, |i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(b: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in b.chunks(3) {
            let n = c.len();
            let v = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for k in 0..=n {
                s.push(A[(v >> (18 - 6 * k) & 63) as usize] as char);
            }
            for _ in n..3 {
                s.push('=');
            }
        }
        s
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
