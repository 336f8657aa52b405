//! Archives: zip (and jar, war, whl, nupkg, apk, which are zips), tar, gzip and tar.gz. Each
//! member is a blob of its own, named `archive!member`, and goes through the whole decoding
//! stage again (a jar in a war, a UTF-16 file in a zip).
//!
//! Hostile input is the rule here, so every byte expanded is counted as it is read: against
//! the member's size limit, the archive's and the scan's budgets, and the compression ratio
//! (a member that expands more than [`Limits::compression_ratio`] times its compressed size,
//! past its first MiB, is a bomb). What a limit, encryption or damage keeps from being read
//! is named in a warning and counted; what was read before it is still scanned.
//!
//! Crates: `zip` (the maintained zip reader; only its deflate support, through `flate2`, is
//! built), `tar`, and `flate2` with its pure-Rust back end (no C library to build).

use super::{At, Decoder, Part};
use crate::blob::{archive_kind as sniff, ArchiveKind as Kind};
use crate::engine::Scratch;
use crate::finding::{escape_control, escape_path_bytes};
use crate::source::SourceStats;
use std::io::{Cursor, Read};
use std::sync::atomic::Ordering;

/// Below this, a member is never a bomb, whatever its ratio (a small file of one repeated
/// byte compresses a thousandfold).
const RATIO_FLOOR: u64 = 1 << 20;

/// What one archive (with its nested ones) may still expand.
struct Budget {
    left: u64,
    members: u64,
}

/// Why reading stopped early: the reason for the skipped list and the warning's words. A
/// budget stop ends the archive; the others end the member.
struct Stop {
    reason: &'static str,
    why: String,
    budget: bool,
}

/// Reads the archive `at` (of kind `kind`) and scans its members.
pub(super) fn open(
    d: &Decoder,
    kind: Kind,
    at: At,
    bytes: &[u8],
    scratch: &mut Scratch,
    parts: &mut Vec<Part>,
) {
    if at.depth >= d.limits.archive_depth {
        d.skipped(
            &at.shown(),
            "archive nested too deep",
            &format!(
                "an archive nested {} deep, past limits.archive_depth {}; not opened",
                at.depth + 1,
                d.limits.archive_depth
            ),
        );
        return;
    }
    let mut ctx = Ctx {
        d,
        at,
        scratch,
        parts,
        budget: Budget {
            left: d.limits.archive_bytes,
            members: d.limits.archive_members,
        },
    };
    match kind {
        Kind::Zip => ctx.zip(bytes),
        Kind::Tar => ctx.tar(bytes),
        Kind::Gzip => ctx.gzip(bytes),
    }
}

/// One archive being read.
struct Ctx<'c, 'd> {
    d: &'c Decoder<'d>,
    /// The archive itself.
    at: At<'c>,
    scratch: &'c mut Scratch,
    parts: &'c mut Vec<Part>,
    budget: Budget,
}

impl Ctx<'_, '_> {
    /// The member path of `inner` in this archive.
    fn inner(&self, inner: &str) -> String {
        match self.at.member {
            Some(m) => super::member_path(m, inner),
            None => inner.to_string(),
        }
    }

    /// A warning about the member `inner`.
    fn skipped(&self, inner: &str, reason: &'static str, why: &str) {
        let path = self.inner(inner);
        let member = At {
            member: Some(&path),
            ..self.at
        };
        self.d.skipped(&member.shown(), reason, why);
    }

    /// A warning about this archive as a whole.
    fn skipped_self(&self, reason: &'static str, why: &str) {
        self.d.skipped(&self.at.shown(), reason, why);
    }

    /// Counts a member against the archive's member limit; false (with a warning, once) past
    /// it.
    fn admit(&mut self) -> bool {
        if self.budget.members == 0 {
            return false;
        }
        self.budget.members -= 1;
        if self.budget.members == 0 {
            self.skipped_self(
                "archive over a limit",
                &format!(
                    "more than limits.archive_members {} members; the rest were not scanned",
                    self.d.limits.archive_members
                ),
            );
        }
        true
    }

