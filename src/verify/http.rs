//! The only code that opens a connection: an `ureq` agent that speaks https only, follows no
//! redirect, reads at most 64 KiB of body, honours `HTTPS_PROXY` / `NO_PROXY`, and says what
//! went wrong as a reason code (never ureq's error text, which holds the URL).

use super::providers::{Request, Response, MAX_BODY};
use std::time::Duration;

/// Sent with every request.
const USER_AGENT: &str = concat!(
    "leakscan/",
    env!("CARGO_PKG_VERSION"),
    " (secret verification; +https://github.com/leakscan/leakscan)"
);

/// Connection set-up never waits longer than this, whatever the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Client {
    agent: ureq::Agent,
    /// `LEAKSCAN_VERIFY_ENDPOINT`, already checked to be loopback.
    endpoint: Option<String>,
}

impl Client {
    pub fn new(timeout: Duration, endpoint: Option<String>) -> Client {
        let test = endpoint.is_some();
        let config = ureq::Agent::config_builder()
            .https_only(!test)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
            .timeout_global(Some(timeout))
            .user_agent(USER_AGENT)
            .max_response_header_size(64 << 10);
        // The loopback test server is never reached through a proxy; everything else honours
        // the proxy variables (ureq reads them by default).
        let config = if test { config.proxy(None) } else { config };
        Client {
            agent: config.build().into(),
            endpoint,
        }
    }

    /// Where `r` goes: the provider's https URL, or the test server with the provider's host
    /// as the first path segment (`/api.github.com/user`).
    pub fn url(&self, r: &Request) -> String {
        match &self.endpoint {
            Some(e) => format!("{e}/{}{}{}", r.host, r.base, r.path),
            None => format!("https://{}{}{}", r.host, r.base, r.path),
        }
    }

    /// Sends `r`, waiting at most `timeout`. An error is a reason code for `unknown`.
    pub fn send(&self, r: &Request, timeout: Duration) -> Result<Response, &'static str> {
        let url = self.url(r);
        let body = r.body.as_ref().map(|b| b.0.as_bytes());
        let result = match (r.method, body) {
            ("POST", Some(b)) => prepared(self.agent.post(&url), r, timeout).send(b),
            // Slack's auth.test and auth.revoke: a POST with no body.
            ("POST", None) => prepared(self.agent.post(&url), r, timeout).send_empty(),
            ("DELETE", _) => prepared(self.agent.delete(&url), r, timeout).call(),
            _ => prepared(self.agent.get(&url), r, timeout).call(),
        };
        let mut resp = result.map_err(reason)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(reason)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// `b` with the request's headers, its credential header and its time limit.
fn prepared<B>(
    mut b: ureq::RequestBuilder<B>,
    r: &Request,
    timeout: Duration,
) -> ureq::RequestBuilder<B> {
    for (k, v) in &r.headers {
        b = b.header(*k, v.as_str());
    }
    for (k, v) in &r.auth {
        b = b.header(*k, v.0.as_str());
    }
    b.config().timeout_global(Some(timeout)).build()
}

/// The reason code for a failed request.
fn reason(e: ureq::Error) -> &'static str {
    use ureq::Error as E;
    match e {
        E::Timeout(_) | E::BodyStalled => "timeout",
        E::Tls(_) | E::Rustls(_) | E::TlsRequired => "tls",
        E::ConnectProxyFailed(_) | E::InvalidProxyUrl => "proxy",
        E::BodyExceedsLimit(_) | E::LargeResponseHeader(..) => "unexpected_body",
        E::TooManyRedirects | E::RedirectFailed => "redirect",
        E::Io(ref io) if io.kind() == std::io::ErrorKind::TimedOut => "timeout",
        _ => "network",
    }
}
