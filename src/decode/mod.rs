//! The stage between the sources and the engine: a blob goes in, and the engine's matches
//! in it and in its decoded views come out, each view with its provenance. The engine never
//! knows about encodings; every source (files, stdin, history, staged) goes through here.
//!
//! - An archive (zip and its kin, tar, gzip) is opened and each member is a blob of its own,
//!   reported at `archive.zip!member` ([`archive`]), within the limits of [`Limits`].
//! - UTF-16 text is transcoded to UTF-8 and scanned; its findings are located in the text
//!   ([`utf16`]).
//! - In text, base64 runs that decode to text ([`base64`]) and lines that hold escapes
//!   ([`escapes`]) become views: the decoded text with its line around it. A match in a view
//!   that covers decoded bytes is reported at the encoded span of the blob, with its decoded
//!   secret and the decodings applied (`decoded`); one that covers none is the blob's own and
//!   was found already. Views are decoded again, up to [`Limits::decode_depth`].

pub mod archive;
pub mod base64;
pub mod escapes;
pub mod utf16;

use crate::blob;
use crate::engine::{relocate, BlobScan, Engine, Match, Scratch};
use crate::source::{warn, SourceStats};
use std::sync::atomic::AtomicU64;

/// How far decoding and unpacking go (`[limits]` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Decodings applied one inside another (base64 in base64): 2.
    pub decode_depth: u32,
    /// Open archives at all (`--no-archives` turns it off).
    pub archives: bool,
    /// Archives inside archives: 3 (`a.zip!b.jar!c.properties` is 2).
    pub archive_depth: u32,
    /// Bytes expanded from one archive, all its members together: 256 MiB.
    pub archive_bytes: u64,
    /// Bytes expanded from all archives of one scan: 4 GiB.
    pub total_archive_bytes: u64,
    /// Members read from one archive: 100,000.
    pub archive_members: u64,
    /// What a member may expand to, in times its compressed size (past its first MiB): 100.
    pub compression_ratio: u64,
    /// A member larger than this (the scan's `--max-file-size`) is skipped.
    pub max_member_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            decode_depth: 2,
            archives: true,
            archive_depth: 3,
            archive_bytes: 256 << 20,
            total_archive_bytes: 4 << 30,
            archive_members: 100_000,
            compression_ratio: 100,
            max_member_size: 100 << 20,
        }
    }
}

/// At most this many views of one blob are scanned (a file of thousands of encoded lines);
/// past it the rest is skipped with a warning.
const MAX_VIEWS: usize = 10_000;

/// The reported path of `member` inside the blob at `path`: `dist/app.zip!config/.env`.
pub fn member_path(path: &str, member: &str) -> String {
    format!("{path}!{member}")
}

/// Where a blob or member being decoded is: the blob's name (for warnings), the member's
/// path inside it, and how many archives deep it lies.
#[derive(Clone, Copy)]
struct At<'a> {
    name: &'a str,
    member: Option<&'a str>,
    depth: u32,
}

impl At<'_> {
    /// The name warnings give it.
    fn shown(&self) -> String {
        match self.member {
            Some(m) => member_path(self.name, m),
            None => self.name.to_string(),
        }
    }
}

/// What one blob gave: the matches in the blob itself (`member` is `None`) or in one member
/// of it, named by its path inside (`b.jar!c.properties`).
#[derive(Debug)]
pub struct Part {
    pub member: Option<String>,
    pub scan: BlobScan,
}

/// The decoding stage of one scan: shared by its threads, each with its own [`Scratch`].
pub struct Decoder<'a> {
    engine: &'a Engine,
    limits: Limits,
    stats: &'a SourceStats,
    /// Bytes expanded from archives so far in this scan.
    expanded: AtomicU64,
}

impl<'a> Decoder<'a> {
    pub fn new(engine: &'a Engine, limits: Limits, stats: &'a SourceStats) -> Self {
        Decoder {
            engine,
            limits,
            stats,
            expanded: AtomicU64::new(0),
        }
    }

    /// Names what could not be decoded in a warning, counts it in the summary and lists it
    /// among the skipped blobs.
    fn skipped(&self, name: &str, reason: &'static str, why: &str) {
        SourceStats::add(&self.stats.archive_warnings, 1);
        self.stats.skip(name, reason);
        warn(&format!("{name}: {why}"));
    }

