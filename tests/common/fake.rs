//! A provider stand-in: a real HTTP server on 127.0.0.1 that records every request and
//! answers as a test says, and the binary run against it (never the internet).

use super::{exit_code, leakscan, Tree};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request the fake server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// How the fake answers: status, headers, body, and a delay.
pub type Answer = (u16, Vec<(&'static str, String)>, String, Duration);

/// A provider stand-in on 127.0.0.1: every request is recorded and answered by `answer`
/// (given the URL and the request's headers). It stops when dropped.
pub struct Fake {
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl Fake {
    pub fn start(
        answer: impl Fn(&str, &[(String, String)]) -> Answer + Send + Sync + 'static,
    ) -> Fake {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (server.clone(), seen.clone());
        let answer = Arc::new(answer);
        let thread = std::thread::spawn(move || {
            // Bounded: the loop ends when the server is unblocked on drop, and no test sends
            // more than a few requests. Each request is answered on a thread of its own, so a
            // slow answer holds up no other.
            let mut answering = Vec::new();
            for _ in 0..1000 {
                let Ok(req) = s.recv() else { break };
                let (log, answer) = (log.clone(), answer.clone());
                answering.push(std::thread::spawn(move || {
                    let mut req = req;
                    let mut body = String::new();
                    // Bounded by what the test's own client sends.
                    let _ = std::io::Read::read_to_string(
                        &mut std::io::Read::take(req.as_reader(), 1 << 20),
                        &mut body,
                    );
                    let headers: Vec<(String, String)> = req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.to_string().to_ascii_lowercase(),
                                h.value.to_string(),
                            )
                        })
                        .collect();
                    let url = req.url().to_string();
                    log.lock().expect("log").push(Seen {
                        method: req.method().to_string(),
                        url: url.clone(),
                        headers: headers.clone(),
                        body,
                    });
                    let (status, extra, body, delay) = answer(&url, &headers);
                    std::thread::sleep(delay);
                    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
                    for (k, v) in extra {
                        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                            resp.add_header(h);
                        }
                    }
                    let _ = req.respond(resp);
                }));
            }
            for t in answering {
                let _ = t.join();
            }
        });
        Fake {
            server,
            seen,
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.server_addr())
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn ok(body: &str, headers: Vec<(&'static str, String)>) -> Answer {
    (200, headers, body.to_string(), Duration::ZERO)
}

pub fn status(code: u16, body: &str, headers: Vec<(&'static str, String)>) -> Answer {
    (code, headers, body.to_string(), Duration::ZERO)
}

/// The value of the (lower-case) header `name` of a request, or "".
pub fn header(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The bearer token a request carried.
pub fn bearer(headers: &[(String, String)]) -> String {
    header(headers, "authorization")
        .trim_start_matches("Bearer ")
        .to_string()
}

/// The requests `seen` sent to `url`.
pub fn to<'a>(seen: &'a [Seen], url: &str) -> Vec<&'a Seen> {
    seen.iter().filter(|s| s.url == url).collect()
}

/// No output of `r` names any of `secrets`.
pub fn leaks_none(r: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(!r.stdout.contains(s), "secret on stdout: {}", r.stdout);
        assert!(!r.stderr.contains(s), "secret on stderr: {}", r.stderr);
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `leakscan <args>` in `dir` with the test endpoint set to `fake` (if any) and no proxy or
/// verification settings from the environment running the tests.
pub fn run(dir: &Tree, fake: Option<&Fake>, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = leakscan();
    for v in [
        "LEAKSCAN_VERIFY",
        "LEAKSCAN_VERIFY_ENDPOINT",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    if let Some(f) = fake {
        c.env("LEAKSCAN_VERIFY_ENDPOINT", f.endpoint());
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c
        .current_dir(dir.path())
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run leakscan");
    Run {
        code: exit_code(&out.status),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn json(r: &Run) -> Vec<Value> {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}
