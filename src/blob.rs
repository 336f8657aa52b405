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
}