    /// Scans one blob, named `name` in warnings, and everything decoded from it. Only the
    /// parts with matches (or inline-allowed ones) are returned.
    pub fn scan(&self, name: &str, bytes: &[u8], scratch: &mut Scratch) -> Vec<Part> {
        let mut parts = Vec::new();
        let at = At {
            name,
            member: None,
            depth: 0,
        };
        self.blob(at, bytes, scratch, &mut parts);
        parts
    }

    /// One blob or archive member.
    fn blob(&self, at: At, bytes: &[u8], scratch: &mut Scratch, parts: &mut Vec<Part>) {
        let (name, member) = (at.name, at.member);
        if self.limits.archives {
            if let Some(kind) = blob::archive_kind(bytes) {
                archive::open(self, kind, at, bytes, scratch, parts);
                return;
            }
        }
        let scan = match blob::utf16_order(bytes) {
            Some(order) => {
                let text = utf16::transcode(bytes, order);
                let mut scan = self.text(name, text.as_bytes(), scratch, 0);
                for m in &mut scan.matches {
                    m.decoded.insert(0, order.name());
                }
                scan
            }
            // A source has judged the blob itself; a member is judged here.
            None if member.is_some() && blob::is_binary(bytes) => return,
            None => self.text(name, bytes, scratch, 0),
        };
        if !scan.matches.is_empty() || scan.inline_allowed > 0 {
            parts.push(Part {
                member: member.map(str::to_string),
                scan,
            });
        }
    }

    /// Scans text and its decoded views (`depth` decodings deep already).
    pub fn text(&self, name: &str, bytes: &[u8], scratch: &mut Scratch, depth: u32) -> BlobScan {
        let mut scan = self.engine.scan(bytes, scratch);
        if depth >= self.limits.decode_depth {
            return scan;
        }
        let mut views = Vec::new();
        base64::runs(bytes, |run| views.push(base64::view(bytes, &run)));
        views.extend(escapes::views(bytes));
        if views.len() > MAX_VIEWS {
            warn(&format!(
                "{name}: {} encoded stretches; only the first {MAX_VIEWS} were decoded",
                views.len()
            ));
            views.truncate(MAX_VIEWS);
        }
        let mut found = Vec::new();
        for (view, map) in views {
            for mut m in self.text(name, &view, scratch, depth + 1).matches {
                let kinds = map.kinds(m.start, m.end);
                if kinds.is_empty() {
                    continue; // the blob's own bytes: found by the scan of the blob
                }
                (m.start, m.end) = (map.start(m.start), map.end(m.end));
                m.decoded.splice(0..0, kinds);
                found.push(m);
            }
        }
        if !found.is_empty() {
            scan.matches = self.merge(bytes, std::mem::take(&mut scan.matches), found);
        }
        scan
    }

    /// The blob's own matches and those of its views (placed at their encoded spans but not
    /// yet located), as one list: where two overlap, they are one secret (its encoding and
    /// the secret itself), and the more confident rule's match stays. On a tie the blob's
    /// own stays: a rule that matched the bytes as written (an Azure SAS `sig=` value,
    /// percent-encoded as URLs carry it) reports the secret as it is used. Every match is then
    /// located in `bytes` with every span masked in its snippet, so that no snippet shows an
    /// encoded secret either.
    fn merge(&self, bytes: &[u8], raw: Vec<Match>, found: Vec<Match>) -> Vec<Match> {
        let confidence = |m: &Match| self.engine.rules()[m.rule].confidence;
        let overlap = |a: &Match, b: &Match| a.start < b.end && b.start < a.end;
        let mut all = raw;
        all.extend(found);
        // The overlapping pairs, found by a sweep in order of start (not by trying every
        // pair: a blob may have thousands of matches).
        let mut by_start: Vec<usize> = (0..all.len()).collect();
        by_start.sort_by_key(|&i| all[i].start);
        let mut pairs = Vec::new();
        for (k, &i) in by_start.iter().enumerate() {
            for &j in &by_start[k + 1..] {
                if all[j].start >= all[i].end {
                    break;
                }
                if overlap(&all[i], &all[j]) {
                    pairs.push((i.min(j), i.max(j)));
                }
            }
        }
        // The blob's own first, then the decoded: on a tie the earlier one stays.
        pairs.sort_unstable();
        let mut keep = vec![true; all.len()];
        for (i, j) in pairs {
            if keep[i] && keep[j] {
                if confidence(&all[j]) > confidence(&all[i]) {
                    keep[i] = false;
                } else {
                    keep[j] = false;
                }
            }
        }
        let mut hide: Vec<(usize, usize)> = all.iter().map(|m| (m.start, m.end)).collect();
        hide.sort_unstable();
        hide.dedup();
        let kept = all.iter().zip(keep).filter(|(_, k)| *k).map(|(m, _)| m);
        let mut out = relocate(bytes, &hide, kept);
        out.sort_by_key(|m| (m.start, m.end, m.rule));
        out
    }
}

