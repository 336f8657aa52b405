//! The scope and expiry of a PyPI API token. The token is `pypi-` and the base64url (no
//! padding) of a macaroon in libmacaroons' v2 binary form; its first-party caveats are JSON
//! and say what the token may upload to and until when (pypi/warehouse,
//! `warehouse/macaroons/caveats`). The signature is not checked: these are claims.
//!
//! The binary form is a version byte `0x02` and then fields, each a tag and, but for the end
//! of a section (EOS, tag 0), a length and that many bytes; tags and lengths are LEB128
//! varints. The sections are the macaroon's own (`[location] identifier EOS`), one per caveat
//! (`[location] identifier [vid] EOS`), an empty one that ends the caveats, and then the
//! signature field.

use super::clean;
use crate::engine::validate::base64_decode;
use serde_json::{Map, Value};

/// The most base64 characters read. Real tokens are a few hundred.
const MAX_TOKEN: usize = 64 * 1024;
/// The most caveats a token may have; one with more is not decoded.
const MAX_CAVEATS: usize = 64;
/// The most characters of one project name or id kept.
const MAX_NAME: usize = 100;
/// The most project names or ids kept from one caveat.
const MAX_NAMES: usize = 20;

const EOS: u64 = 0;
const LOCATION: u64 = 1;
const IDENTIFIER: u64 = 2;
const VID: u64 = 4;
const SIGNATURE: u64 = 6;

/// What a PyPI token may act on, from its narrowest caveat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PypiScope {
    /// Every project of one account: a user caveat (`[3, user_id]`, or the legacy
    /// `"permissions": "user"`).
    Account,
    /// Only the projects named (normalized names, at most 20 kept).
    Projects(Vec<String>),
    /// Only the projects with these ids (at most 20 kept).
    ProjectIds(Vec<String>),
    /// Minted for a trusted publisher (`[4, publisher_id, ...]`): short-lived, and bound to
    /// that publisher's projects.
    TrustedPublisher,
    /// No caveat limits it: in effect the whole account, like [`PypiScope::Account`], but
    /// without even the user check.
    Unrestricted,
}

impl PypiScope {
    /// How narrow a scope is; a narrower caveat wins. A trusted publisher's token also holds
    /// its project ids, but that it was minted for a publisher is the larger fact.
    fn rank(&self) -> u8 {
        match self {
            PypiScope::Unrestricted => 0,
            PypiScope::Account => 1,
            PypiScope::ProjectIds(_) => 2,
            PypiScope::Projects(_) => 3,
            PypiScope::TrustedPublisher => 4,
        }
    }
}

/// What a PyPI token's caveats say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pypi {
    /// What it may act on: the narrowest scoping caveat.
    pub scope: PypiScope,
    /// When it expires, in seconds since the Unix epoch: the earliest of its expiry caveats.
    pub expires_at: Option<i64>,
    /// When it starts to be valid, in seconds since the Unix epoch: the latest of them.
    pub not_before: Option<i64>,
}

/// The facts of `token`, `pypi-` and a base64url macaroon. `None` when it is not a
/// well-formed v2 macaroon or has more than 64 caveats. A caveat that is not JSON, or of a
/// kind not known here, is skipped; so are third-party caveats.
pub fn pypi(token: &str) -> Option<Pypi> {
    let body = token.trim().strip_prefix("pypi-")?;
    if body.len() > MAX_TOKEN {
        return None;
    }
    let bytes = base64_decode(body.as_bytes())?;
    let mut facts = Pypi {
        scope: PypiScope::Unrestricted,
        expires_at: None,
        not_before: None,
    };
    for caveat in first_party_caveats(&bytes)? {
        match serde_json::from_slice(caveat) {
            Ok(Value::Array(a)) => facts.modern(&a),
            Ok(Value::Object(m)) => facts.legacy(&m),
            _ => {}
        }
    }
    Some(facts)
}

impl Pypi {
    /// A caveat in today's form, `[tag, fields...]`.
    fn modern(&mut self, caveat: &[Value]) {
        match caveat.first().and_then(Value::as_u64) {
            Some(0) => self.expiry(caveat.get(1), caveat.get(2)),
            Some(1) => {
                if let Some(n) = caveat.get(1).and_then(names) {
                    self.narrow(PypiScope::Projects(n));
                }
            }
            Some(2) => {
                if let Some(n) = caveat.get(1).and_then(names) {
                    self.narrow(PypiScope::ProjectIds(n));
                }
            }
            Some(3) => self.narrow(PypiScope::Account),
            Some(4) => self.narrow(PypiScope::TrustedPublisher),
            _ => {}
        }
    }

