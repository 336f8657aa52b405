//! Incremental history (`history --state FILE`): the blobs an earlier run read and found
//! nothing in, so that the next run reads only what is new.
//!
//! Only clean blobs are kept. A blob that held a finding is read again every run, so the
//! state file never holds a secret (it is a list of object ids), and the report of an
//! incremental run is the report of a full scan: findings come from blobs that are read, and
//! every blob not read is known to hold none under the same rules and settings.
//!
//! The file: one text line `leakscan-history-state 1 <key>`, then the 20-byte ids, sorted.
//! `key` digests what decides whether a blob is clean (leakscan's version, the rules, the
//! config file, the size and decoding limits); a state written under another key is not
//! used, and the run is a full scan that writes a new one.

use anyhow::{Context, Result};
use git2::Oid;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

const MAGIC: &str = "leakscan-history-state 1 ";
/// A sanity bound on what a state file may claim (ids of 20 bytes: 2 GiB).
const MAX_IDS: usize = 100_000_000;

/// The clean blobs of an earlier run, when it ran under the same key.
#[derive(Debug, Default)]
pub struct Known {
    pub clean: HashSet<Oid>,
}

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    /// No state file yet: a full scan.
    Missing,
    /// Written under other rules or settings: a full scan.
    Stale,
    Usable(Known),
}

/// Reads the state at `path` for `key`. A file that is not a state file is an error (the
/// path may be a typo for something else); one written under another key is `Stale`.
pub fn load(path: &Path, key: &str) -> Result<Loaded> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    };
    parse(&bytes, key).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))
}

/// The state in `bytes` for `key`: `Stale` under another key; an error (what to do) when
/// `bytes` are not a whole state file.
pub fn parse(bytes: &[u8], key: &str) -> Result<Loaded, String> {
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .filter(|&n| bytes.starts_with(MAGIC.as_bytes()) && n < 200);
    let Some(end) = header_end else {
        return Err(
            "not a leakscan history state file; give a new path, or delete it to start over"
                .to_string(),
        );
    };
    let written_key = String::from_utf8_lossy(&bytes[MAGIC.len()..end]);
    if written_key != key {
        return Ok(Loaded::Stale);
    }
    let ids = &bytes[end + 1..];
    if !ids.len().is_multiple_of(20) || ids.len() / 20 > MAX_IDS {
        return Err("the state file is truncated or damaged; delete it to start over".to_string());
    }
    let clean = ids
        .chunks_exact(20)
        .filter_map(|c| Oid::from_bytes(c).ok())
        .collect();
    Ok(Loaded::Usable(Known { clean }))
}

/// Writes the state for `key` to `path`, through a temporary file renamed into place, so
/// that an interrupted run leaves the previous state whole.
pub fn save(path: &Path, key: &str, clean: &HashSet<Oid>) -> Result<()> {
    let mut ids: Vec<&Oid> = clean.iter().collect();
    ids.sort_unstable();
    let mut out = Vec::with_capacity(MAGIC.len() + key.len() + 1 + ids.len() * 20);
    out.extend_from_slice(MAGIC.as_bytes());
    out.extend_from_slice(key.as_bytes());
    out.push(b'\n');
    for id in ids {
        out.extend_from_slice(id.as_bytes());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    tmp.1
        .write_all(&out)
        .and_then(|()| tmp.1.sync_all())
        .with_context(|| format!("{}: cannot write", tmp.0.display()))?;
    std::fs::rename(&tmp.0, path)
        .with_context(|| format!("cannot move {} to {}", tmp.0.display(), path.display()))
}

/// A new file beside `path`, named after it and this process.
fn tempfile_in(dir: &Path, path: &Path) -> Result<(std::path::PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
    Ok((tmp, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_stale_and_damaged() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.state");
        assert!(matches!(load(&path, "k").expect("load"), Loaded::Missing));
        let ids: HashSet<Oid> = (0u8..5)
            .map(|i| Oid::from_bytes(&[i; 20]).expect("oid"))
            .collect();
        save(&path, "k", &ids).expect("save");
        match load(&path, "k").expect("load") {
            Loaded::Usable(k) => assert_eq!(k.clean, ids),
            other => panic!("{other:?}"),
        }
        assert!(matches!(load(&path, "other").expect("load"), Loaded::Stale));
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.pop();
        std::fs::write(&path, &bytes).expect("write");
        assert!(load(&path, "k").is_err(), "a truncated file");
        std::fs::write(&path, b"{\"not\": \"a state\"}\n").expect("write");
        assert!(load(&path, "k").is_err(), "another kind of file");
        std::fs::write(&path, b"").expect("write");
        assert!(load(&path, "k").is_err(), "an empty file");
    }
}
