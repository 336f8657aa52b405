//! Which values belong to a token rule: the literal starts of every high-confidence rule's
//! secret, derived from the patterns, keep the free-form rules off provider tokens.

use crate::finding::Confidence;
use crate::rules::{self, Rule, Validator};

/// Rules whose secrets are tokens with a literal start: high confidence, not free-form (the
/// generic validator), and a start of three bytes or more (`ghp_`, `sk_live_`, `AKIA`,
/// `-----BEGIN`; shorter ones are too common to claim a value by).
fn token_rules(rules: &[Rule]) -> impl Iterator<Item = (&Rule, Vec<Vec<u8>>)> {
    rules
        .iter()
        .filter(|r| {
            r.confidence == Confidence::High
                && !matches!(
                    r.validator,
                    Some(Validator::GenericSecret | Validator::Password)
                )
        })
        .map(|r| {
            let mut p = r.secret_prefixes().to_vec();
            p.retain(|p| p.len() >= 3);
            (r, p)
        })
        .filter(|(_, p)| !p.is_empty())
}

/// The literal starts of the tokens that have a rule of their own, derived from the rules'
/// patterns, so a new token rule keeps the generic rule off its tokens without a list kept
/// by hand.
pub fn token_prefixes(rules: &[Rule]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = token_rules(rules).flat_map(|(_, p)| p).collect();
    out.sort();
    out.dedup();
    out
}

/// A token rule's literal start, and the secret's pattern anchored at a value's start when
/// the start alone is too weak a claim.
type TokenStart = (Vec<u8>, Option<regex::bytes::Regex>);

/// Words a password or a name may well begin with: a token start made of one of them and a
/// separator (Mailgun's `key-`, Notion's legacy `secret_`) claims only values of the token's
/// whole shape, so `key-hunter2-pass` stays a generic secret.
const WORD_STARTS: &[&str] = &[
    "key", "secret", "token", "pass", "api", "auth", "access", "private", "live", "test",
];

/// Every token rule's starts, each with its shape where the start alone claims too much.
pub(super) struct TokenStarts(Vec<TokenStart>);

impl TokenStarts {
    /// Each token rule's starts: a value that begins with one is the rule's (a truncated
    /// `glft-` or a `ghp_` with a bad checksum is a placeholder or a broken token, not a
    /// generic secret), unless the start is a plain word, where the value must also have the
    /// token's shape.
    pub(super) fn new(rules: &[Rule]) -> Self {
        TokenStarts(token_shapes(rules))
    }

    /// Whether `secret` is a token some rule owns.
    pub(super) fn claims(&self, secret: &[u8]) -> bool {
        self.0.iter().any(|(prefix, shape)| {
            secret.starts_with(prefix) && shape.as_ref().is_none_or(|s| s.is_match(secret))
        })
    }
}

fn token_shapes(rules: &[Rule]) -> Vec<TokenStart> {
    let mut out = Vec::new();
    for (rule, prefixes) in token_rules(rules) {
        for p in prefixes {
            let word = p
                .strip_suffix(b"-")
                .or_else(|| p.strip_suffix(b"_"))
                .or_else(|| p.strip_suffix(b"."))
                .is_some_and(|w| WORD_STARTS.iter().any(|s| s.as_bytes() == w));
            let shape = if word {
                let Some(secret) = rules::lint::secret_pattern(&rule.regex_src) else {
                    continue;
                };
                let built = regex::bytes::RegexBuilder::new(&format!("^(?:{secret})"))
                    .unicode(false)
                    .size_limit(8 << 20)
                    .build();
                match built {
                    Ok(re) => Some(re),
                    Err(_) => continue,
                }
            } else {
                None
            };
            out.push((p, shape));
        }
    }
    out
}
