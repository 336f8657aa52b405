//! Unit tests of `validate`.

use super::*;

#[test]
fn checksum_matches_published_vectors() {
    // Vectors from shared token-format notes, recomputed with zlib.
    assert_eq!(&crc32_base62(&[b'0'; 30]), b"2C8GjS");
    assert_eq!(&crc32_base62(b"exampleEXAMPLEexampleEXAMPLE00"), b"2GTTXu");
}

#[test]
fn checksum_validator_accepts_and_rejects() {
    let good = make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
    assert!(good.ends_with("0AKxrk"));
    let good = good.as_bytes();
    assert_eq!(check(Validator::Crc32Base62, good), Verdict::ChecksumValid);
    let mut bad = good.to_vec();
    bad[39] = b'j';
    assert_eq!(check(Validator::Crc32Base62, &bad), Verdict::Rejected);
    assert_eq!(
        check(Validator::Crc32Base62, b"ghp_short"),
        Verdict::Rejected
    );
}

#[test]
fn pem_body_needs_key_material() {
    let stub = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    assert_eq!(check(Validator::PemBody, stub), Verdict::Rejected);
    let body = "QUJD".repeat(30);
    let full = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
    assert_eq!(
        check(Validator::PemBody, full.as_bytes()),
        Verdict::Plausible
    );
}

// Vectors computed independently with Python's zlib (see the rule-pack notes): payload
// bytes 00..0f + "o:1\nu:2s" + 0x10, base64url without padding.
const GITLAB_HEAD: &str = "glpat-AAECAwQFBgcICQoLDA0OD286MQp1OjJzEA.01.0y";

#[test]
fn gitlab_routable_vectors() {
    assert_eq!(crc32fast::hash(GITLAB_HEAD.as_bytes()), 3_000_688_364);
    assert_eq!(base36(3_000_688_364, 7), "1dmj5yk");
    let good = format!("{GITLAB_HEAD}1dmj5yk");
    assert_eq!(
        check(Validator::GitlabRoutable, good.as_bytes()),
        Verdict::ChecksumValid
    );
    // Split so that the source itself holds no token.
    let unversioned = ["glrt-AAECAwQFBgcICQoLDA0OD286MQp1OjJzEA", ".0y", "04u6mgz"].concat();
    assert_eq!(
        check(Validator::GitlabRoutable, unversioned.as_bytes()),
        Verdict::ChecksumValid
    );
    let bad_crc = format!("{GITLAB_HEAD}1dmj5yl");
    assert_eq!(
        check(Validator::GitlabRoutable, bad_crc.as_bytes()),
        Verdict::Rejected
    );
    // Right CRC over a wrong length field is still rejected.
    let head = "glpat-AAECAwQFBgcICQoLDA0OD286MQp1OjJzEA.01.zz";
    let forged = format!(
        "{head}{}",
        base36(u64::from(crc32fast::hash(head.as_bytes())), 7)
    );
    assert_eq!(
        check(Validator::GitlabRoutable, forged.as_bytes()),
        Verdict::Rejected
    );
    assert!(Validator::GitlabRoutable.is_checksum());
}

#[test]
fn atlassian_vectors() {
    let head = format!(
        "ATATT3xFfGF0{}=",
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-".repeat(4)
    );
    let good = format!("{head}AEC63C71");
    assert_eq!(
        check(Validator::AtlassianCrc32, good.as_bytes()),
        Verdict::ChecksumValid
    );
    let bad = format!("{head}AEC63C72");
    assert_eq!(
        check(Validator::AtlassianCrc32, bad.as_bytes()),
        Verdict::Rejected
    );
    assert!(Validator::AtlassianCrc32.is_checksum());
}

#[test]
fn age_bech32_vectors() {
    // Bytes 00..1f under hrp "age-secret-key-", encoded with the BIP-173 reference code.
    let good = [
        "AGE-SECRET-KEY-1",
        "QQQSYQCYQ5RQWZQFPG9SCRGWPUGPZYSNZS23V9CCRYDPK8QARC0SWRYDWG",
    ]
    .concat();
    assert_eq!(
        check(Validator::AgeBech32, good.as_bytes()),
        Verdict::ChecksumValid
    );
    let bad = good.replace("DWG", "DWQ");
    assert_eq!(
        check(Validator::AgeBech32, bad.as_bytes()),
        Verdict::Rejected
    );
    // BIP-173's own valid test string.
    assert!(bech32_ok(b"A12UEL5L"));
    assert!(!bech32_ok(b"a12UEL5L"));
    assert!(Validator::AgeBech32.is_checksum());
}

