//! Sending the checks: a few workers, at most two requests in flight per host, a time
//! budget, and one retry after a short `Retry-After`.

use super::http::Client;
use super::providers;
use super::run::{planned, Check};
use super::{Options, Status, Verification};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// At most this many requests to one host at a time.
const PER_HOST: usize = 2;

/// A rate-limited answer is retried once, after its `Retry-After`, if that is at most this.
const MAX_RETRY_WAIT: u64 = 30;

/// The verification of each check, in order.
pub(super) fn send_all(checks: &[Check], opts: &Options, started: Instant) -> Vec<Verification> {
    let client = Client::new(opts.timeout, opts.test_endpoint.clone());
    let deadline = started + opts.budget;
    let gate = HostGate::default();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verification>>> = Mutex::new(vec![None; checks.len()]);
    let workers = opts.workers.clamp(1, 16).min(checks.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = checks.get(i) else { break };
                let mut v = planned(c, check(&client, c, opts, deadline, &gate));
                v.test_endpoint = opts.test_endpoint.is_some();
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(v);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    results
        .into_iter()
        .zip(checks)
        .map(|(r, c)| {
            r.unwrap_or_else(|| {
                planned(
                    c,
                    Verification::without_request(Status::Unknown, "internal"),
                )
            })
        })
        .collect()
}

/// One check: the request, and one retry after a short `Retry-After`.
fn check(
    client: &Client,
    c: &Check,
    opts: &Options,
    deadline: Instant,
    gate: &HostGate,
) -> Verification {
    let unknown = |reason| Verification::without_request(Status::Unknown, reason);
    let mut retried = false;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return unknown("budget_exhausted");
        }
        let timeout = opts.timeout.min(deadline - now);
        let answer = {
            let _slot = gate.enter(&c.request.host);
            client.send(&c.request, timeout)
        };
        let checked_at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
            .ok()
            .map(|t| t.to_string());
        let response = match answer {
            Ok(r) => r,
            Err(reason) => {
                let mut v = unknown(reason);
                v.checked_at = checked_at;
                return v;
            }
        };
        let verdict = providers::classify(c.verifier, &c.rule, &response);
        if verdict.reason == "rate_limited" && !retried {
            if let Some(wait) = response.retry_after().filter(|&w| w <= MAX_RETRY_WAIT) {
                let wait = Duration::from_secs(wait);
                if Instant::now() + wait < deadline {
                    retried = true;
                    std::thread::sleep(wait);
                    continue;
                }
            }
        }
        return Verification {
            status: verdict.status,
            reason: verdict.reason,
            provider: None,
            request: None,
            scopes: verdict.scopes,
            expires_at: verdict.expires_at,
            account: verdict.account,
            checked_at,
            test_endpoint: false,
        };
    }
}

/// Requests in flight, by host.
#[derive(Default)]
struct HostGate {
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// A slot of a host, given back when dropped.
struct Slot<'g> {
    gate: &'g HostGate,
    host: String,
}

impl HostGate {
    /// Waits until `host` has fewer than [`PER_HOST`] requests in flight, and takes a slot.
    fn enter(&self, host: &str) -> Slot<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while busy.get(host).copied().unwrap_or(0) >= PER_HOST {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy.entry(host.to_string()).or_default() += 1;
        Slot {
            gate: self,
            host: host.to_string(),
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut busy = self.gate.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = busy.get_mut(&self.host) {
            *n = n.saturating_sub(1);
        }
        self.gate.freed.notify_all();
    }
}
