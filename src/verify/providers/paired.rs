//! Credentials a check needs a second part for, which the rule captures next to the secret:
//! an AWS key pair (signed with SigV4 for STS), a Shopify token and its shop, an Atlassian
//! token with its site and e-mail, a Twilio auth token and its account SID, a Docker Hub
//! token and its username (a login, so only with `--verify-logins`).

use super::{
    shaped, text_at, usual, Ask, Host, Plan, Request, Response, Secret, Verdict, Verifier,
};
use crate::facts::aws;
use crate::verify::sigv4;
use crate::verify::Status;

pub const AWS: Verifier = Verifier {
    id: "aws",
    rules: &[
        "aws-secret-key-paired",
        "aws-secret-access-key",
        "aws-access-key-id",
    ],
    host: Host::fixed("sts.amazonaws.com"),
    endpoints: &[("POST", "/")],
    revokes: &[],
    plan: aws_plan,
    classify: aws_classify,
};

/// STS `GetCallerIdentity`: it needs no permission and cannot be denied, and changes nothing.
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn aws_plan(a: &Ask) -> Option<Plan> {
    let secret_shape = |s: &str| {
        shaped(s, 40..=40, |b| {
            b.is_ascii_alphanumeric() || b == b'/' || b == b'+'
        })
    };
    let key_id = if a.rule == "aws-access-key-id" {
        // The id alone is half a credential.
        return aws::key_class(a.secret).map(|_| Plan::Skip(Status::Skipped, "needs_pair"));
    } else {
        if !secret_shape(a.secret) {
            return None;
        }
        match a.part("key_id") {
            Some(id) => id,
            None => return Some(Plan::Skip(Status::Skipped, "needs_pair")),
        }
    };
    aws::key_class(key_id)?;
    if !(key_id.starts_with("AKIA") || key_id.starts_with("ASIA")) {
        return Some(Plan::Skip(Status::Skipped, "no_verifier"));
    }
    if aws::canary(key_id) {
        // Any call with a canary key raises the alarm of whoever planted it.
        return Some(Plan::Skip(Status::Skipped, "canary"));
    }
    let session = a.part("session_token");
    if key_id.starts_with("ASIA") && session.is_none() {
        // Temporary credentials are rejected without their session token.
        return Some(Plan::Skip(Status::Skipped, "needs_pair"));
    }
    if session.is_some_and(|t| {
        !shaped(t, 100..=2000, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'=')
        })
    }) {
        return None;
    }
    let creds = sigv4::Credentials {
        access_key_id: key_id,
        secret_access_key: a.secret,
        session_token: session,
    };
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let date = sigv4::amz_date(jiff::Timestamp::now().as_second());
    let signed = sigv4::sign(
        &creds,
        &sigv4::Unsigned {
            method: "POST",
            host: &a.to.host,
            path: "/",
            query: &[],
            headers: &[("Content-Type", content_type)],
            body: STS_BODY.as_bytes(),
            region: "us-east-1",
            service: "sts",
            amz_date: &date,
        },
    );
    let mut auth = vec![("Authorization", Secret(signed.authorization))];
    if let Some(t) = session {
        auth.push(("X-Amz-Security-Token", Secret(t.to_string())));
    }
    Some(Plan::Send(Request {
        method: "POST",
        host: a.to.host.clone(),
        base: a.to.base.clone(),
        path: "/",
        headers: vec![
            ("Accept", "application/json".to_string()),
            ("Content-Type", content_type.to_string()),
            ("X-Amz-Date", date),
        ],
        auth,
        body: Some(Secret(STS_BODY.to_string())),
    }))
}

