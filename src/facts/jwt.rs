//! The claims of a JSON Web Token that say when it is valid and what it is: `exp`, `nbf`,
//! `iat`, `iss`, whether it names a subject, and a `role` (Supabase keys carry `anon` or
//! `service_role`). The signature is never read: these are claims, not proof.

use super::clean;
use crate::engine::validate::base64_decode;
use serde_json::{Map, Value};

/// The most bytes a header or payload may decode to. Real ones are far smaller.
const MAX_PART: usize = 64 * 1024;

/// The most characters of `iss` and `role` kept.
const MAX_STRING: usize = 200;

/// What a JWT's payload claims. Every field is what the token says, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwt {
    /// Expiry (`exp`), in seconds since the Unix epoch. After it the token is refused.
    pub exp: Option<i64>,
    /// Not before (`nbf`), in seconds since the Unix epoch. Before it the token is refused.
    pub nbf: Option<i64>,
    /// Issued at (`iat`), in seconds since the Unix epoch.
    pub iat: Option<i64>,
    /// The issuer (`iss`), cut to 200 characters, without control characters.
    pub iss: Option<String>,
    /// Whether the token names a subject (`sub`). The subject itself is not kept.
    pub sub_present: bool,
    /// The `role` claim, cut to 200 characters, without control characters.
    pub role: Option<String>,
}

/// The claims of `token`, a JWT `header.payload.signature` in base64url (padding optional).
/// `None` when it is not one: not three parts, a header that is not a JSON object naming an
/// `alg`, or a payload that is not a JSON object. A claim of the wrong type is left out.
pub fn claims(token: &str) -> Option<Jwt> {
    let mut parts = token.trim().split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    // The signature is the third part; only its presence is checked.
    parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let header = object(header)?;
    if !header.get("alg").is_some_and(Value::is_string) {
        return None;
    }
    let payload = object(payload)?;
    let time = |name: &str| payload.get(name).and_then(seconds);
    let string = |name: &str| payload.get(name).and_then(Value::as_str);
    Some(Jwt {
        exp: time("exp"),
        nbf: time("nbf"),
        iat: time("iat"),
        iss: string("iss").map(|s| clean(s, MAX_STRING)),
        sub_present: payload.get("sub").is_some_and(|v| !v.is_null()),
        role: string("role").map(|s| clean(s, MAX_STRING)),
    })
}

