//! The verification run: plan one check per distinct secret, send them from a small pool of
//! workers (at most two in flight per host, within a time budget), and give every finding its
//! `verification`.

#[cfg(feature = "verify")]
use super::pool::send_all;
use super::providers::{self, Ask, Host, Plan, Request, Target, Verifier};
use super::{Options, Status, Verification};
use crate::finding::Finding;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// What a run did, for the summary line on stderr.
#[derive(Debug, Default)]
pub struct Summary {
    /// Distinct secrets by status.
    pub statuses: BTreeMap<Status, usize>,
    /// Unknown secrets by reason.
    pub unknown: BTreeMap<&'static str, usize>,
    /// Requests sent (planned, in a dry run), by host.
    pub requests: BTreeMap<String, usize>,
    pub dry_run: bool,
    pub elapsed: Duration,
}

impl Summary {
    /// `verify: 7 distinct secrets: 1 live, 2 dead (1 revoked, 1 invalid), 1 unknown (rate_limited), 3 skipped;
    /// 4 requests to 2 hosts (api.github.com 3, gitlab.com 1) in 0.4 s`.
    pub fn line(&self) -> String {
        let n = |s: Status| self.statuses.get(&s).copied().unwrap_or(0);
        let dead: Vec<String> = [Status::Expired, Status::Revoked, Status::Invalid]
            .into_iter()
            .filter(|&s| n(s) > 0)
            .map(|s| format!("{} {}", n(s), s.as_str()))
            .collect();
        let dead_total: usize = [Status::Expired, Status::Revoked, Status::Invalid]
            .into_iter()
            .map(n)
            .sum();
        let secrets: usize = self.statuses.values().sum();
        let mut s = format!(
            "verify: {secrets} distinct secrets: {} live, {dead_total} dead",
            n(Status::Live)
        );
        if !dead.is_empty() {
            s.push_str(&format!(" ({})", dead.join(", ")));
        }
        s.push_str(&format!(", {} unknown", n(Status::Unknown)));
        if !self.unknown.is_empty() {
            let why: Vec<String> = self
                .unknown
                .iter()
                .map(|(r, c)| format!("{c} {r}"))
                .collect();
            s.push_str(&format!(" ({})", why.join(", ")));
        }
        s.push_str(&format!(", {} skipped; ", n(Status::Skipped)));
        let total: usize = self.requests.values().sum();
        let hosts: Vec<String> = self
            .requests
            .iter()
            .map(|(h, c)| format!("{h} {c}"))
            .collect();
        if self.dry_run {
            s.push_str(&format!("dry run: {total} requests planned, none sent"));
        } else {
            s.push_str(&format!(
                "{total} requests to {} hosts",
                self.requests.len()
            ));
        }
        if !hosts.is_empty() {
            s.push_str(&format!(" ({})", hosts.join(", ")));
        }
        s.push_str(&format!(" in {:.1} s", self.elapsed.as_secs_f64()));
        s
    }
}

/// One distinct check: a verifier, the rule that found the secret, and the request.
pub(super) struct Check {
    pub verifier: &'static Verifier,
    pub rule: String,
    pub request: Request,
}