    /// Scans `data`, the member `inner` of this archive, one level deeper.
    fn scan_member(&mut self, inner: &str, data: &[u8]) {
        SourceStats::add(&self.d.stats.archive_members, 1);
        let path = self.inner(inner);
        let at = At {
            name: self.at.name,
            member: Some(&path),
            depth: self.at.depth + 1,
        };
        self.d.blob(at, data, self.scratch, self.parts);
    }

    /// Reads a member, `packed` bytes in the archive, up to the tightest of its limits (the
    /// member's size, the compression ratio, the archive's and the scan's budgets), which it
    /// charges. Returns what was read, and why it stopped short if it did.
    fn read(&mut self, r: &mut dyn Read, packed: u64) -> (Vec<u8>, Option<Stop>) {
        let l = &self.d.limits;
        let scan_left = l
            .total_archive_bytes
            .saturating_sub(self.d.expanded.load(Ordering::Relaxed));
        let caps = [
            l.max_member_size,
            packed.saturating_mul(l.compression_ratio).max(RATIO_FLOOR),
            self.budget.left,
            scan_left,
        ];
        let cap = caps.iter().copied().min().unwrap_or(0);
        let mut out = Vec::new();
        // One byte past the cap tells that the member is longer.
        let read = r.take(cap.saturating_add(1)).read_to_end(&mut out);
        let over = out.len() as u64 > cap;
        out.truncate(cap.min(out.len() as u64) as usize);
        let n = out.len() as u64;
        self.d.expanded.fetch_add(n, Ordering::Relaxed);
        self.budget.left = self.budget.left.saturating_sub(n);
        let stop = |reason, why, budget| Stop {
            reason,
            why,
            budget,
        };
        let stop = match read {
            Err(e) => Some(stop(
                "archive damaged",
                format!("cannot be read in full ({e}): truncated or damaged; scanned up to there"),
                false,
            )),
            Ok(_) if !over => None,
            Ok(_) => Some(match caps.iter().position(|&c| c == cap) {
                Some(0) => stop(
                    "archive over a limit",
                    format!(
                        "expands past --max-file-size {}; scanned its first bytes only",
                        l.max_member_size
                    ),
                    false,
                ),
                Some(1) => stop(
                    "archive over a limit",
                    format!(
                        "expands more than limits.compression_ratio {} times its compressed size (a decompression bomb?); scanned its first bytes only",
                        l.compression_ratio
                    ),
                    false,
                ),
                Some(2) => stop(
                    "archive over a limit",
                    format!(
                        "the archive expands past limits.archive_bytes {}; the rest was not scanned",
                        l.archive_bytes
                    ),
                    true,
                ),
                _ => stop(
                    "archive over a limit",
                    format!(
                        "the scan's archives expand past limits.total_archive_bytes {}; the rest was not scanned",
                        l.total_archive_bytes
                    ),
                    true,
                ),
            }),
        };
        (out, stop)
    }

    /// Reads a member and scans what was read; false when the archive's budget is spent.
    fn member(&mut self, inner: &str, r: &mut dyn Read, packed: u64) -> bool {
        let (data, stop) = self.read(r, packed);
        if let Some(s) = &stop {
            self.skipped(inner, s.reason, &s.why);
        }
        if !data.is_empty() {
            self.scan_member(inner, &data);
        }
        !stop.is_some_and(|s| s.budget)
    }

