//! Bytes and where they came from, binary sniffing, and the offset -> line/column mapping.
//! Sources produce blobs; the engine reads only the bytes.

/// How much of a blob's start is inspected for a NUL byte to call it binary (as git and
/// ripgrep do).
pub const BINARY_SNIFF_LEN: usize = 8192;

/// At most this many NUL bytes in the first block of a text file (a stray NUL in a `.env`
/// must not hide the rest of it).
const MAX_TEXT_NULS: usize = 8;

/// True when the blob looks binary: NUL bytes in its first block, unless they are a few
/// strays in text. Text here has at most [`MAX_TEXT_NULS`] NULs and at most 1% (or 4) control
/// bytes other than tab, line feed, carriage return, form feed and escape; compressed or
/// machine data has about 10% control bytes, and executables and images far more NULs.
pub fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    if memchr::memchr(0, head).is_none() {
        return false;
    }
    let nuls = memchr::memchr_iter(0, head).count();
    if nuls > MAX_TEXT_NULS {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    control > (head.len() / 100).max(4)
}

/// The archive formats the decoding stage opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Gzip,
    Tar,
}

/// The archive format of `bytes`, from its magic number: a zip's local or empty-archive
/// header, gzip's, or a POSIX (ustar) tar header.
pub fn archive_kind(bytes: &[u8]) -> Option<ArchiveKind> {
    match bytes {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => Some(ArchiveKind::Zip),
        [0x1f, 0x8b, 8, ..] => Some(ArchiveKind::Gzip),
        _ if bytes.len() >= 512 && &bytes[257..262] == b"ustar" => Some(ArchiveKind::Tar),
        _ => None,
    }
}

/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16Order {
    Little,
    Big,
}

impl Utf16Order {
    /// The name a finding's `decoded` list gives it.
    pub fn name(self) -> &'static str {
        match self {
            Utf16Order::Little => "utf-16le",
            Utf16Order::Big => "utf-16be",
        }
    }
}

/// The byte order when `bytes` is UTF-16 text: a byte-order mark (not UTF-32's), or, without
/// one, at least 16 code units in the first block of which nearly all (15 in 16) have a zero
/// high byte and a non-zero low byte, as ASCII text in UTF-16 does. Text with neither a mark
/// nor a NUL (nearly every file) costs one `memchr` of its first block.
pub fn utf16_order(bytes: &[u8]) -> Option<Utf16Order> {
    match bytes {
        [0xff, 0xfe, 0, 0, ..] => return None, // UTF-32LE
        [0xff, 0xfe, ..] => return Some(Utf16Order::Little),
        [0xfe, 0xff, ..] => return Some(Utf16Order::Big),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_LEN) & !1];
    let units = head.len() / 2;
    if units < 16 || memchr::memchr(0, head).is_none() {
        return None;
    }
    let ascii_at = |hi: usize| {
        head.chunks_exact(2)
            .filter(|u| u[hi] == 0 && u[1 - hi] != 0)
            .count()
    };
    let enough = units - units / 16;
    if ascii_at(1) >= enough {
        Some(Utf16Order::Little)
    } else if ascii_at(0) >= enough {
        Some(Utf16Order::Big)
    } else {
        None
    }
}

/// True when the decoding stage reads `bytes` (their start will do) although they look
/// binary: UTF-16 text, or an archive when `archives` is on.
pub fn decodable(bytes: &[u8], archives: bool) -> bool {
    utf16_order(bytes).is_some() || (archives && archive_kind(bytes).is_some())
}

/// Maps byte offsets to 1-based line and byte column. Built lazily from the newline
/// positions, only for blobs that have a finding.
pub struct LineIndex {
    /// Offset of the first byte of each line.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(bytes: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(64);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column) of `offset`; the column counts bytes, as ripgrep does.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line + 1, offset - self.starts[line] + 1)
    }

    /// 1-based column of `offset` in Unicode code points (bytes that do not continue a UTF-8
    /// sequence; an invalid byte counts as one).
    pub fn char_column(&self, bytes: &[u8], offset: usize) -> usize {
        let (line, _) = self.locate(offset);
        let start = self.starts[line - 1];
        bytes[start..offset]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            + 1
    }

    /// Byte range of the line holding `offset`, without its line terminator.
    pub fn line_bounds(&self, bytes: &[u8], offset: usize) -> (usize, usize) {
        let (line, _) = self.locate(offset);
        let start = self.starts[line - 1];
        let mut end = self.starts.get(line).map_or(bytes.len(), |&s| s - 1);
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns() {
        let b = b"ab\r\ncd\nef";
        let idx = LineIndex::new(b);
        assert_eq!(idx.locate(0), (1, 1));
        assert_eq!(idx.locate(4), (2, 1));
        assert_eq!(idx.locate(8), (3, 2));
        assert_eq!(idx.line_bounds(b, 1), (0, 2));
        assert_eq!(idx.line_bounds(b, 8), (7, 9));
        let u = "é = x".as_bytes();
        assert_eq!(LineIndex::new(u).char_column(u, 5), 5);
    }

    #[test]
    fn sniffs_binary() {
        assert!(is_binary(b"PK\x03\x04\0\0\x14\0\x08\0\0\0\0\0"));
        assert!(!is_binary("héllo".as_bytes()));
        // A stray NUL in a text file: still text.
        assert!(!is_binary(b"A=1\nTOKEN=abc\0\nB=2\n"));
        // Random bytes with one NUL, as in compressed data: binary.
        let mut rng = crate::testing::Rng::new(7);
        let mut noise = rng.bytes(4096);
        noise[100] = 0;
        assert!(is_binary(&noise));
        // An ELF or image header: many NULs.
        assert!(is_binary(&[
            0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
        ]));
        // UTF-16 text (a NUL every other byte) is not text to scan as bytes.
        let utf16: Vec<u8> = "password=abc"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(is_binary(&utf16));
    }

    #[test]
    fn sniffs_archive_magic() {
        assert_eq!(archive_kind(b"PK\x03\x04rest"), Some(ArchiveKind::Zip));
        assert_eq!(archive_kind(b"PK\x05\x06"), Some(ArchiveKind::Zip));
        assert_eq!(archive_kind(&[0x1f, 0x8b, 8, 0]), Some(ArchiveKind::Gzip));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(archive_kind(&tar), Some(ArchiveKind::Tar));
        assert_eq!(archive_kind(b"PK is a prefix of text"), None);
    }
}