    /// A caveat in an older form, a JSON object, read as warehouse still reads it.
    fn legacy(&mut self, caveat: &Map<String, Value>) {
        if caveat.get("version").and_then(Value::as_u64) == Some(1) {
            match caveat.get("permissions") {
                Some(Value::String(p)) if p == "user" => self.narrow(PypiScope::Account),
                Some(Value::Object(p)) => {
                    if let Some(n) = p.get("projects").and_then(names) {
                        self.narrow(PypiScope::Projects(n));
                    }
                }
                _ => {}
            }
        } else if caveat.contains_key("exp") && caveat.contains_key("nbf") {
            self.expiry(caveat.get("exp"), caveat.get("nbf"));
        } else if let Some(ids) = caveat.get("project_ids").and_then(names) {
            self.narrow(PypiScope::ProjectIds(ids));
        }
    }

    /// Every expiry caveat must hold, so the earliest end and the latest start count.
    fn expiry(&mut self, expires_at: Option<&Value>, not_before: Option<&Value>) {
        if let Some(t) = expires_at.and_then(Value::as_i64) {
            self.expires_at = Some(self.expires_at.map_or(t, |e| e.min(t)));
        }
        if let Some(t) = not_before.and_then(Value::as_i64) {
            self.not_before = Some(self.not_before.map_or(t, |n| n.max(t)));
        }
    }

    /// Every caveat must hold: two lists of one kind leave the names in both; otherwise
    /// the narrower scope wins.
    fn narrow(&mut self, scope: PypiScope) {
        use PypiScope::{ProjectIds, Projects};
        if let (Projects(have), Projects(more)) | (ProjectIds(have), ProjectIds(more)) =
            (&mut self.scope, &scope)
        {
            have.retain(|n| more.contains(n));
            return;
        }
        if scope.rank() > self.scope.rank() {
            self.scope = scope;
        }
    }
}

/// The strings of a JSON array, cleaned and capped; `None` if it is not an array.
fn names(v: &Value) -> Option<Vec<String>> {
    let list = v.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_str)
            .take(MAX_NAMES)
            .map(|s| clean(s, MAX_NAME))
            .collect(),
    )
}

/// The identifiers of a v2 macaroon's first-party caveats, in order; `None` if `bytes` is
/// not exactly one well-formed macaroon or has more than [`MAX_CAVEATS`] caveats.
fn first_party_caveats(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let (&version, rest) = bytes.split_first()?;
    if version != 2 {
        return None;
    }
    let mut reader = Reader { rest };
    let own = reader.section()?;
    if own.identifier.is_none() || own.vid {
        return None;
    }
    let mut caveats = Vec::new();
    let mut count = 0;
    loop {
        let section = reader.section()?;
        if section.fields == 0 {
            break;
        }
        count += 1;
        let identifier = section.identifier?;
        if count > MAX_CAVEATS {
            return None;
        }
        // A verifier id marks a third-party caveat, whose identifier is not JSON.
        if !section.vid {
            caveats.push(identifier);
        }
    }
    let (tag, _) = reader.field()?;
    (tag == SIGNATURE && reader.rest.is_empty()).then_some(caveats)
}

/// The fields of one section, as far as they matter here.
#[derive(Default)]
struct Section<'a> {
    fields: usize,
    identifier: Option<&'a [u8]>,
    vid: bool,
}

/// Reads fields off the front of the macaroon.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits.
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (i, &byte) in self.rest.iter().enumerate().take(10) {
            let low = u64::from(byte & 0x7f);
            if i == 9 && low > 1 {
                return None;
            }
            value |= low << (7 * i);
            if byte & 0x80 == 0 {
                self.rest = self.rest.get(i + 1..)?;
                return Some(value);
            }
        }
        None
    }

    /// One field: its tag and data (none for an EOS).
    fn field(&mut self) -> Option<(u64, &'a [u8])> {
        let tag = self.varint()?;
        if tag == EOS {
            return Some((EOS, &[]));
        }
        let len = usize::try_from(self.varint()?).ok()?;
        let (data, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some((tag, data))
    }

    /// The fields up to the next EOS: location, identifier and vid, each at most once and
    /// in that order.
    fn section(&mut self) -> Option<Section<'a>> {
        let mut section = Section::default();
        let mut last = EOS;
        loop {
            let (tag, data) = self.field()?;
            if tag == EOS {
                return Some(section);
            }
            if tag <= last {
                return None;
            }
            match tag {
                LOCATION => {}
                IDENTIFIER => section.identifier = Some(data),
                VID => section.vid = true,
                _ => return None,
            }
            last = tag;
            section.fields += 1;
        }
    }
}

#[cfg(test)]
mod tests;
