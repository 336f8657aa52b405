//! Test vectors come from AWS's published "Signature Version 4 Test
//! Suite" (aws-sig-v4-test-suite, once at
//! https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
//! and from the IAM ListUsers example in the AWS General Reference
//! ("Examples of the complete Signature Version 4 signing process" and
//! the "Signature Version 4 signing process" task pages). Only the
//! published values (requests, canonical requests, strings to sign,
//! Authorization headers) are used; no code is copied from anywhere.

use super::*;

const DATE: &str = "20150830T123600Z";
const HOST: &str = "example.amazonaws.com";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The suite's example session token (not a real credential).
const SUITE_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

/// The documented example secret, built at run time so that this file
/// holds no string that looks like a real AWS secret key.
fn example_secret() -> String {
    ["wJalrXUtnFEMI/K7MDENG+bP", "xRfiCYEXAMPLEKEY"].concat()
}

/// A test-suite request to example.amazonaws.com, us-east-1, "service".
fn suite_request<'a>(
    method: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
) -> Unsigned<'a> {
    Unsigned {
        method,
        host: HOST,
        path,
        query,
        headers,
        body,
        region: "us-east-1",
        service: "service",
        amz_date: DATE,
    }
}

/// Signs `r` and checks all three published files of a vector.
fn check(token: Option<&str>, r: &Unsigned, creq: &[&str], sts: &[&str], authz: &str) {
    let secret = example_secret();
    let c = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: &secret,
        session_token: token,
    };
    let s = sign(&c, r);
    assert_eq!(s.canonical_request, creq.join("\n"), "canonical request");
    assert_eq!(s.string_to_sign, sts.join("\n"), "string to sign");
    assert_eq!(s.authorization, authz, "authorization");
    assert!(authz.ends_with(&format!("Signature={}", s.signature)));
}

fn sts(hash: &str) -> [&str; 4] {
    [
        "AWS4-HMAC-SHA256",
        DATE,
        "20150830/us-east-1/service/aws4_request",
        hash,
    ]
}

