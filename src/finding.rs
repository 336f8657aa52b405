//! The finding: what a rule matched, where, and how sure we are. Everything a reporter needs
//! is here, already located (line, column) and already redacted where it must be, so that
//! reporters only format.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// How bad a leak of this kind is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How likely a match of this rule is a real credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// Outcome of an offline checksum, for formats that carry one. Only `Valid` exists: a token
/// whose checksum fails is not a token, and the engine drops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Checksum {
    Valid,
}

/// The commit that introduced a secret at a path (history scans only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    pub email: String,
    /// RFC 3339, in the author's time zone.
    pub date: String,
    /// First line of the commit message.
    pub message: String,
    /// The later of the author and committer times, in seconds since the epoch (0 when not
    /// known): the token certainly existed when the commit was written, and author dates can
    /// be set freely. Not reported.
    #[serde(skip, default)]
    pub time: i64,
}

/// One located match that survived the engine's filters.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub remediation: String,
    /// The provider's documentation for this kind of credential.
    pub help_uri: Option<String>,
    /// `audit`: the repository (as the list names it) the finding is in; `None` elsewhere.
    pub repository: Option<String>,
    /// Relative to the repository root inside a git work tree, else to the scanned
    /// directory; `/` separators; `-` for stdin.
    pub path: String,
    /// 1-based; column counts bytes. `end_*` is exclusive.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Columns counted in Unicode code points (SARIF's `unicodeCodePoints`).
    pub char_column: usize,
    pub end_char_column: usize,
    /// Byte offsets of the secret in its blob.
    pub start: usize,
    pub end: usize,
    /// The secret as matched (lossy UTF-8); never printed unless asked.
    pub secret: String,
    pub checksum: Option<Checksum>,
    pub entropy: f64,
    /// The line around the secret, with the secret already cut out (see [`Snippet`]).
    pub snippet: Snippet,
    pub fingerprint: String,
    /// The fingerprint releases before 0.2 gave the same finding (they hashed the path
    /// relative to the scanned argument), where it differs: baselines written then still match.
    pub legacy_fingerprint: Option<String>,
    pub commit: Option<CommitInfo>,
    /// History: how many distinct blobs at this path carry the same secret.
    pub occurrences: Option<usize>,
    /// The decodings applied to reach the secret, outermost first (`["base64"]`); empty
    /// when it was found in the bytes as they are.
    pub decoded: Vec<&'static str>,
    /// What the token itself says, with no network (`None` for rules that find passwords,
    /// keys and URLs rather than tokens of a known kind).
    pub token: Option<crate::facts::Token>,
    /// What its provider said, with `--verify`.
    pub verification: Option<crate::verify::Verification>,
    /// What the rule's other named groups captured (name, value), for verification only:
    /// never reported.
    pub parts: Vec<(String, String)>,
}

/// Text around a secret, kept in parts so that reporters can print it with the secret shown
/// or redacted without searching for it again. Other secrets on the same line are parts of
/// their own, redacted like the finding's.
#[derive(Clone, Debug, Default)]
pub struct Snippet {
    pub before: Vec<Piece>,
    pub after: Vec<Piece>,
}

/// A part of a snippet: text (already escaped), or (part of) another secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Secret(String),
}

impl Piece {
    fn shown(&self, show: bool, out: &mut String) {
        match self {
            Piece::Text(t) => out.push_str(t),
            Piece::Secret(s) if show => out.push_str(&escape_control(s)),
            Piece::Secret(s) => out.push_str(&escape_control(&redact(s))),
        }
    }
}

impl Finding {
    /// The secret as a report shows it.
    pub fn shown_secret(&self, show: bool) -> String {
        if show {
            self.secret.clone()
        } else {
            redact(&self.secret)
        }
    }

    /// Where the secret was found when it was decoded first: "found in base64-decoded
    /// content", with the inner decodings after it.
    pub fn decoded_note(&self) -> Option<String> {
        let (outer, inner) = self.decoded.split_first()?;
        let mut note = format!("found in {outer}-decoded content");
        if !inner.is_empty() {
            note += &format!(" (then {})", inner.join(", then "));
        }
        Some(note)
    }

    /// The snippet as a report shows it.
    pub fn shown_snippet(&self, show: bool) -> String {
        let mut out = String::new();
        for p in &self.snippet.before {
            p.shown(show, &mut out);
        }
        out.push_str(&escape_control(&self.shown_secret(show)));
        for p in &self.snippet.after {
            p.shown(show, &mut out);
        }
        out
    }
}

/// The redacted form of a secret: at most its first four characters (usually the public
/// prefix such as `ghp_`) and a fixed mask, so neither the secret nor its length leaks.
pub fn redact(secret: &str) -> String {
    let keep = if secret.chars().count() >= 16 { 4 } else { 0 };
    let head: String = secret
        .chars()
        .take(keep)
        .filter(|c| !c.is_control())
        .collect();
    format!("{head}{MASK}")
}

/// What [`redact`] puts in place of a secret (after at most four characters).
const MASK: &str = "********";

/// True when `s` is a secret as [`redact`] writes it, not the secret itself: a report
/// written without `--show-secrets` holds only these.
pub fn is_redacted(s: &str) -> bool {
    s.strip_suffix(MASK)
        .is_some_and(|head| head.chars().count() <= 4)
}

/// Lower-case hex of some bytes (digests, fingerprints).
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Stable identity of a finding, for baselines and SARIF: the rule, the path and the secret,
/// and nothing that moves when unrelated lines are edited.
pub fn fingerprint(rule_id: &str, path: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(secret);
    hex(&h.finalize()[..16])
}

/// Lossy UTF-8 with control characters escaped, so scanned text cannot drive a terminal.
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// A path's bytes as a string that names the same path: a valid UTF-8 path as it is; in any
/// other, each byte that is not UTF-8 as `\xNN` (two lower-case hex digits) and each `\` as
/// `\\`, so that the bytes can be recovered. (A lossy decoding would print U+FFFD, a name
/// that does not exist.) Control characters are left to [`escape_control`].
pub fn escape_path_bytes(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_all_but_prefix() {
        assert_eq!(redact(&format!("ghp_{}", "a1".repeat(18))), "ghp_********");
        assert_eq!(redact("hunter2"), "********");
        for s in [format!("ghp_{}", "a1".repeat(18)), "hunter2".to_string()] {
            assert!(is_redacted(&redact(&s)) && !is_redacted(&s), "{s}");
        }
        assert!(!is_redacted("a_long_prefix********"));
    }

    #[test]
    fn fingerprint_ignores_location_but_not_secret() {
        let a = fingerprint("r", "p", b"s1");
        assert_eq!(a, fingerprint("r", "p", b"s1"));
        assert_ne!(a, fingerprint("r", "p", b"s2"));
        assert_ne!(a, fingerprint("r", "q", b"s1"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\x1b[31mb"), "a\\u{1b}[31mb");
    }

    #[test]
    fn path_bytes_are_escaped_losslessly() {
        assert_eq!(escape_path_bytes(b"src/a b.rs"), "src/a b.rs");
        assert_eq!(
            escape_path_bytes("d\u{e9}j\u{e0}\\x".as_bytes()),
            "d\u{e9}j\u{e0}\\x"
        );
        assert_eq!(escape_path_bytes(b"bad\xffname"), "bad\\xffname");
        assert_eq!(escape_path_bytes(b"\xc3(\\\x80"), "\\xc3(\\\\\\x80");
        assert!(!escape_path_bytes(b"\xfe\xff").contains('\u{fffd}'));
    }
}
