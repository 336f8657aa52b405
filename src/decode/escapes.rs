//! Percent-encoding (`p%40ss` in a URL) and string escapes (`\u0067`, `\x67`, `\/` in JSON
//! and JavaScript strings), decoded where they occur: each stretch of a line that holds some
//! becomes a view with them decoded, and the rest of the blob is left alone.

use super::Map;
use super::{line_end, line_start};

/// At most this many escapes of one blob are decoded (a bundle of escaped data is read in
/// its first million).
const MAX_ESCAPES: usize = 1 << 20;

/// One escape: where it is, how long, what it stands for, and which kind it is.
struct Escape {
    at: usize,
    len: usize,
    text: [u8; 4],
    text_len: usize,
    kind: &'static str,
}

/// The views of `bytes` with their escapes decoded, one for each stretch of a line that holds
/// escapes (with up to 256 bytes of the line around them), and how each maps back.
pub fn views(bytes: &[u8]) -> Vec<(Vec<u8>, Map)> {
    let mut escapes = Vec::new();
    let mut next = 0;
    for i in memchr::memchr2_iter(b'\\', b'%', bytes) {
        if i < next {
            continue;
        }
        if let Some(e) = escape_at(bytes, i) {
            next = i + e.len;
            escapes.push(e);
            if escapes.len() == MAX_ESCAPES {
                break;
            }
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < escapes.len() {
        let from = line_start(bytes, escapes[i].at);
        let mut to = line_end(bytes, escapes[i].at + escapes[i].len);
        let mut j = i + 1;
        while j < escapes.len() && line_start(bytes, escapes[j].at) <= to {
            to = to.max(line_end(bytes, escapes[j].at + escapes[j].len));
            j += 1;
        }
        out.push(view(bytes, from, to, &escapes[i..j]));
        i = j;
    }
    out
}

/// `bytes[from..to]` with `escapes` (which lie in it, in order) decoded.
fn view(bytes: &[u8], from: usize, to: usize, escapes: &[Escape]) -> (Vec<u8>, Map) {
    let mut view = Vec::with_capacity(to - from);
    let mut map = Map::default();
    let mut at = from;
    for e in escapes {
        map.literal(view.len(), at, e.at - at);
        view.extend_from_slice(&bytes[at..e.at]);
        map.decoded(view.len(), e.text_len, e.at, e.len, e.kind, false);
        view.extend_from_slice(&e.text[..e.text_len]);
        at = e.at + e.len;
    }
    map.literal(view.len(), at, to - at);
    view.extend_from_slice(&bytes[at..to]);
    (view, map)
}

/// The escape at `bytes[i]` (a `\` or `%`), if it is one decoded here and it stands for a
/// printable character.
fn escape_at(bytes: &[u8], i: usize) -> Option<Escape> {
    let rest = &bytes[i..];
    let (c, len, kind) = match rest {
        [b'%', a, b, ..] => (hex2(*a, *b)? as u32, 3, "percent"),
        [b'\\', b'/', ..] => ('/' as u32, 2, "escape"),
        [b'\\', b'x', a, b, ..] => (hex2(*a, *b)? as u32, 4, "escape"),
        [b'\\', b'u', ..] => {
            let unit = hex4(rest.get(2..6)?)?;
            match unit {
                0xD800..=0xDBFF => {
                    // A surrogate pair: `\uD83D\uDE00`.
                    let low = match rest.get(6..8) {
                        Some(b"\\u") => hex4(rest.get(8..12)?)?,
                        _ => return None,
                    };
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    (
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                        12,
                        "escape",
                    )
                }
                _ => (unit, 6, "escape"),
            }
        }
        _ => return None,
    };
    let mut text = [0u8; 4];
    let text_len = if kind == "percent" {
        // Percent-encoding escapes bytes (of UTF-8): `%C3%A9` is é.
        text[0] = c as u8;
        1
    } else {
        char::from_u32(c)?.encode_utf8(&mut text).len()
    };
    if c < 0x20 || c == 0x7f {
        return None;
    }
    Some(Escape {
        at: i,
        len,
        text,
        text_len,
        kind,
    })
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn hex2(a: u8, b: u8) -> Option<u8> {
    Some(hex(a)? << 4 | hex(b)?)
}

fn hex4(b: &[u8]) -> Option<u32> {
    let hi = hex2(b[0], b[1])?;
    let lo = hex2(b[2], b[3])?;
    Some(u32::from(hi) << 8 | u32::from(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(s: &str) -> Vec<String> {
        views(s.as_bytes())
            .into_iter()
            .map(|(v, _)| String::from_utf8_lossy(&v).into_owned())
            .collect()
    }

    #[test]
    fn decodes_escapes_within_their_line() {
        assert_eq!(
            decoded("a\n{\"k\": \"\\u0067hp_x\\/y\"}\nb\n"),
            vec!["{\"k\": \"ghp_x/y\"}"]
        );
        assert_eq!(
            decoded("u=https://bob:p%40ss%C3%A9@h\n"), // leakscan:allow
            vec!["u=https://bob:p@ssé@h"]
        );
        assert_eq!(decoded("\\x41 \\uD83D\\uDE00"), vec!["A \u{1F600}"]);
        // Not escapes: printf directives, a control character, a lone surrogate.
        assert!(decoded("printf(\"%s %d\\n\"); x = \"%0A\"; \\uD83D!").is_empty());
    }

    #[test]
    fn maps_escapes_back_to_their_span() {
        let src = "key = \"\\u0067hp_123\" // x";
        let (view, map) = views(src.as_bytes()).remove(0);
        let view = String::from_utf8(view).unwrap();
        assert_eq!(view, "key = \"ghp_123\" // x");
        let at = view.find("ghp").unwrap();
        assert_eq!(map.start(at), src.find("\\u").unwrap());
        assert_eq!(map.end(at + 7), src.find("\" //").unwrap());
        assert_eq!(map.kinds(at, at + 7), vec!["escape"]);
        assert!(map.kinds(at + 1, at + 7).is_empty());
    }
}
