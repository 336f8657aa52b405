//! Standard input as one blob, named `-`, read within the size limit like any file; the
//! same bounded read serves streams named on the command line (`/dev/stdin`, `<(…)`, FIFOs).

use super::Policy;
use std::io::Read;

/// Reads `r` into `buf`, at most `max_file_size + 1` bytes, so that an endless stream cannot
/// exhaust memory: a blob longer than the limit is then refused as too large.
pub fn read_stream(r: impl Read, max_file_size: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    r.take(max_file_size.saturating_add(1)).read_to_end(buf)?;
    Ok(())
}

/// Reads stdin into `buf` with [`read_stream`]; the [`Policy`] then judges it as it judges a
/// file. On error, counts it unreadable (with a warning) and returns the reason. Empty or
/// closed stdin reads as an empty blob.
pub fn read(policy: &Policy, buf: &mut Vec<u8>) -> Result<(), String> {
    read_stream(std::io::stdin().lock(), policy.max_file_size, buf).map_err(|e| {
        let why = format!("cannot read standard input: {e}");
        policy.unreadable("-", &why);
        why
    })
}
