//! `leakscan revoke`: rescan, select findings (by fingerprint, rule, or live), list them
//! redacted, ask, revoke where the provider allows it, and say what is left to do by hand.
//! The secret is read from the files again, so it never passes through the command line, a
//! report or the shell history.

use super::scan;
use super::session::{net_options, Reporting};
use crate::cli::RevokeCmd;
use crate::finding::{redact, Finding};
use crate::report::Format;
use crate::triage;
use crate::verify::providers::Request;
use crate::verify::revoke::{self, How, Outcome};
use crate::verify::{self, Status};
use anyhow::{bail, Result};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

/// One credential to revoke: the findings that hold it, and how.
struct Target {
    findings: Vec<Finding>,
    how: How,
    outcome: Option<Outcome>,
}

impl Target {
    fn first(&self) -> &Finding {
        &self.findings[0]
    }
}

pub fn revoke(cmd: RevokeCmd) -> Result<u8> {
    if cmd.fingerprint.is_empty() && cmd.rule.is_empty() && !cmd.live {
        bail!("say what to revoke: --fingerprint FP, --rule ID, or --live with --verify (revocation cannot be undone, so there is no default)");
    }
    let Some(opts) = net_options(&cmd.net, cmd.dry_run, "revoke")? else {
        bail!(
            "{}=never forbids requests to providers, so nothing was revoked",
            verify::ENV_SWITCH
        );
    };
    let reporting = Reporting::internal(Format::Text, None, 1);
    let (session, outcome, not_scanned) =
        scan::gather(&cmd.paths, cmd.no_ignore, &cmd.input, reporting)?;
    scan::fail_on(&not_scanned)?;
    let broken = session.engine.broken_rules();
    if !broken.is_empty() {
        bail!(
            "rule {} failed to compile, so the rescan is incomplete; run `leakscan rules check`",
            broken.join(", ")
        );
    }
    let mut findings = outcome.findings;
    triage::sort_and_dedup(&mut findings);
    let mut selected = select(findings, &cmd)?;
    if cmd.live {
        if cmd.dry_run {
            eprintln!("leakscan revoke: --live in a dry run: nothing is verified, so every selected finding is listed");
        } else {
            let summary = verify::run(&mut selected, &opts);
            eprintln!("{}", summary.line());
            selected.retain(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == Status::Live)
            });
        }
    }
    let mut targets = group(selected, &opts);
    if targets.is_empty() {
        eprintln!("leakscan revoke: nothing to revoke");
        return Ok(0);
    }
    let mut out = std::io::stdout().lock();
    list(&mut out, &targets)?;
    let batches = github_batches(&targets);
    let own: Vec<&Request> = targets
        .iter()
        .filter_map(|t| match &t.how {
            How::Own(_, r) => Some(r),
            _ => None,
        })
        .collect();
    let requests = batches.len() + own.len();
    if cmd.dry_run {
        for r in batches.iter().chain(own.iter().copied()) {
            writeln!(out, "would send: {}", r.shown())?;
        }
        writeln!(
            out,
            "dry run: {requests} requests planned, none sent; nothing was revoked"
        )?;
        return Ok(0);
    }
    if requests > 0 && !cmd.yes {
        confirm(&targets)?;
    }
    send(&mut targets, &batches, &opts);
    reverify(&mut out, &targets, &opts)?;
    for (i, t) in targets.iter().enumerate() {
        let o = t.outcome.clone().unwrap_or(Outcome::NotSent("not_planned"));
        writeln!(
            out,
            "{}. {} {}: {}",
            i + 1,
            redact(&t.first().secret),
            places(t),
            o.describe()
        )?;
    }
    let done = targets
        .iter()
        .filter(|t| t.outcome.as_ref().is_some_and(Outcome::done))
        .count();
    eprintln!(
        "revoke: {} credentials: {done} revoked or submitted, {} left to revoke by hand; {requests} requests",
        targets.len(),
        targets.len() - done
    );
    Ok(if done == targets.len() { 0 } else { 1 })
}

/// The findings `cmd` selects: by fingerprint or rule (either), or all when only `--live`
/// is given, with every other finding of the same secret. A fingerprint that matches nothing is said; if nothing matches at all, it is an
/// error (a typo must not look like a clean run).
fn select(findings: Vec<Finding>, cmd: &RevokeCmd) -> Result<Vec<Finding>> {
    let fps: HashSet<&str> = cmd.fingerprint.iter().map(|s| s.trim()).collect();
    let rules: HashSet<&str> = cmd.rule.iter().map(String::as_str).collect();
    let everything = fps.is_empty() && rules.is_empty();
    let mut seen = HashSet::new();
    let chosen: HashSet<String> = findings
        .iter()
        .filter(|f| {
            let fp = [Some(&f.fingerprint), f.legacy_fingerprint.as_ref()]
                .into_iter()
                .flatten()
                .find(|fp| fps.contains(fp.as_str()));
            if let Some(fp) = fp {
                seen.insert(fp.clone());
            }
            everything || fp.is_some() || rules.contains(f.rule_id.as_str())
        })
        .map(|f| f.secret.clone())
        .collect();
    // A credential is one thing wherever it is written: every place of a chosen secret is
    // listed, since revoking it breaks them all.
    let selected: Vec<Finding> = findings
        .into_iter()
        .filter(|f| chosen.contains(&f.secret))
        .collect();
    let missing: Vec<&str> = fps
        .iter()
        .copied()
        .filter(|fp| !seen.contains(*fp))
        .collect();
    for fp in &missing {
        eprintln!("leakscan revoke: warning: no finding has fingerprint {fp} in the scanned paths");
    }
    if selected.is_empty() && !missing.is_empty() {
        bail!(
            "no finding matches the fingerprints given; scan the same paths the report came from"
        );
    }
    Ok(selected)
}