#[test]
fn jwt_structure() {
    // {"alg":"HS256","typ":"JWT"} . {"sub":"1"} . signature
    let good = [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ".eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    ]
    .concat();
    let good = good.as_bytes();
    assert_eq!(check(Validator::Jwt, good), Verdict::Plausible);
    // {"typ":"JWT"} has no alg.
    let no_alg = b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln";
    assert_eq!(check(Validator::Jwt, no_alg), Verdict::Rejected);
    let garbage = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn.c2ln";
    assert_eq!(check(Validator::Jwt, garbage), Verdict::Rejected);
    assert!(!Validator::Jwt.is_checksum());
}

#[test]
fn pypi_location() {
    // 02 01 08 "pypi.org" and 02 01 0d "test.pypi.org", base64url.
    assert_eq!(
        check(
            Validator::PypiMacaroon,
            b"pypi-AgEIcHlwaS5vcmcCJGQ0ZjYwYjU0"
        ),
        Verdict::Plausible
    );
    assert_eq!(
        check(
            Validator::PypiMacaroon,
            b"pypi-AgENdGVzdC5weXBpLm9yZwIkZDRm"
        ),
        Verdict::Plausible
    );
    // 02 01 08 "pypi.com"
    assert_eq!(
        check(
            Validator::PypiMacaroon,
            b"pypi-AgEIcHlwaS5jb20CJGQ0ZjYwYjU0"
        ),
        Verdict::Rejected
    );
}

#[test]
fn base64_both_alphabets() {
    assert_eq!(base64_decode(b"aGk_").unwrap(), b"hi?");
    assert_eq!(base64_decode(b"aGk/").unwrap(), b"hi?");
    assert_eq!(base64_decode(b"aGk=").unwrap(), b"hi");
    assert!(base64_decode(b"a=b").is_none());
}

#[test]
fn basic_auth_is_base64_of_user_colon_password() {
    use crate::rules::Validator::BasicAuth;
    // base64("deploy:Qm7vX2pL9") and base64("ci-bot:t8Kd#w2Zr")
    for ok in ["ZGVwbG95OlFtN3ZYMnBMOQ==", "Y2ktYm90OnQ4S2QjdzJacg=="] {
        assert_eq!(check(BasicAuth, ok.as_bytes()), Verdict::Plausible, "{ok}");
    }
    // base64("nocolonhere"), base64("user:"), base64("user:changeme"), not base64
    for bad in [
        "bm9jb2xvbmhlcmU=",
        "dXNlcjo=",
        "dXNlcjpjaGFuZ2VtZQ==",
        "not*base64",
    ] {
        assert_eq!(check(BasicAuth, bad.as_bytes()), Verdict::Rejected, "{bad}");
    }
}

#[test]
fn checksum_tail_covers_long_bodies() {
    // A 76-character body as GitHub refresh tokens carry: 70 random characters and the
    // checksum of all 70 (a fake built here, not a token).
    let payload = "k2Jd8sQpL0vX4mN7rT1yB6cF9gH3wZ5aE0uI2oP8sD4fG7hJ1kL3zX6cV9bN2mQ5rT8yUw";
    assert_eq!(payload.len(), 70);
    let good = make_crc32_token("ghr_", payload);
    assert_eq!(good.len(), 80);
    assert_eq!(
        check(Validator::Crc32Base62Tail, good.as_bytes()),
        Verdict::ChecksumValid
    );
    let mut bad = good.clone().into_bytes();
    bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
    assert_eq!(check(Validator::Crc32Base62Tail, &bad), Verdict::Rejected);
    // The classic 36-character body passes too; the fixed-length validator refuses the long one.
    let classic = make_crc32_token("ghr_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie");
    assert_eq!(
        check(Validator::Crc32Base62Tail, classic.as_bytes()),
        Verdict::ChecksumValid
    );
    assert_eq!(
        check(Validator::Crc32Base62, good.as_bytes()),
        Verdict::Rejected
    );
    assert_eq!(
        check(Validator::Crc32Base62Tail, b"ghr_abc"),
        Verdict::Rejected
    );
    assert_eq!(
        check(Validator::Crc32Base62Tail, b"ghr_abc-def-ghi-jkl"),
        Verdict::Rejected
    );
}
