//! The fields of an Azure shared access signature (SAS) that say what it may do and for how
//! long: `se` (expiry), `st` (start), `sp` (permissions), `ss` (services), `srt` (resource
//! types), `sr` (resource), `sip` (allowed IPs), `spr` (protocols) and `si` (a stored access
//! policy). The signature `sig` is never kept.

use super::{clean, parse_time};

/// The most characters of one value kept.
const MAX_VALUE: usize = 100;

/// What a SAS query string says about itself. Values are percent-decoded, cut to 100
/// characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sas {
    /// When it expires (`se`), in seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// When it starts to be valid (`st`), in seconds since the Unix epoch.
    pub starts_at: Option<i64>,
    /// The permission letters (`sp`), as written.
    pub permissions: Option<String>,
    /// What the permission letters mean, each once, in the order written. Letters not known
    /// here are left out.
    pub permission_names: Vec<&'static str>,
    /// The services of an account SAS (`ss`): `b` blob, `f` file, `q` queue, `t` table.
    pub services: Option<String>,
    /// The resource types of an account SAS (`srt`): `s` service, `c` container, `o` object.
    pub resource_types: Option<String>,
    /// The resource of a service SAS (`sr`): `b` blob, `c` container, `d` directory, `f`
    /// file, `s` share.
    pub resource: Option<String>,
    /// The IP address or range it may be used from (`sip`).
    pub ip: Option<String>,
    /// The protocols it may be used over (`spr`): `https` or `https,http`.
    pub protocol: Option<String>,
    /// Whether it names a stored access policy (`si`). Then the policy, which the
    /// storage account holds and can change, may set the expiry and permissions instead.
    pub stored_policy: bool,
}

/// The facts of `text`, a SAS query string or a URL holding one. Parameters are separated
/// by `&` or `&amp;`; the first of a repeated one counts. `None` when it has neither a `sig`
/// nor an `sv` (the signed version every SAS carries).
pub fn parse(text: &str) -> Option<Sas> {
    let query = text.split_once('?').map_or(text, |(_, q)| q);
    let mut sas = Sas {
        expires_at: None,
        starts_at: None,
        permissions: None,
        permission_names: Vec::new(),
        services: None,
        resource_types: None,
        resource: None,
        ip: None,
        protocol: None,
        stored_policy: false,
    };
    let (mut signed, mut versioned) = (false, false);
    let mut expires = None;
    let mut starts = None;
    for pair in query.split('&') {
        let pair = pair.strip_prefix("amp;").unwrap_or(pair);
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match key.to_ascii_lowercase().as_str() {
            "sig" => {
                signed = true;
                continue;
            }
            "sv" => {
                versioned = true;
                continue;
            }
            "si" => {
                sas.stored_policy = true;
                continue;
            }
            "se" => &mut expires,
            "st" => &mut starts,
            "sp" => &mut sas.permissions,
            "ss" => &mut sas.services,
            "srt" => &mut sas.resource_types,
            "sr" => &mut sas.resource,
            "sip" => &mut sas.ip,
            "spr" => &mut sas.protocol,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(clean(&percent_decode(raw), MAX_VALUE));
        }
    }
    if !signed && !versioned {
        return None;
    }
    sas.expires_at = expires.as_deref().and_then(parse_time);
    sas.starts_at = starts.as_deref().and_then(parse_time);
    if let Some(letters) = &sas.permissions {
        // `p` is "process" for queue messages (an account SAS, or a queue's, which has no
        // `sr`) and "permissions" (set an ACL) for blobs, directories and files.
        let process = sas.services.is_some() || sas.resource.is_none();
        for letter in letters.chars() {
            let name = match letter {
                'p' if process => Some("process"),
                _ => permission(letter),
            };
            if let Some(name) = name.filter(|n| !sas.permission_names.contains(n)) {
                sas.permission_names.push(name);
            }
        }
    }
    Some(sas)
}

/// What one permission letter of `sp` means, per Microsoft's SAS documentation.
fn permission(letter: char) -> Option<&'static str> {
    Some(match letter {
        'r' => "read",
        'a' => "add",
        'c' => "create",
        'w' => "write",
        'd' => "delete",
        'x' => "delete version",
        'y' => "permanent delete",
        'l' => "list",
        't' => "tags",
        'f' => "filter",
        'm' => "move",
        'e' => "execute",
        'o' => "ownership",
        'p' => "permissions",
        'u' => "update",
        'i' => "set immutability policy",
        _ => return None,
    })
}

