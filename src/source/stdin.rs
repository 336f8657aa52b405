//! Standard input as one blob, named `-`, read within the size limit like any file.

use super::Policy;
use std::io::Read;

/// Reads stdin into `buf`, at most `max_file_size + 1` bytes so that an endless stream
/// cannot exhaust memory; the [`Policy`] then judges it as it judges a file. Returns false
/// when it could not be read.
pub fn read(policy: &Policy, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    let limit = policy.max_file_size.saturating_add(1);
    match std::io::stdin().lock().take(limit).read_to_end(buf) {
        Ok(_) => true,
        Err(e) => {
            policy.unreadable("-", format_args!("cannot read standard input: {e}"));
            false
        }
    }
}