/// Verifies `findings` (already baselined, deduplicated and sorted: only what is reported)
/// and sets their `verification`.
pub fn run(findings: &mut [Finding], opts: &Options) -> Summary {
    let started = Instant::now();
    let mut checks: Vec<Check> = Vec::new();
    let mut index: HashMap<(&'static str, String, String), usize> = HashMap::new();
    let mut plan: Vec<Planned> = Vec::with_capacity(findings.len());
    for f in findings.iter() {
        plan.push(plan_one(f, opts, &mut checks, &mut index));
    }
    let mut summary = Summary {
        dry_run: opts.dry_run,
        ..Summary::default()
    };
    let results: Vec<Verification> = if opts.dry_run {
        for c in &checks {
            eprintln!(
                "verify (dry run): would send {} ({}, rule {})",
                c.request.shown(),
                c.verifier.id,
                c.rule
            );
        }
        checks
            .iter()
            .map(|c| planned(c, Verification::without_request(Status::Skipped, "dry_run")))
            .collect()
    } else {
        send_all(&checks, opts, started)
    };
    // Requests planned (a dry run) or sent: a check the budget never started sent none.
    for (c, v) in checks.iter().zip(&results) {
        if opts.dry_run || v.checked_at.is_some() {
            *summary.requests.entry(c.request.host.clone()).or_default() += 1;
        }
    }
    let mut counted = std::collections::HashSet::new();
    for (f, p) in findings.iter_mut().zip(plan) {
        let v = match p {
            Planned::Check(i) => results[i].clone(),
            Planned::Done(v) => v,
        };
        if counted.insert(f.secret.clone()) {
            *summary.statuses.entry(v.status).or_default() += 1;
            if v.status == Status::Unknown {
                *summary.unknown.entry(v.reason).or_default() += 1;
            }
        }
        f.verification = Some(v);
    }
    summary.elapsed = started.elapsed();
    summary
}

/// A finding's part in the run: a check (its index), or a verdict reached without one.
enum Planned {
    Check(usize),
    Done(Verification),
}

/// The check a finding needs, added to `checks` once per verifier, host and secret; or its
/// verdict when none is sent.
fn plan_one(
    f: &Finding,
    opts: &Options,
    checks: &mut Vec<Check>,
    index: &mut HashMap<(&'static str, String, String), usize>,
) -> Planned {
    // A signed expiry inside the token that has passed: nothing to ask.
    if let Some(t) = f
        .token
        .as_ref()
        .filter(|t| t.expired == Some(true) && !t.bound)
    {
        let mut v = Verification::without_request(Status::Expired, "offline_exp");
        v.expires_at = t.expires_at.clone();
        return Planned::Done(v);
    }
    let Some(verifier) = providers::for_rule(&f.rule_id) else {
        return Planned::Done(Verification::without_request(
            Status::Skipped,
            "no_verifier",
        ));
    };
    let with = |status, reason| {
        let mut v = Verification::without_request(status, reason);
        v.provider = Some(verifier.id);
        v
    };
    let to = match target(verifier, &f.parts, opts) {
        Ok(to) => to,
        Err(reason) => return Planned::Done(with(Status::Skipped, reason)),
    };
    let ask = Ask {
        rule: &f.rule_id,
        secret: &f.secret,
        parts: &f.parts,
        to: &to,
        logins: opts.logins,
    };
    match (verifier.plan)(&ask) {
        // Not the provider's exact token shape: never sent.
        None => Planned::Done(with(Status::Skipped, "shape_mismatch")),
        Some(Plan::Skip(status, reason)) => Planned::Done(with(status, reason)),
        Some(Plan::Send(request)) => {
            if !allowed(verifier.endpoints, &request, &to, &f.secret) {
                return Planned::Done(with(Status::Skipped, "not_allowed"));
            }
            let key = (verifier.id, to.host.clone(), f.secret.clone());
            let next = checks.len();
            let i = *index.entry(key).or_insert(next);
            if i == next {
                checks.push(Check {
                    verifier,
                    rule: f.rule_id.clone(),
                    request,
                });
            }
            Planned::Check(i)
        }
    }
}

/// Where `verifier`'s request for a finding with `parts` goes: its compiled-in host, the
/// `--verify-host` server given for it (then never the public host), or the host the rule
/// captured when it lies under the provider's own domain. `Err` is the reason it is skipped.
pub(super) fn target(
    verifier: &Verifier,
    parts: &[(String, String)],
    opts: &Options,
) -> Result<Target, &'static str> {
    match verifier.host {
        Host::Fixed { host, .. } => Ok(opts
            .hosts
            .iter()
            .find(|(id, _)| id == verifier.id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| Target {
                host: host.to_string(),
                base: String::new(),
            })),
        Host::Content { part, suffix } => {
            let value = providers::part(parts, part)
                .map(|v| v.trim().trim_end_matches('.').to_ascii_lowercase())
                .ok_or("needs_pair")?;
            // A bare handle (`SHOPIFY_SHOP=acme`) names `acme.myshopify.com`.
            let value = if value.contains('.') {
                value
            } else {
                format!("{value}{suffix}")
            };
            if !providers::content_host(&value, suffix) {
                return Err("host_refused");
            }
            Ok(Target {
                host: value,
                base: String::new(),
            })
        }
    }
}

/// True when `request` is one of `endpoints` (a verifier's, or its revocations), to the target,
/// with no part of the secret in the URL.
pub(super) fn allowed(
    endpoints: &[(&str, &str)],
    request: &Request,
    to: &Target,
    secret: &str,
) -> bool {
    endpoints.contains(&(request.method, request.path))
        && request.host == to.host
        && request.base == to.base
        && request.url_free_of(secret)
}

/// `v` with the check's provider and request filled in.
pub(super) fn planned(c: &Check, mut v: Verification) -> Verification {
    v.provider = Some(c.verifier.id);
    v.request = Some(c.request.shown());
    v
}

/// Without the network code, nothing can be sent.
#[cfg(not(feature = "verify"))]
fn send_all(checks: &[Check], _: &Options, _: Instant) -> Vec<Verification> {
    checks
        .iter()
        .map(|c| {
            planned(
                c,
                Verification::without_request(Status::Skipped, "no_network"),
            )
        })
        .collect()
}