fn authz(signed_headers: &str, signature: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// A vector whose request has only the `host` and `x-amz-date` headers and no body:
/// `line` is its method, canonical path and canonical query.
fn check_plain(r: &Unsigned, line: [&str; 3], sts_hash: &str, signature: &str) {
    let [method, path, query] = line;
    check(
        None,
        r,
        &[
            method,
            path,
            query,
            "host:example.amazonaws.com",
            "x-amz-date:20150830T123600Z",
            "",
            "host;x-amz-date",
            EMPTY_SHA256,
        ],
        &sts(sts_hash),
        &authz("host;x-amz-date", signature),
    );
}

#[test]
fn get_vanilla() {
    check_plain(
        &suite_request("GET", "/", &[], &[], b""),
        ["GET", "/", ""],
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
}

#[test]
fn get_vanilla_query_order_key_case() {
    check_plain(
        &suite_request(
            "GET",
            "/",
            &[("Param2", "value2"), ("Param1", "value1")],
            &[],
            b"",
        ),
        ["GET", "/", "Param1=value1&Param2=value2"],
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    );
}

#[test]
fn get_vanilla_query_unreserved() {
    let all = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let query_line = format!("{all}={all}");
    check(
        None,
        &suite_request("GET", "/", &[(all, all)], &[], b""),
        &[
            "GET",
            "/",
            &query_line,
            "host:example.amazonaws.com",
            "x-amz-date:20150830T123600Z",
            "",
            "host;x-amz-date",
            EMPTY_SHA256,
        ],
        &sts("c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"),
        &authz(
            "host;x-amz-date",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        ),
    );
}

#[test]
fn get_header_value_trim() {
    check(
        None,
        &suite_request(
            "GET",
            "/",
            &[],
            &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            b"",
        ),
        &[
            "GET",
            "/",
            "",
            "host:example.amazonaws.com",
            "my-header1:value1",
            "my-header2:\"a b c\"",
            "x-amz-date:20150830T123600Z",
            "",
            "host;my-header1;my-header2;x-amz-date",
            EMPTY_SHA256,
        ],
        &sts("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
        &authz(
            "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        ),
    );
}

#[test]
fn get_header_key_duplicate() {
    let headers = [
        ("My-Header1", "value2"),
        ("My-Header1", "value2"),
        ("My-Header1", "value1"),
    ];
    let r = suite_request("GET", "/", &[], &headers, b"");
    check(
        None,
        &r,
        &[
            "GET",
            "/",
            "",
            "host:example.amazonaws.com",
            "my-header1:value2,value2,value1",
            "x-amz-date:20150830T123600Z",
            "",
            "host;my-header1;x-amz-date",
            EMPTY_SHA256,
        ],
        &sts("dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"),
        &authz(
            "host;my-header1;x-amz-date",
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        ),
    );
    // Each value is still sent as its own header, in the given order.
    let secret = example_secret();
    let c = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: &secret,
        session_token: None,
    };
    let sent: Vec<(String, String)> = sign(&c, &r).headers;
    let want: Vec<(String, String)> = [
        ("host", HOST),
        ("My-Header1", "value2"),
        ("My-Header1", "value2"),
        ("My-Header1", "value1"),
        ("x-amz-date", DATE),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    assert_eq!(sent, want);
}

#[test]
fn post_vanilla() {
    check_plain(
        &suite_request("POST", "/", &[], &[], b""),
        ["POST", "/", ""],
        "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
}

#[test]
fn post_header_key_case() {
    // The suite sends "Host" and "X-Amz-Date" in mixed case; here the
    // caller also passes them mixed-case, and they are taken from the
    // request's own fields, so the result is the same as post-vanilla.
    check_plain(
        &suite_request(
            "POST",
            "/",
            &[],
            &[("Host", HOST), ("X-Amz-Date", DATE)],
            b"",
        ),
        ["POST", "/", ""],
        "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
}

#[test]
fn post_x_www_form_urlencoded() {
    check(
        None,
        &suite_request(
            "POST",
            "/",
            &[],
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"Param1=value1",
        ),
        &[
            "POST",
            "/",
            "",
            "content-type:application/x-www-form-urlencoded",
            "host:example.amazonaws.com",
            "x-amz-date:20150830T123600Z",
            "",
            "content-type;host;x-amz-date",
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        ],
        &sts("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
        &authz(
            "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
    );
}

#[test]
fn post_sts_header_before() {
    let token_line = format!("x-amz-security-token:{SUITE_TOKEN}");
    check(
        Some(SUITE_TOKEN),
        &suite_request("POST", "/", &[], &[], b""),
        &[
            "POST",
            "/",
            "",
            "host:example.amazonaws.com",
            "x-amz-date:20150830T123600Z",
            &token_line,
            "",
            "host;x-amz-date;x-amz-security-token",
            EMPTY_SHA256,
        ],
        &sts("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"),
        &authz(
            "host;x-amz-date;x-amz-security-token",
            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        ),
    );
}

#[test]
fn get_slash_dot_slash() {
    // normalize-path/get-slash-dot-slash: "/./" signs as "/".
    check_plain(
        &suite_request("GET", "/./", &[], &[], b""),
        ["GET", "/", ""],
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
}

#[test]
fn get_space() {
    // normalize-path/get-space: a space in the path is encoded as %20.
    check_plain(
        &suite_request("GET", "/example space/", &[], &[], b""),
        ["GET", "/example%20space/", ""],
        "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    );
}

#[test]
fn get_utf8() {
    // A UTF-8 path is encoded byte by byte.
    check_plain(
        &suite_request("GET", "/\u{1234}", &[], &[], b""),
        ["GET", "/%E1%88%B4", ""],
        "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    );
}

#[test]
fn iam_list_users_example() {
    // GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08
    let secret = example_secret();
    let c = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: &secret,
        session_token: None,
    };
    let r = Unsigned {
        method: "GET",
        host: "iam.amazonaws.com",
        path: "/",
        query: &[("Action", "ListUsers"), ("Version", "2010-05-08")],
        headers: &[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        body: b"",
        region: "us-east-1",
        service: "iam",
        amz_date: DATE,
    };
    let s = sign(&c, &r);
    assert_eq!(
        s.canonical_request,
        [
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            "content-type:application/x-www-form-urlencoded; charset=utf-8",
            "host:iam.amazonaws.com",
            "x-amz-date:20150830T123600Z",
            "",
            "content-type;host;x-amz-date",
            EMPTY_SHA256,
        ]
        .join("\n")
    );
    assert_eq!(
        hex(&Sha256::digest(s.canonical_request.as_bytes())),
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    assert_eq!(
        s.string_to_sign,
        [
            "AWS4-HMAC-SHA256",
            DATE,
            "20150830/us-east-1/iam/aws4_request",
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
        ]
        .join("\n")
    );
    assert_eq!(
        s.signature,
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    );
    assert_eq!(
        s.authorization,
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    );
}

#[test]
fn get_caller_identity_with_session_token() {
    let secret = example_secret();
    let token = "EXAMPLE-session-token/with+base64=";
    let c = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: &secret,
        session_token: Some(token),
    };
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let r = Unsigned {
        method: "POST",
        host: "sts.amazonaws.com",
        path: "/",
        query: &[],
        headers: &[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        body,
        region: "us-east-1",
        service: "sts",
        amz_date: DATE,
    };
    let s = sign(&c, &r);
    let lines: Vec<&str> = s.canonical_request.split('\n').collect();
    assert_eq!(lines[0], "POST");
    assert_eq!(lines[1], "/");
    assert_eq!(lines[2], "", "the query is empty: the token is a header");
    assert!(!lines[2].contains(token));
    assert!(lines.contains(&format!("x-amz-security-token:{token}").as_str()));
    let signed_headers = "content-type;host;x-amz-date;x-amz-security-token";
    assert_eq!(lines[lines.len() - 2], signed_headers);
    assert_eq!(lines[lines.len() - 1], hex(&Sha256::digest(body)));
    assert!(s
        .string_to_sign
        .contains("\n20150830/us-east-1/sts/aws4_request\n"));
    assert_eq!(
        s.authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders={signed_headers}, Signature={}",
            s.signature
        )
    );
    assert_eq!(s.signature.len(), 64);
    let names: Vec<&str> = s.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Content-Type", "host", "x-amz-date", "x-amz-security-token"]
    );
    assert!(s
        .headers
        .contains(&("x-amz-security-token".to_string(), token.to_string())));
}

#[test]
fn amz_date_from_unix_seconds() {
    assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
    assert_eq!(amz_date(0), "19700101T000000Z");
    assert_eq!(amz_date(-1), "19691231T235959Z");
    assert_eq!(amz_date(951_782_400), "20000229T000000Z");
    assert_eq!(amz_date(951_868_799), "20000229T235959Z");
    assert_eq!(amz_date(4_107_542_399), "21000228T235959Z");
    assert_eq!(amz_date(4_107_542_400), "21000301T000000Z");
}

#[test]
fn path_normalisation() {
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("//a//b/"), "/a/b/");
    assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
    assert_eq!(canonical_uri("/a/b/.."), "/a/");
    assert_eq!(canonical_uri("/.."), "/");
}

#[test]
fn query_encoding() {
    assert_eq!(
        canonical_query(&[("b", "a b"), ("a", "x/y=z"), ("a", "&")]),
        "a=%26&a=x%2Fy%3Dz&b=a%20b"
    );
}

#[test]
fn hmac_rfc4231() {
    // RFC 4231 test cases 2 (short key) and 6 (key longer than a block).
    assert_eq!(
        hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex(&hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}