/// How far before and after a decoded stretch its line is kept around it in its view, for
/// rules that need their keyword (`password: <decoded>`).
const CONTEXT: usize = 256;

/// Where the context before `at` starts: its line's start, at most [`CONTEXT`] back.
fn line_start(bytes: &[u8], at: usize) -> usize {
    let lo = at.saturating_sub(CONTEXT);
    memchr::memrchr(b'\n', &bytes[lo..at]).map_or(lo, |i| lo + i + 1)
}

/// Where the context after `at` ends: its line's end, at most [`CONTEXT`] on.
fn line_end(bytes: &[u8], at: usize) -> usize {
    let hi = (at + CONTEXT).min(bytes.len());
    memchr::memchr(b'\n', &bytes[at..hi]).map_or(hi, |i| at + i)
}

/// How a view's offsets map back to the bytes it was decoded from: pieces in view order,
/// each literal (copied) or decoded.
#[derive(Debug, Default)]
pub struct Map {
    pieces: Vec<Piece>,
}

#[derive(Debug)]
struct Piece {
    view: usize,
    len: usize,
    orig: usize,
    orig_len: usize,
    /// `None` for copied bytes; else the decoding that made them.
    kind: Option<&'static str>,
    /// base64: every 3 decoded bytes come from 4 characters, so a part of the piece maps to
    /// the characters that encode it, not to the whole run.
    groups: bool,
}

impl Map {
    fn literal(&mut self, view: usize, orig: usize, len: usize) {
        if len > 0 {
            self.pieces.push(Piece {
                view,
                len,
                orig,
                orig_len: len,
                kind: None,
                groups: false,
            });
        }
    }

    fn decoded(
        &mut self,
        view: usize,
        len: usize,
        orig: usize,
        orig_len: usize,
        kind: &'static str,
        groups: bool,
    ) {
        if len > 0 {
            self.pieces.push(Piece {
                view,
                len,
                orig,
                orig_len,
                kind: Some(kind),
                groups,
            });
        }
    }

    /// The piece holding view offset `p` (the last one past the end).
    fn piece(&self, p: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|x| x.view <= p);
        self.pieces.get(i.checked_sub(1)?)
    }

    /// Where a span starting at view offset `p` starts in the original.
    pub fn start(&self, p: usize) -> usize {
        let Some(x) = self.piece(p) else { return p };
        let into = (p - x.view).min(x.len);
        match (x.kind, x.groups) {
            (None, _) => x.orig + into,
            (Some(_), true) => x.orig + (into / 3 * 4).min(x.orig_len),
            (Some(_), false) if into >= x.len => x.orig + x.orig_len,
            (Some(_), false) => x.orig,
        }
    }

    /// Where a span ending (exclusive) at view offset `p` ends in the original.
    pub fn end(&self, p: usize) -> usize {
        let Some(x) = p.checked_sub(1).and_then(|q| self.piece(q)) else {
            return p;
        };
        let into = (p - x.view).min(x.len);
        match (x.kind, x.groups) {
            (None, _) => x.orig + into,
            (Some(_), true) => x.orig + into.div_ceil(3).saturating_mul(4).min(x.orig_len),
            (Some(_), false) => x.orig + x.orig_len,
        }
    }

    /// The decodings of the pieces that view span `start..end` covers, in order, each once.
    pub fn kinds(&self, start: usize, end: usize) -> Vec<&'static str> {
        let mut out = Vec::new();
        for x in &self.pieces {
            if x.view < end && start < x.view + x.len {
                if let Some(k) = x.kind.filter(|k| !out.contains(k)) {
                    out.push(k);
                }
            }
        }
        out
    }
}