fn aws_classify(_rule: &str, r: &Response) -> Verdict {
    let body = String::from_utf8_lossy(&r.body);
    let json = r.json();
    // JSON (asked for) or the default XML.
    let field = |name: &str| -> Option<String> {
        if let Some(j) = &json {
            let result = j
                .get("GetCallerIdentityResponse")
                .and_then(|x| x.get("GetCallerIdentityResult"));
            let error = j.get("Error");
            return result
                .and_then(|x| text_at(x, &[name]))
                .or_else(|| error.and_then(|e| text_at(e, &[name])));
        }
        let open = format!("<{name}>");
        let from = body.find(&open)? + open.len();
        let to = body[from..].find('<')? + from;
        Some(body[from..to].trim().to_string())
    };
    match r.status {
        200 => {
            let arn = field("Arn");
            let account = field("Account");
            let root = arn.as_deref().is_some_and(|a| a.ends_with(":root"));
            let mut v = Verdict::live().account(match (arn, account) {
                (Some(arn), Some(acc)) => Some(format!("{arn} (account {acc})")),
                (arn, acc) => arn.or(acc),
            });
            if root {
                // A root key can do anything in the account, and cannot be restricted.
                v.reason = "root_key";
            }
            v
        }
        400 | 403 => match field("Code").as_deref() {
            Some("InvalidClientTokenId") => Verdict::new(Status::Invalid, "unknown_key_id"),
            Some("SignatureDoesNotMatch") => Verdict::new(Status::Invalid, "secret_mismatch"),
            Some("ExpiredToken") => Verdict::new(Status::Expired, "provider"),
            Some("RequestExpired" | "SignatureExpired") => {
                Verdict::new(Status::Unknown, "clock_skew")
            }
            _ => Verdict::new(Status::Unknown, "unexpected_status"),
        },
        _ => usual(r, |_| Verdict::live()),
    }
}

pub const SHOPIFY: Verifier = Verifier {
    id: "shopify",
    rules: &[
        "shopify-access-token",
        "shopify-custom-app-token",
        "shopify-private-app-token",
    ],
    host: Host::Content {
        part: "shop",
        suffix: ".myshopify.com",
    },
    endpoints: &[("GET", "/admin/oauth/access_scopes.json")],
    revokes: &[],
    plan: |a| {
        let rest = a
            .secret
            .strip_prefix("shpat_")
            .or_else(|| a.secret.strip_prefix("shpca_"))
            .or_else(|| a.secret.strip_prefix("shppa_"))?;
        shaped(rest, 32..=32, |b| b.is_ascii_hexdigit()).then(|| {
            Plan::Send(a.to.request(
                "GET",
                "/admin/oauth/access_scopes.json",
                ("X-Shopify-Access-Token", Secret(a.secret.to_string())),
            ))
        })
    },
    classify: |_, r| {
        usual(r, |r| {
            let scopes = r.json().and_then(|b| {
                b.get("access_scopes")?
                    .as_array()
                    .map(|a| a.iter().filter_map(|s| text_at(s, &["handle"])).collect())
            });
            Verdict::live().scopes(scopes)
        })
    },
};

pub const ATLASSIAN: Verifier = Verifier {
    id: "atlassian",
    rules: &["atlassian-api-token"],
    host: Host::Content {
        part: "site",
        suffix: ".atlassian.net",
    },
    endpoints: &[("GET", "/rest/api/3/myself")],
    revokes: &[],
    plan: |a| {
        if !shaped(a.secret, 150..=300, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'=')
        }) {
            return None;
        }
        let Some(email) = a.part("email").filter(|e| plain_email(e)) else {
            return Some(Plan::Skip(Status::Skipped, "needs_pair"));
        };
        Some(Plan::Send(a.to.request(
            "GET",
            "/rest/api/3/myself",
            ("Authorization", Secret(basic(email, a.secret))),
        )))
    },
    classify: |_, r| match r.status {
        // Signed in, but not allowed this product.
        403 => Verdict::new(Status::Live, "restricted"),
        _ => usual(r, |r| {
            Verdict::live().account(r.json().and_then(|b| text_at(&b, &["accountId"])))
        }),
    },
};

