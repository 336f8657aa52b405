//! `--verify-host PROVIDER=URL` (and `LEAKSCAN_VERIFY_HOST`): where a self-hosted provider's
//! tokens are checked, GitHub Enterprise Server or a self-managed GitLab. Only the user sets
//! it, on the command line or in the environment; a scanned repository's config cannot.

use super::providers::{Host, Target, VERIFIERS};

/// The environment variable with the same `PROVIDER=URL` entries as the flag, separated by
/// commas or spaces.
pub const ENV_HOSTS: &str = "LEAKSCAN_VERIFY_HOST";

/// The servers given by `flags` and then the environment (`env`), one per provider; a flag
/// wins over the environment for the same provider.
pub fn parse_all(flags: &[String], env: Option<&str>) -> Result<Vec<(String, Target)>, String> {
    let mut out: Vec<(String, Target)> = Vec::new();
    let from_env = env
        .into_iter()
        .flat_map(|e| e.split([',', ' ', '\n', '\t']))
        .filter(|s| !s.trim().is_empty());
    for (spec, origin) in flags
        .iter()
        .map(|s| (s.as_str(), "--verify-host"))
        .chain(from_env.map(|s| (s, ENV_HOSTS)))
    {
        let (id, target) = parse(spec.trim()).map_err(|why| format!("{origin} {spec:?}: {why}"))?;
        if !out.iter().any(|(i, _)| *i == id) {
            out.push((id, target));
        }
    }
    Ok(out)
}

/// One `PROVIDER=https://host[:port][/path]`. GitHub's API lives under `/api/v3` on a
/// server (added unless given, or unless the host is an `api.` host, as GitHub Enterprise
/// Cloud with data residency has); GitLab's under the path given.
pub fn parse(spec: &str) -> Result<(String, Target), String> {
    let movable: Vec<&str> = VERIFIERS
        .iter()
        .filter(|v| {
            matches!(
                v.host,
                Host::Fixed {
                    self_hosted: Some(_),
                    ..
                }
            )
        })
        .map(|v| v.id)
        .collect();
    let (id, url) = spec.split_once('=').ok_or_else(|| {
        format!(
            "write PROVIDER=https://HOST, PROVIDER one of {}",
            movable.join(", ")
        )
    })?;
    let verifier = VERIFIERS
        .iter()
        .find(|v| v.id == id.trim())
        .ok_or_else(|| format!("unknown provider {id:?}; one of {}", movable.join(", ")))?;
    let Host::Fixed {
        self_hosted: Some(api),
        ..
    } = verifier.host
    else {
        return Err(format!(
            "{} has no self-hosted form; one of {}",
            verifier.id,
            movable.join(", ")
        ));
    };
    let rest = url
        .trim()
        .strip_prefix("https://")
        .ok_or("the server must be an https:// URL (a token is never sent in clear text)")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    let name_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !name_ok {
        return Err(
            "the host must be a name or address with an optional port, with no user info".into(),
        );
    }
    if path.contains(['?', '#', '@', '%', '\\']) || path.split('/').any(|s| s == "..") {
        return Err("the URL may have a path, but no query, fragment or escapes".into());
    }
    let base = if api.is_empty() || path.ends_with(api) || host.starts_with("api.") {
        path.to_string()
    } else {
        format!("{path}{api}")
    };
    Ok((
        verifier.id.to_string(),
        Target {
            host: host.to_ascii_lowercase(),
            base,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(spec: &str) -> (String, String, String) {
        let (id, t) = parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        (id, t.host, t.base)
    }

    #[test]
    fn servers_get_their_api_path() {
        for (spec, want) in [
            (
                "github=https://ghe.corp.example",
                ("github", "ghe.corp.example", "/api/v3"),
            ),
            (
                "github=https://ghe.corp.example:8443/api/v3/",
                ("github", "ghe.corp.example:8443", "/api/v3"),
            ),
            (
                "github=https://api.acme.ghe.com",
                ("github", "api.acme.ghe.com", ""),
            ),
            (
                "gitlab=https://git.corp.example/gitlab",
                ("gitlab", "git.corp.example", "/gitlab"),
            ),
        ] {
            let (id, host, base) = target(spec);
            assert_eq!((id.as_str(), host.as_str(), base.as_str()), want, "{spec}");
        }
    }

    #[test]
    fn bad_servers_are_refused() {
        for bad in [
            "github",
            "github=http://ghe.corp.example",
            "github=https://user:pw@ghe.corp.example",
            "github=https://ghe.corp.example/x?y=1",
            "github=https://ghe.corp.example/../x",
            "github=https://",
            "npm=https://registry.corp.example",
            "nobody=https://x.example",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_flag_wins_over_the_environment() {
        let all = parse_all(
            &["gitlab=https://a.example".to_string()],
            Some("gitlab=https://b.example, github=https://c.example"),
        )
        .unwrap_or_default();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].1.host, "a.example");
        assert_eq!(all[1].1.host, "c.example");
    }
}
