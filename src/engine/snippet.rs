//! Locating a match: line and column, the secret as reported, and the snippet around it with
//! every other secret of the blob masked (the engine's candidates, and copies of their text).

use super::{Candidate, Match, SNIPPET_CONTEXT};
use crate::blob::LineIndex;
use crate::finding::{self, Piece, Snippet};

/// Locates a candidate: line and column, the secret as reported, and the snippet around it.
/// What is masked in every snippet of one blob, worked out once per blob.
pub(super) struct Masks<'b> {
    /// Every candidate's span, sorted by start.
    spans: &'b [(usize, usize)],
    /// The longest span, so that only spans near a window are looked at.
    longest: usize,
    /// The distinct secrets, looked for as text in every window; `None` past
    /// [`MAX_SECRETS_SEARCHED`] spans, when only those near a window are.
    secrets: Option<Vec<&'b [u8]>>,
}

impl<'b> Masks<'b> {
    pub(super) fn new(bytes: &'b [u8], spans: &'b [(usize, usize)]) -> Self {
        let longest = spans.iter().map(|&(s, e)| e - s).max().unwrap_or(0);
        let secrets = (spans.len() <= MAX_SECRETS_SEARCHED).then(|| distinct(bytes, spans));
        Masks {
            spans,
            longest,
            secrets,
        }
    }
}

/// The distinct secret texts of `spans`.
fn distinct<'b>(
    bytes: &'b [u8],
    spans: impl IntoIterator<Item = &'b (usize, usize)>,
) -> Vec<&'b [u8]> {
    let mut secrets: Vec<&[u8]> = spans.into_iter().map(|&(s, e)| &bytes[s..e]).collect();
    secrets.sort_unstable();
    secrets.dedup();
    secrets
}

/// Every span and secret of `masks` is masked in the snippet.
pub(super) fn locate(bytes: &[u8], lines: &LineIndex, c: Candidate, masks: &Masks) -> Match {
    let (line, column) = lines.locate(c.start);
    let (end_line, end_column) = lines.locate(c.end);
    let (line_start, _) = lines.line_bounds(bytes, c.start);
    let (_, line_end) = lines.line_bounds(bytes, c.end.saturating_sub(1).max(c.start));
    let before_start = line_start.max(c.start.saturating_sub(SNIPPET_CONTEXT));
    let after_end = line_end.min(c.end + SNIPPET_CONTEXT).max(c.end);
    let own = (c.start, c.end);
    let spans = masked_spans(bytes, masks, before_start, after_end);
    let spans = &spans[..];
    Match {
        rule: c.rule,
        start: c.start,
        end: c.end,
        line,
        column,
        end_line,
        end_column,
        char_column: lines.char_column(bytes, c.start),
        end_char_column: lines.char_column(bytes, c.end),
        secret: String::from_utf8_lossy(&bytes[c.start..c.end]).into_owned(),
        checksum: c.checksum,
        entropy: (c.entropy * 1000.0).round() / 1000.0,
        snippet: Snippet {
            before: pieces(bytes, before_start, c.start, spans, own),
            after: pieces(bytes, c.end, after_end, spans, own),
        },
        decoded: Vec::new(),
        token: None,
        parts: c
            .parts
            .iter()
            .map(|(n, r)| {
                (
                    n.clone(),
                    String::from_utf8_lossy(&bytes[r.clone()]).into_owned(),
                )
            })
            .collect(),
    }
}

/// At most this many distinct secrets of a blob are looked for as text in every snippet;
/// past it, only those found on the snippet's own span of text (bounds the work on
/// adversarial input with thousands of candidates).
const MAX_SECRETS_SEARCHED: usize = 64;

/// The spans to mask in the snippet window `from..to`: every candidate's span that reaches
/// into it, and every other place in the window where a candidate's secret appears as text
/// (the same token written twice, once where no rule matches it).
fn masked_spans(bytes: &[u8], masks: &Masks, from: usize, to: usize) -> Vec<(usize, usize)> {
    let spans = masks.spans;
    let first = spans.partition_point(|&(s, _)| s + masks.longest < from);
    let last = spans.partition_point(|&(s, _)| s < to).max(first);
    let near: Vec<&(usize, usize)> = spans[first..last]
        .iter()
        .filter(|&&(_, e)| e > from)
        .collect();
    let mut out: Vec<(usize, usize)> = near.iter().map(|&&span| span).collect();
    let near_secrets;
    let secrets = match &masks.secrets {
        Some(all) => all,
        None => {
            near_secrets = distinct(bytes, near);
            &near_secrets
        }
    };
    for &secret in secrets.iter().take(MAX_SECRETS_SEARCHED) {
        // Widened by the secret's length, so that a copy the window cuts is masked too.
        let lo = from.saturating_sub(secret.len());
        let hi = (to + secret.len()).min(bytes.len());
        for i in memchr::memmem::find_iter(&bytes[lo..hi], secret) {
            out.push((lo + i, lo + i + secret.len()));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// `bytes[from..to]` cut into text and the parts of other secrets (`spans`, sorted by start,
/// less `own`) that fall in it.
fn pieces(
    bytes: &[u8],
    from: usize,
    to: usize,
    spans: &[(usize, usize)],
    own: (usize, usize),
) -> Vec<Piece> {
    let text = |b: &[u8]| finding::escape_control(&String::from_utf8_lossy(b));
    let mut out = Vec::new();
    let mut at = from;
    for &(s, e) in spans {
        if (s, e) == own || e <= at || s >= to {
            continue;
        }
        let s = s.max(at);
        let e = e.min(to);
        if s > at {
            out.push(Piece::Text(text(&bytes[at..s])));
        }
        out.push(Piece::Secret(
            String::from_utf8_lossy(&bytes[s..e]).into_owned(),
        ));
        at = e;
    }
    if at < to {
        out.push(Piece::Text(text(&bytes[at..to])));
    }
    out
}

/// Matches found in decoded views of `bytes`, each already placed at the span of `bytes`
/// where its encoded form lies, located there: line, column and a snippet of `bytes` in which
/// every span of `hide` (sorted by start) is masked. Their secrets, checksums, entropies and
/// decodings stay as found: the encoded bytes are never shown as the secret, and are masked
/// like one. The line index and the masks are built once for all of them.
pub fn relocate<'m>(
    bytes: &[u8],
    hide: &[(usize, usize)],
    matches: impl IntoIterator<Item = &'m Match>,
) -> Vec<Match> {
    let lines = LineIndex::new(bytes);
    let masks = Masks::new(bytes, hide);
    matches
        .into_iter()
        .map(|m| {
            let c = Candidate {
                rule: m.rule,
                start: m.start,
                end: m.end,
                checksum: m.checksum,
                entropy: m.entropy,
                parts: Vec::new(),
            };
            Match {
                secret: m.secret.clone(),
                decoded: m.decoded.clone(),
                token: m.token.clone(),
                parts: m.parts.clone(),
                ..locate(bytes, &lines, c, &masks)
            }
        })
        .collect()
}