/// A base64url part decoded as a JSON object, if it is one and is not too big.
fn object(part: &str) -> Option<Map<String, Value>> {
    if part.len() > MAX_PART.div_ceil(3) * 4 {
        return None;
    }
    match serde_json::from_slice(&base64_decode(part.as_bytes())?) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// A NumericDate: whole seconds, or a fraction cut toward zero. `None` for anything else, or
/// a number outside `i64`.
fn seconds(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // i64::MAX as f64 is 2^63, one past the range.
    (f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64).then(|| f.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::base64;

    fn token(header: &str, payload: &str) -> String {
        let b = |s: &str| base64(s.as_bytes(), true, false);
        format!("{}.{}.{}", b(header), b(payload), b("not a signature"))
    }

    const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    #[test]
    fn reads_past_and_future_expiry() {
        let past = claims(&token(HS256, r#"{"exp":1000000000,"iat":999999000}"#));
        assert_eq!(
            past,
            Some(Jwt {
                exp: Some(1_000_000_000),
                nbf: None,
                iat: Some(999_999_000),
                iss: None,
                sub_present: false,
                role: None,
            })
        );
        let future = claims(&token(
            HS256,
            r#"{"exp":4102444800,"nbf":1767225600,"iss":"https://issuer.test","sub":"u1"}"#,
        ))
        .unwrap();
        assert_eq!(future.exp, Some(4_102_444_800));
        assert_eq!(future.nbf, Some(1_767_225_600));
        assert_eq!(future.iss.as_deref(), Some("https://issuer.test"));
        assert!(future.sub_present);
    }

    #[test]
    fn reads_a_supabase_role_and_padding() {
        let payload = r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":1700000000,"exp":2000000000}"#;
        let padded = format!(
            "{}.{}.sig",
            base64(HS256.as_bytes(), true, true),
            base64(payload.as_bytes(), true, true)
        );
        let jwt = claims(&padded).unwrap();
        assert_eq!(jwt.role.as_deref(), Some("service_role"));
        assert_eq!(jwt.iss.as_deref(), Some("supabase"));
        assert_eq!(jwt.exp, Some(2_000_000_000));
        // An unsigned token (`alg: none`) has an empty signature part.
        let none = format!(
            "{}.{}.",
            base64(br#"{"alg":"none"}"#, true, false),
            base64(br#"{"role":"anon"}"#, true, false)
        );
        assert_eq!(claims(&none).unwrap().role.as_deref(), Some("anon"));
    }

    #[test]
    fn numbers_are_truncated_or_dropped() {
        let jwt = claims(&token(
            HS256,
            r#"{"exp":1767225600.9,"nbf":-1.5,"iat":"1700000000"}"#,
        ))
        .unwrap();
        assert_eq!(
            (jwt.exp, jwt.nbf, jwt.iat),
            (Some(1_767_225_600), Some(-1), None)
        );
        let big = claims(&token(
            HS256,
            r#"{"exp":18446744073709551615,"nbf":1e300,"iat":-9.3e18}"#,
        ))
        .unwrap();
        assert_eq!((big.exp, big.nbf, big.iat), (None, None, None));
        let odd = claims(&token(HS256, r#"{"exp":true,"sub":null,"iss":7}"#)).unwrap();
        assert_eq!((odd.exp, odd.sub_present, odd.iss), (None, false, None));
    }

    #[test]
    fn strings_are_cleaned_and_capped() {
        let payload = format!(
            r#"{{"iss":"evil\u001b[2J\nissuer{}","role":"{}"}}"#,
            "x".repeat(500),
            "r".repeat(300)
        );
        let jwt = claims(&token(HS256, &payload)).unwrap();
        let iss = jwt.iss.unwrap();
        assert!(iss.starts_with("evil[2Jissuer"));
        assert_eq!(iss.chars().count(), 200);
        assert_eq!(jwt.role.unwrap().len(), 200);
    }

    #[test]
    fn rejects_what_is_not_a_jwt() {
        let b = |s: &[u8]| base64(s, true, false);
        let payload = r#"{"exp":1}"#;
        for bad in [
            String::new(),
            "..".to_string(),
            "a.b.c".to_string(),
            format!("{}.{}", b(HS256.as_bytes()), b(payload.as_bytes())),
            format!("{}.{}.s.t", b(HS256.as_bytes()), b(payload.as_bytes())),
            token(r#"{"typ":"JWT"}"#, payload),
            token(r#"{"alg":5}"#, payload),
            token(r#"["alg"]"#, payload),
            token(HS256, "[1,2]"),
            token(HS256, "not json"),
            token(HS256, r#"{"exp":1"#),
            format!("{}.{}.s", b(HS256.as_bytes()), b(b"\xff\xfe{\"exp\":1}")),
            format!("{}.{}!.s", b(HS256.as_bytes()), b(payload.as_bytes())),
            format!("{}.{}====.s", b(HS256.as_bytes()), b(payload.as_bytes())),
        ] {
            assert_eq!(claims(&bad), None, "{bad}");
        }
    }

    #[test]
    fn huge_and_deep_payloads_are_refused() {
        let big = format!(r#"{{"exp":1,"pad":"{}"}}"#, "a".repeat(1 << 20));
        assert_eq!(claims(&token(HS256, &big)), None);
        let deep = format!(
            r#"{{"exp":1,"a":{}{}}}"#,
            "[".repeat(1000),
            "]".repeat(1000)
        );
        assert_eq!(claims(&token(HS256, &deep)), None);
        let dots = ".".repeat(1 << 20);
        assert_eq!(claims(&dots), None);
        // Just under the cap still decodes.
        let fits = format!(r#"{{"exp":1,"pad":"{}"}}"#, "a".repeat(MAX_PART - 32));
        assert_eq!(claims(&token(HS256, &fits)).unwrap().exp, Some(1));
    }
}
