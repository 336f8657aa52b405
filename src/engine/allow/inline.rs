//! The inline `leakscan:allow` marker: which findings a marker in a comment next to them
//! allows.

/// The inline marker that suppresses a finding next to it (see [`inline_marker_allows`]).
pub const INLINE_ALLOW: &[u8] = b"leakscan:allow";

/// How far, in bytes, the inline marker may sit from the finding it allows, and its comment
/// opener from the marker.
pub const INLINE_ALLOW_REACH: usize = 200;

/// True when an inline `leakscan:allow` marker allows the finding at `start..end` of `text`,
/// the lines the finding touches (from the start of its first line to the end of its last,
/// without line terminators). The marker allows it when both hold:
///
/// - **Near**: the marker is on the finding's first line and ends at most
///   [`INLINE_ALLOW_REACH`] bytes before the finding starts, or on its last line and starts at
///   most that many bytes after the finding ends (no line break in between).
/// - **In a comment**: a comment opener outside the finding starts on the marker's line at
///   most [`INLINE_ALLOW_REACH`] bytes before the marker. Openers are `#`, `//`, `/*` and
///   `<!--` at the start of the line or after a space or tab; `--`, `;`, `%` and `'` there
///   too, followed by a space or tab; and `REM` and `*` (a block comment's continuation line)
///   as the first word of the line, followed by a space or tab.
///
/// So one marker allows the findings next to it, not a whole minified file, and a marker in
/// a string literal (`x = "leakscan:allow"`) allows nothing. Each candidate costs a bounded
/// scan of a few hundred bytes, however long its line.
pub fn inline_marker_allows(text: &[u8], start: usize, end: usize) -> bool {
    let m = INLINE_ALLOW.len();
    let near = |ms: usize| {
        let between = if ms < start {
            &text[ms + m..start]
        } else {
            &text[end..ms]
        };
        between.len() <= INLINE_ALLOW_REACH && memchr::memchr(b'\n', between).is_none()
    };
    let before = start.saturating_sub(INLINE_ALLOW_REACH + m)..start;
    let after = end..text.len().min(end + INLINE_ALLOW_REACH + m);
    [before, after].into_iter().any(|range| {
        memchr::memmem::find_iter(&text[range.clone()], INLINE_ALLOW)
            .map(|i| range.start + i)
            .any(|ms| near(ms) && commented(text, ms, start..end))
    })
}

/// True when a comment opener (see [`inline_marker_allows`]) outside `finding` starts on the
/// line of the marker at `ms`, at most [`INLINE_ALLOW_REACH`] bytes before it.
fn commented(text: &[u8], ms: usize, finding: std::ops::Range<usize>) -> bool {
    let floor = ms.saturating_sub(INLINE_ALLOW_REACH);
    // The start of the marker's line, if it is within reach (else no opener can be first on it).
    let line_start = match memchr::memrchr(b'\n', &text[floor..ms]) {
        Some(i) => Some(floor + i + 1),
        None if floor == 0 => Some(0),
        None => None,
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    let from = line_start.unwrap_or(floor);
    (from..ms).filter(|o| !finding.contains(o)).any(|o| {
        let rest = &text[o..ms];
        let then_blank = |n: usize| rest.get(n).is_some_and(|&b| blank(b));
        let after_blank = Some(o) == line_start || (o > 0 && blank(text[o - 1]));
        let first_word = line_start.is_some_and(|ls| text[ls..o].iter().all(|&b| blank(b)));
        let starts = |p: &str| rest.starts_with(p.as_bytes());
        let opener = ["#", "//", "/*", "<!--"].into_iter().any(starts)
            || ["--", ";", "%", "'"]
                .into_iter()
                .any(|p| starts(p) && then_blank(p.len()));
        let first_word_opener = rest
            .get(..3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"rem"))
            && then_blank(3)
            || starts("*") && then_blank(1);
        (after_blank && opener) || (first_word && first_word_opener)
    })
}
