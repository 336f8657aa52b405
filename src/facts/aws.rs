//! What an AWS access key id says without asking AWS: its kind, from the four-character
//! prefix AWS documents, and, for keys of the newer format, the account that owns it.
//!
//! After the prefix a key id is 16 characters of base32 (`A`–`Z`, then `2`–`7`), 80 bits.
//! Counted from the start of the id, bit 20 (the top bit of the fifth character) marks the
//! format: 1 for the newer one, whose bits 21 to 60 are the 12-digit account id. Keys of the
//! older format (fifth character `A` to `P`, such as `I` and `J` in keys from before about
//! 2019) do not hold the account in a known way. This is not documented by AWS; it was found
//! by Aidan Steele and Tal Be'ery (2020) and checked over 3,000 keys by WithSecure Labs
//! (2023), and `sts:GetAccessKeyInfo` returns the same account.

/// The length of every access key id AWS issues.
const KEY_LEN: usize = 20;

/// The kinds of key id, by prefix: (prefix, kind, lifetime).
const CLASSES: [(&str, &str, &str); 4] = [
    ("AKIA", "long-term access key", "long-lived until rotated"),
    (
        "ASIA",
        "temporary STS credentials",
        "temporary (up to 36 hours)",
    ),
    ("ABIA", "STS service bearer token", "temporary"),
    ("ACCA", "context-specific credential", "temporary"),
];

/// The kind of key `key_id` is and how long such a key lives, from its prefix: `AKIA` a
/// long-term key, `ASIA` temporary credentials from STS, `ABIA` an STS bearer token, `ACCA`
/// a context-specific credential. `None` for another prefix, or an id that is not 20
/// characters of base32.
pub fn key_class(key_id: &str) -> Option<(&'static str, &'static str)> {
    key_body(key_id)?;
    let prefix = key_id.get(..4)?;
    CLASSES
        .iter()
        .find(|(p, _, _)| *p == prefix)
        .map(|&(_, kind, life)| (kind, life))
}

/// The 12-digit account id (zero-padded) that owns `key_id`, for a key of the newer format
/// with a known prefix. `None` for an older key, whose id does not hold it, and for text that
/// is not a key id.
pub fn account_id(key_id: &str) -> Option<String> {
    let body = key_body(key_id)?;
    let mut bits: u128 = 0;
    for c in body.bytes() {
        bits = bits << 5 | u128::from(base32(c)?);
    }
    // The first 48 of the 80 bits: the format bit, the 40-bit account, 7 more bits.
    let head = bits >> 32;
    if head >> 47 == 0 {
        return None;
    }
    let account = (head & 0x7fff_ffff_ff80) >> 7;
    // 40 bits reach past 12 digits; such a number is not an account.
    (account < 1_000_000_000_000).then(|| format!("{account:012}"))
}

/// AWS accounts that hold canary keys: any call with one of their keys, even
/// `sts:GetCallerIdentity`, raises an alarm for whoever planted it, so a key of theirs is
/// never checked. Thinkst's canarytokens.org accounts first, then other canary services', as
/// published by secret scanners that skip them (no such list is published by Thinkst).
const CANARY_ACCOUNTS: &[&str] = &[
    "052310077262",
    "171436882533",
    "266735846894",
    "528757803018",
    "534261010715",
    "538784191382",
    "595918472158",
    "717712589309",
    "729780141977",
    "730335385048",
    "819147034852",
    "893192397702",
    "992382622183",
    // Other canary services.
    "044858866125",
    "251535659677",
    "344043088457",
    "351906852752",
    "390477818340",
    "426127672474",
    "427150556519",
    "439872796651",
    "445142720921",
    "465867158099",
    "637958123769",
    "693412236332",
    "732624840810",
    "735421457923",
    "959235150393",
    "982842642351",
];

/// True when `key_id` belongs to a known canary account.
pub fn canary(key_id: &str) -> bool {
    account_id(key_id).is_some_and(|a| CANARY_ACCOUNTS.contains(&a.as_str()))
}

/// The 16 characters after the prefix, if `key_id` is 20 characters, has a known prefix and
/// is base32 throughout.
fn key_body(key_id: &str) -> Option<&str> {
    if key_id.len() != KEY_LEN {
        return None;
    }
    let (prefix, body) = (key_id.get(..4)?, key_id.get(4..)?);
    if !CLASSES.iter().any(|(p, _, _)| *p == prefix) {
        return None;
    }
    body.bytes().all(|c| base32(c).is_some()).then_some(body)
}

