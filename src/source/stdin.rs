//! Standard input as one blob, named `-`.

use std::io::Read;

/// Reads all of stdin.
pub fn read_all() -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin().lock().read_to_end(&mut buf)?;
    Ok(buf)
}