    fn zip(&mut self, bytes: &[u8]) {
        let mut z = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                // No readable central directory (a truncated download, a cut-off commit):
                // read the members one after another from the start instead.
                self.skipped_self(
                    "archive damaged",
                    &format!("not a complete zip ({e}); reading the members it still has"),
                );
                return self.zip_stream(bytes);
            }
        };
        for i in 0..z.len() {
            if !self.admit() {
                return;
            }
            let name = z
                .name_for_index(i)
                .map_or(format!("#{i}"), |n| sanitize(n.as_bytes()));
            let mut f = match z.by_index(i) {
                Ok(f) => f,
                Err(e) => {
                    let inner = name;
                    let (reason, why) = match e {
                        zip::result::ZipError::UnsupportedArchive(m)
                            if m == zip::result::ZipError::PASSWORD_REQUIRED =>
                        {
                            (
                                "archive encrypted",
                                "encrypted (a password is needed); not scanned".to_string(),
                            )
                        }
                        e => (
                            "archive damaged",
                            format!("cannot be read ({e}); not scanned"),
                        ),
                    };
                    self.skipped(&inner, reason, &why);
                    continue;
                }
            };
            if !self.zip_member(&mut f) {
                return;
            }
        }
    }

    /// Reads and scans one zip entry (a directory or link is passed over); false when the
    /// archive's budget is spent.
    fn zip_member<R: Read>(&mut self, f: &mut zip::read::ZipFile<'_, R>) -> bool {
        if !f.is_file() {
            return true;
        }
        let inner = sanitize(f.name_raw());
        let packed = f.compressed_size();
        self.member(&inner, f, packed)
    }

    /// A zip without its central directory, read from the local headers.
    fn zip_stream(&mut self, bytes: &[u8]) {
        let mut cur = Cursor::new(bytes);
        loop {
            if !self.admit() {
                return;
            }
            let mut f = match zip::read::read_zipfile_from_stream(&mut cur) {
                Ok(Some(f)) => f,
                Ok(None) | Err(_) => return,
            };
            if !self.zip_member(&mut f) {
                return;
            }
        }
    }

    fn tar(&mut self, bytes: &[u8]) {
        let mut a = tar::Archive::new(Cursor::new(bytes));
        let entries = match a.entries() {
            Ok(e) => e,
            Err(e) => {
                return self.skipped_self("archive damaged", &format!("not a readable tar ({e})"))
            }
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    return self.skipped_self(
                        "archive damaged",
                        &format!(
                            "truncated or damaged tar ({e}); the members after it were not scanned"
                        ),
                    )
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            if !self.admit() {
                return;
            }
            let inner = sanitize(&entry.path_bytes());
            let size = entry.size();
            if !self.member(&inner, &mut entry, size) {
                return;
            }
        }
    }

    /// A gzip stream: its content is a tar (`.tar.gz`, whose members are the archive's own)
    /// or one file, named by the gzip header or by the archive's name less `.gz`.
    fn gzip(&mut self, bytes: &[u8]) {
        let mut gz = flate2::read::MultiGzDecoder::new(bytes);
        let (data, stop) = self.read(&mut gz, bytes.len() as u64);
        let inner = gz
            .header()
            .and_then(|h| h.filename())
            .map(sanitize)
            .unwrap_or_else(|| unzipped_name(self.at.member.unwrap_or(self.at.name)));
        if let Some(s) = &stop {
            self.skipped_self(s.reason, &s.why);
        }
        if sniff(&data) == Some(Kind::Tar) {
            self.tar(&data);
        } else if !data.is_empty() && self.admit() {
            self.scan_member(&inner, &data);
        }
    }
}

/// A member's name as reported: as a path's bytes are (`escape_path_bytes`), control
/// characters escaped, and `!` (the separator of nested paths) written `%21` so that the
/// path splits back as it was built.
fn sanitize(name: &[u8]) -> String {
    escape_control(&escape_path_bytes(name)).replace('!', "%21")
}

/// The file a `.gz` holds, by its name: `a.sql.gz` holds `a.sql`, `a.tgz` holds `a.tar`.
fn unzipped_name(archive: &str) -> String {
    let base = archive.rsplit(['/', '!']).next().unwrap_or(archive);
    if let Some(stem) = base.strip_suffix(".tgz") {
        format!("{stem}.tar")
    } else if let Some(stem) = base.strip_suffix(".gz") {
        stem.to_string()
    } else {
        base.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_members_of_gzip_files() {
        assert_eq!(unzipped_name("dump/db.sql.gz"), "db.sql");
        assert_eq!(unzipped_name("a.zip!logs/x.tgz"), "x.tar");
        assert_eq!(unzipped_name("blob"), "blob");
        assert_eq!(sanitize("a!b\u{1b}[0m".as_bytes()), "a%21b\\u{1b}[0m");
    }
}