/// One target per distinct secret, in report order.
fn group(findings: Vec<Finding>, opts: &verify::Options) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for f in findings {
        match targets.iter_mut().find(|t| t.first().secret == f.secret) {
            Some(t) => t.findings.push(f),
            None => targets.push(Target {
                how: revoke::how(&f, opts),
                findings: vec![f],
                outcome: None,
            }),
        }
    }
    targets
}

/// `src/app.py:12, .env:3`.
fn places(t: &Target) -> String {
    let p: Vec<String> = t
        .findings
        .iter()
        .map(|f| format!("{}:{}", f.path, f.line))
        .collect();
    p.join(", ")
}

/// The list of what will be revoked, redacted.
fn list(out: &mut dyn Write, targets: &[Target]) -> std::io::Result<()> {
    let findings: usize = targets.iter().map(|t| t.findings.len()).sum();
    writeln!(
        out,
        "leakscan revoke: {} credentials selected ({findings} findings):",
        targets.len()
    )?;
    for (i, t) in targets.iter().enumerate() {
        let f = t.first();
        writeln!(
            out,
            "{}. {} {} at {} [fingerprint {}]",
            i + 1,
            f.rule_name,
            redact(&f.secret),
            places(t),
            f.fingerprint
        )?;
        let how = match &t.how {
            How::GithubBatch => {
                "GitHub's revocation API (POST https://api.github.com/credentials/revoke)"
                    .to_string()
            }
            How::Own(v, r) => format!("{} revokes it: {}", v.id, r.shown()),
            How::Manual(how) => format!("not by leakscan: {how}"),
        };
        writeln!(out, "   -> {how}")?;
    }
    Ok(())
}

/// GitHub's batched requests for the targets that go to its revocation API.
fn github_batches(targets: &[Target]) -> Vec<Request> {
    let secrets: Vec<&str> = targets
        .iter()
        .filter(|t| matches!(t.how, How::GithubBatch))
        .map(|t| t.first().secret.as_str())
        .collect();
    revoke::github_batches(&secrets)
}

/// Asks on the terminal; refuses where there is none.
fn confirm(targets: &[Target]) -> Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!("revocation cannot be undone: pass --yes to revoke without a terminal to confirm on; nothing was revoked");
    }
    let n = targets
        .iter()
        .filter(|t| !matches!(t.how, How::Manual(_)))
        .count();
    eprint!(
        "Revoke {n} credentials? This cannot be undone, and the provider may notify each token's owner. Type yes to go on: "
    );
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "yes" | "y" | "YES" | "Yes") {
        bail!("not confirmed; nothing was revoked");
    }
    Ok(())
}

/// Sends the batches and the tokens' own revocations, and sets every outcome.
fn send(targets: &mut [Target], batches: &[Request], opts: &verify::Options) {
    let started = std::time::Instant::now();
    let mut sender = Sender::new(opts);
    let batch_outcome: Vec<Outcome> = batches
        .iter()
        .map(|r| match sender.send(r, started) {
            Ok(answer) => revoke::read_batch(&answer),
            Err(why) => Outcome::Failed(why),
        })
        .collect();
    let mut in_batch = 0usize;
    for t in targets.iter_mut() {
        t.outcome = Some(match &t.how {
            How::GithubBatch => {
                let o = batch_outcome
                    .get(in_batch / revoke::BATCH)
                    .cloned()
                    .unwrap_or(Outcome::NotSent("not_planned"));
                in_batch += 1;
                o
            }
            How::Own(v, r) => match sender.send(r, started) {
                Ok(answer) => revoke::read_own(v, &answer),
                Err(why) => Outcome::Failed(why),
            },
            How::Manual(how) => Outcome::Manual(how.clone()),
        });
    }
}

/// Checks again what was revoked or submitted, where a verifier can, and says so.
fn reverify(out: &mut dyn Write, targets: &[Target], opts: &verify::Options) -> Result<()> {
    let mut again: Vec<Finding> = targets
        .iter()
        .filter(|t| {
            matches!(t.outcome, Some(Outcome::Submitted | Outcome::Revoked))
                && verify::providers::for_rule(&t.first().rule_id).is_some()
        })
        .map(|t| t.first().clone())
        .collect();
    if again.is_empty() {
        return Ok(());
    }
    let summary = verify::run(&mut again, opts);
    eprintln!("re-{}", summary.line());
    for f in &again {
        if let Some(v) = &f.verification {
            let note = if v.status == Status::Live {
                " (revocation can take a few minutes to reach every server; check again later)"
            } else {
                ""
            };
            writeln!(
                out,
                "re-verified {} {}:{}: {}{note}",
                redact(&f.secret),
                f.path,
                f.line,
                v.describe()
            )?;
        }
    }
    Ok(())
}

/// The transport, within the time budget.
struct Sender<'o> {
    opts: &'o verify::Options,
    #[cfg(feature = "verify")]
    client: verify::http::Client,
}

impl<'o> Sender<'o> {
    fn new(opts: &'o verify::Options) -> Sender<'o> {
        Sender {
            opts,
            #[cfg(feature = "verify")]
            client: verify::http::Client::new(opts.timeout, opts.test_endpoint.clone()),
        }
    }

    fn send(
        &mut self,
        r: &Request,
        started: std::time::Instant,
    ) -> Result<verify::providers::Response, &'static str> {
        let left = self.opts.budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err("budget_exhausted");
        }
        #[cfg(feature = "verify")]
        {
            self.client.send(r, self.opts.timeout.min(left))
        }
        #[cfg(not(feature = "verify"))]
        {
            let _ = r;
            Err("no_network")
        }
    }
}