/// `%XX` escapes decoded; a `%` not followed by two hex digits is kept as it is. Bytes that
/// are not UTF-8 become U+FFFD.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&c| (c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2026-01-01T00:00:00Z\
        &st=2025-01-01T00:00:00Z&spr=https&sig=c2lnbmF0dXJl%2Bbm90LXJlYWw%3D";

    #[test]
    fn reads_an_account_sas() {
        let sas = parse(ACCOUNT).unwrap();
        assert_eq!(sas.expires_at, Some(1_767_225_600));
        assert_eq!(sas.starts_at, Some(1_735_689_600));
        assert_eq!(sas.permissions.as_deref(), Some("rwdlac"));
        assert_eq!(
            sas.permission_names,
            ["read", "write", "delete", "list", "add", "create"]
        );
        assert_eq!(sas.services.as_deref(), Some("b"));
        assert_eq!(sas.resource_types.as_deref(), Some("sco"));
        assert_eq!((sas.resource, sas.ip), (None, None));
        assert_eq!(sas.protocol.as_deref(), Some("https"));
        assert!(!sas.stored_policy);
        assert!(!format!("{:?}", parse(ACCOUNT)).contains("c2ln"));
    }

    #[test]
    fn reads_a_url_escaped_and_in_html() {
        let url = "https://acct.blob.core.windows.net/c/b.txt?sp=racwdxyltmeopi&amp;st=2026-01-01\
            &amp;se=2026-01-01T00%3A00Z&amp;sip=10.0.0.1-10.0.0.9&amp;spr=https%2Chttp\
            &amp;sv=2022-11-02&amp;sr=b&amp;sig=AAAA";
        let sas = parse(url).unwrap();
        assert_eq!(sas.starts_at, Some(1_767_225_600));
        assert_eq!(sas.expires_at, Some(1_767_225_600));
        assert_eq!(sas.ip.as_deref(), Some("10.0.0.1-10.0.0.9"));
        assert_eq!(sas.protocol.as_deref(), Some("https,http"));
        assert_eq!(sas.resource.as_deref(), Some("b"));
        assert_eq!(sas.permission_names.len(), 14);
        assert!(sas.permission_names.contains(&"permissions"));
        assert!(sas.permission_names.contains(&"set immutability policy"));
    }

    #[test]
    fn a_stored_policy_may_hold_the_expiry() {
        let sas = parse("sv=2022-11-02&si=policy-1&sr=c&sig=AAAA").unwrap();
        assert!(sas.stored_policy);
        assert_eq!((sas.expires_at, sas.permissions), (None, None));
        assert!(sas.permission_names.is_empty());
    }

    #[test]
    fn p_means_process_for_queues() {
        let queue = parse("sv=2022-11-02&sp=raup&se=2026-01-01&sig=A").unwrap();
        assert_eq!(queue.permission_names, ["read", "add", "update", "process"]);
        let account = parse("sv=2022-11-02&ss=q&srt=o&sp=p&sig=A").unwrap();
        assert_eq!(account.permission_names, ["process"]);
        let dir = parse("sv=2022-11-02&sr=d&sp=rrpZq&sig=A").unwrap();
        assert_eq!(dir.permission_names, ["read", "permissions"]);
        assert_eq!(dir.permissions.as_deref(), Some("rrpZq"));
    }

    #[test]
    fn needs_sig_or_sv() {
        assert!(parse("sig=AAAA").is_some());
        assert!(parse("sv=2022-11-02").is_some());
        assert!(parse("SV=2022-11-02").is_some());
        for bad in [
            "",
            "?",
            "&&&",
            "se=2026-01-01&sp=r",
            "signature=x&sve=1",
            "=&==",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hostile_values_are_capped_or_dropped() {
        let long = format!(
            "sv=1&sp={}&sip={}&se=2026-01-01T00:00:00Z{}",
            "r".repeat(1 << 20),
            "%41".repeat(1000),
            "9".repeat(1 << 20)
        );
        let sas = parse(&long).unwrap();
        assert_eq!(sas.permissions.as_deref().map(str::len), Some(MAX_VALUE));
        assert_eq!(sas.permission_names, ["read"]);
        assert_eq!(sas.ip.unwrap(), "A".repeat(MAX_VALUE));
        assert_eq!(sas.expires_at, None);
        let odd =
            parse("sv=1&ss=%&srt=%4&sr=%zz%e9%0a%1b&spr=%E2%82%AC&se=not-a-date&st=").unwrap();
        assert_eq!(odd.services.as_deref(), Some("%"));
        assert_eq!(odd.resource_types.as_deref(), Some("%4"));
        assert_eq!(odd.resource.as_deref(), Some("%zz\u{fffd}"));
        assert_eq!(odd.protocol.as_deref(), Some("€"));
        assert_eq!((odd.expires_at, odd.starts_at), (None, None));
        let first = parse("sv=1&sp=r&sp=rwd&se=2026-01-01&se=2099-01-01").unwrap();
        assert_eq!(first.permissions.as_deref(), Some("r"));
        assert_eq!(first.expires_at, Some(1_767_225_600));
        let amps = "&amp;".repeat(1 << 18);
        assert_eq!(parse(&amps), None);
    }
}