/// The value of one character of RFC 4648 base32, upper case only.
fn base32(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key id made here, so the source holds no whole one.
    fn key(prefix: &str, rest: &str) -> String {
        format!("{prefix}{rest}")
    }

    use crate::testing::aws_key_id as key_for;

    #[test]
    fn decodes_published_keys() {
        // The examples of Steele's and Be'ery's write-ups, checked there against STS.
        assert_eq!(
            account_id(&key("ASIA", "Y34FZKBOKMUTVV7A")).as_deref(),
            Some("609629065308")
        );
        assert_eq!(
            account_id(&key("ASIA", "QNZGKIQY56JQ7WML")).as_deref(),
            Some("029608264753")
        );
    }

    #[test]
    fn the_canary_vector_is_an_old_format_id() {
        // `AKIAAYLPMN5HAAAAAAAA` is often quoted as account 052310077262. Its fifth
        // character `A` has the format bit clear, so it is read as an older key; the bits
        // that follow do spell that account, and with the bit set (`A` → `Q`) it decodes.
        assert_eq!(account_id(&key("AKIA", "AYLPMN5HAAAAAAAA")), None);
        assert_eq!(
            account_id(&key("AKIA", "QYLPMN5HAAAAAAAA")).as_deref(),
            Some("052310077262")
        );
    }

    #[test]
    fn canary_accounts_are_known() {
        assert!(canary(&key_for("AKIA", 52_310_077_262, 9)));
        assert!(canary(&key_for("ASIA", 992_382_622_183, 1)));
        assert!(!canary(&key_for("AKIA", 123_456_789_012, 9)));
        assert!(!canary(&key("AKIA", "AYLPMN5HAAAAAAAA")));
    }

    #[test]
    fn round_trips_generated_ids() {
        let mut rng = crate::testing::Rng::new(4);
        for prefix in ["AKIA", "ASIA", "ABIA", "ACCA"] {
            for _ in 0..200 {
                let account = rng.range(0, 999_999_999_999);
                let key = key_for(prefix, account, rng.next_u64());
                assert_eq!(account_id(&key), Some(format!("{account:012}")), "{key}");
                assert!(key_class(&key).is_some());
            }
        }
        assert_eq!(
            account_id(&key_for("AKIA", 0, 0)).as_deref(),
            Some("000000000000")
        );
        // 40 bits above 999,999,999,999 are not an account.
        assert_eq!(account_id(&key_for("AKIA", 1_000_000_000_000, 0)), None);
        assert_eq!(account_id(&key_for("AKIA", (1 << 40) - 1, 0)), None);
    }

    #[test]
    fn old_format_ids_have_no_account() {
        for key in [
            &key("AKIA", "IOSFODNN7EXAMPLE"),
            &key("AKIA", "J2345ABCDEFGHIJK"),
            &key("ASIA", "PZZZZZZZZZZZZZZZ"),
        ] {
            assert_eq!(account_id(key), None, "{key}");
            assert!(key_class(key).is_some(), "{key}");
        }
    }

    #[test]
    fn classifies_by_prefix() {
        let class = |k: &str| key_class(k).map(|(kind, _)| kind);
        assert_eq!(
            class(&key("AKIA", "IOSFODNN7EXAMPLE")),
            Some("long-term access key")
        );
        assert_eq!(
            key_class(&key("ASIA", "Y34FZKBOKMUTVV7A")),
            Some(("temporary STS credentials", "temporary (up to 36 hours)"))
        );
        assert_eq!(
            class(&key("ABIA", "Y34FZKBOKMUTVV7A")),
            Some("STS service bearer token")
        );
        assert_eq!(
            class(&key("ACCA", "Y34FZKBOKMUTVV7A")),
            Some("context-specific credential")
        );
        assert_eq!(
            key_class(&key("AKIA", "QYLPMN5HAAAAAAAA")).map(|(_, life)| life),
            Some("long-lived until rotated")
        );
    }

    #[test]
    fn rejects_what_is_not_a_key_id() {
        for bad in [
            "",
            "AKIA",
            "AKIAY34FZKBOKMUTVV7",
            "AKIAY34FZKBOKMUTVV7AA",
            "AROAY34FZKBOKMUTVV7A",
            "AIDAY34FZKBOKMUTVV7A",
            "akiay34fzkbokmutvv7a",
            "AKIAY34FZKBOKMUTVV70",
            "AKIAY34FZKBOKMUTVV81",
            "AKIAY34FZKBOKMUTVV-A",
            "AKIAY34FZKBOKMUTVV\u{e9}",
            "AKA\u{e9}Y34FZKBOKMUTVV7A",
            "ÅKIAY34FZKBOKMUTVV7",
        ] {
            assert_eq!(account_id(bad), None, "{bad}");
            assert_eq!(key_class(bad), None, "{bad}");
        }
        let long = "A".repeat(1 << 20);
        assert_eq!((account_id(&long), key_class(&long)), (None, None));
    }
}