pub const DOCKERHUB: Verifier = Verifier {
    id: "dockerhub",
    rules: &["dockerhub-pat"],
    host: Host::fixed("hub.docker.com"),
    endpoints: &[("POST", "/v2/auth/token")],
    revokes: &[],
    plan: |a| {
        let rest = a.secret.strip_prefix("dckr_pat_")?;
        if !shaped(rest, 27..=27, |b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
        }) {
            return None;
        }
        let Some(user) = a.part("username").filter(|u| {
            shaped(u, 2..=30, |b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
            })
        }) else {
            return Some(Plan::Skip(Status::Skipped, "needs_pair"));
        };
        if !a.logins {
            // Exchanging the token for a session is a sign-in the owner may be told of.
            return Some(Plan::Skip(Status::Skipped, "login_not_allowed"));
        }
        let body = serde_json::json!({ "identifier": user, "secret": a.secret }).to_string();
        Some(Plan::Send(Request {
            method: "POST",
            host: a.to.host.clone(),
            base: a.to.base.clone(),
            path: "/v2/auth/token",
            headers: vec![
                ("Accept", "application/json".to_string()),
                ("Content-Type", "application/json".to_string()),
            ],
            auth: Vec::new(),
            body: Some(Secret(body)),
        }))
    },
    // The answer's session token is read by nobody and dropped with the body.
    classify: |_, r| match r.status {
        200..=299 => Verdict::live(),
        400 | 401 | 403 => Verdict::new(Status::Invalid, "unauthorized"),
        _ => Verdict::new(Status::Unknown, "unexpected_status"),
    },
};

pub const TWILIO: Verifier = Verifier {
    id: "twilio",
    rules: &["twilio-auth-token"],
    host: Host::fixed("api.twilio.com"),
    endpoints: &[("GET", "/2010-04-01/Accounts.json")],
    revokes: &[],
    plan: |a| {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if !shaped(a.secret, 32..=32, lower_hex) {
            return None;
        }
        let Some(sid) = a.part("account_sid").filter(|s| {
            s.strip_prefix("AC")
                .is_some_and(|hex| shaped(hex, 32..=32, lower_hex))
        }) else {
            // An auth token signs in only with its account SID.
            return Some(Plan::Skip(Status::Skipped, "needs_pair"));
        };
        Some(Plan::Send(a.to.request(
            "GET",
            "/2010-04-01/Accounts.json",
            ("Authorization", Secret(basic(sid, a.secret))),
        )))
    },
    classify: |_, r| {
        usual(r, |r| {
            let account = r.json().and_then(|b| {
                let first = b.get("accounts")?.as_array()?.first()?.clone();
                text_at(&first, &["sid"])
            });
            Verdict::live().account(account)
        })
    },
};

/// `Basic base64(user:secret)`.
fn basic(user: &str, secret: &str) -> String {
    use std::fmt::Write;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let data = format!("{user}:{secret}");
    let mut out = String::from("Basic ");
    for chunk in data.as_bytes().chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= n {
                let _ = out.write_char(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A plain e-mail address: one `@`, a dotted domain, no spaces, quotes or control bytes.
fn plain_email(e: &str) -> bool {
    let Some((user, domain)) = e.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && e.len() <= 254
        && domain.contains('.')
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_base64_of_user_colon_secret() {
        assert_eq!(basic("a", "b"), "Basic YTpi");
        assert_eq!(basic("ab", "cd"), "Basic YWI6Y2Q=");
        assert_eq!(basic("abc", "de"), "Basic YWJjOmRl");
        assert_eq!(basic("me@x.io", "t"), "Basic bWVAeC5pbzp0");
    }

    #[test]
    fn emails_are_plain() {
        assert!(plain_email("dev.ops+jira@acme.example"));
        for bad in ["nobody", "@x.io", "a@b", "a b@x.io", "a@x.io\n", "a\"@x.io"] {
            assert!(!plain_email(bad), "{bad}");
        }
    }
}
