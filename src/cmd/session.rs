//! What every scanning command shares. Set-up: the config (found by the anchor rules), the
//! engine, the baseline, the limits. Finish: the baseline, sort, report and summary, and the
//! exit code. A command only wires its source between the two.

use crate::cli::{ColorChoice, CommonArgs, InputArgs, NetArgs, RuleArgs, VerifyArgs};
use crate::config::Config;
use crate::decode::{self, Decoder};
use crate::engine::Engine;
use crate::report::{self, summary, Format};
use crate::rules;
use crate::source::anchor::ConfigChoice;
use crate::source::{self, Policy, SourceStats};
use crate::triage::{self, Baseline, Outcome};
use crate::verify;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Default `--max-file-size`: 100 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// How a command reports: everything `finish` needs beyond the outcome.
#[derive(Debug, Clone)]
pub struct Reporting {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub show_secrets: bool,
    pub exit_code: u8,
    pub color: ColorChoice,
    pub baseline: Option<PathBuf>,
    /// `--verify`, when asked for and allowed.
    pub verify: Option<verify::Options>,
    /// `--verify-baseline`: baselined findings are verified too.
    pub verify_baseline: bool,
    /// `--exit-code-live`: the exit code when a token is live (and 0 otherwise).
    pub exit_code_live: Option<u8>,
    /// `--rule` / `--disable-rule`: which rules run.
    pub rules: RuleArgs,
}

impl Reporting {
    /// A report for leakscan's own use: no colour, no baseline, no verification, secrets
    /// redacted, all rules (`baseline` writes one; `revoke` reads its findings).
    pub fn internal(format: Format, output: Option<PathBuf>, exit_code: u8) -> Reporting {
        Reporting {
            format,
            output,
            show_secrets: false,
            exit_code,
            color: ColorChoice::Never,
            baseline: None,
            verify: None,
            verify_baseline: false,
            exit_code_live: None,
            rules: RuleArgs::default(),
        }
    }

    pub fn of(common: &CommonArgs) -> Reporting {
        Reporting {
            format: common.format,
            output: common.output.clone(),
            show_secrets: common.show_secrets,
            exit_code: common.exit_code,
            color: common.color,
            baseline: common.baseline.clone(),
            verify: None,
            verify_baseline: false,
            exit_code_live: None,
            rules: common.rules.clone(),
        }
    }

    /// With the verification `--verify` / `--verify-dry-run` ask for. `LEAKSCAN_VERIFY=never`
    /// turns it off (said on stderr); a test endpoint that is not loopback, or a build without
    /// network code, is an error.
    pub fn verifying(mut self, a: &VerifyArgs) -> Result<Reporting> {
        if !a.verify && !a.verify_dry_run {
            return Ok(self);
        }
        self.verify = net_options(&a.net, a.verify_dry_run, "--verify")?;
        self.verify_baseline = a.verify_baseline && self.verify.is_some();
        self.exit_code_live = a.exit_code_live.filter(|_| self.verify.is_some());
        Ok(self)
    }
}

/// The options of requests to providers (`--verify`, `revoke`), or `None` when
/// `LEAKSCAN_VERIFY=never` forbids them (said on stderr). A test endpoint that is not
/// loopback, a bad `--verify-host`, or a build without network code (unless `dry_run`) is an
/// error.
pub fn net_options(a: &NetArgs, dry_run: bool, flag: &str) -> Result<Option<verify::Options>> {
    if verify::forbidden_by_env() {
        eprintln!(
            "leakscan: requests to providers are off: {}=never overrides {flag}",
            verify::ENV_SWITCH
        );
        return Ok(None);
    }
    if !cfg!(feature = "verify") && !dry_run {
        bail!("{flag}: this leakscan was built without the `verify` feature, so it cannot make requests; use a default build");
    }
    let test_endpoint = match std::env::var(verify::ENV_ENDPOINT) {
        Ok(v) if !v.is_empty() => {
            let e = verify::test_endpoint(&v).map_err(anyhow::Error::msg)?;
            eprintln!(
                "leakscan: warning: {}={e}: every request goes to that test server, not to the providers",
                verify::ENV_ENDPOINT
            );
            Some(e)
        }
        _ => None,
    };
    if a.verify_timeout == 0 || a.verify_workers == 0 {
        bail!("--verify-timeout and --verify-workers must be at least 1");
    }
    let env_hosts = std::env::var(verify::hosts::ENV_HOSTS).ok();
    let hosts = verify::hosts::parse_all(&a.verify_host, env_hosts.as_deref())
        .map_err(anyhow::Error::msg)?;
    Ok(Some(verify::Options {
        dry_run,
        timeout: Duration::from_secs(a.verify_timeout),
        budget: Duration::from_secs(a.verify_budget),
        workers: a.verify_workers,
        test_endpoint,
        hosts,
        logins: a.verify_logins,
    }))
}

/// A scanning command's set-up, used from start to finish.
pub struct Session {
    pub cfg: Config,
    pub engine: Engine,
    pub baseline: Baseline,
    pub max_file_size: u64,
    /// How far the decoding stage goes.
    pub limits: decode::Limits,
    pub threads: usize,
    pub quiet: bool,
    pub verbose: bool,
    /// `--stats FILE`.
    pub stats: Option<PathBuf>,
    pub reporting: Reporting,
    /// `-o`, opened (not yet truncated) before the scan, so that a path that cannot be
    /// written fails before the work, not after it.
    output: Option<std::fs::File>,
    started: Instant,
    /// The same moment on the wall clock, for reports that carry scan times.
    started_at: i64,
}

impl Session {
    /// Loads the baseline first (a bad file fails fast, exit 2), then the chosen config, and
    /// builds the engine.
    pub fn new(input: &InputArgs, reporting: Reporting, config: ConfigChoice) -> Result<Session> {
        let started = Instant::now();
        let baseline = match &reporting.baseline {
            Some(p) => Baseline::load(p).map_err(anyhow::Error::msg)?,
            None => Baseline::default(),
        };
        let mut cfg = load_config(&config)?;
        let engine = build_engine_with(&mut cfg, &reporting.rules)?;
        let max_file_size = input
            .max_file_size
            .or(cfg.limits.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE);
        let mut limits = decode::Limits {
            archives: !input.no_archives,
            max_member_size: max_file_size,
            ..decode::Limits::default()
        };
        cfg.limits.apply(&mut limits);
        let output = match &reporting.output {
            Some(p) => Some(open_output(p, reporting.show_secrets)?),
            None => None,
        };
        let threads = super::threads::from_flag(input.threads);
        Ok(Session {
            cfg,
            engine,
            baseline,
            max_file_size,
            limits,
            threads,
            quiet: input.quiet,
            verbose: input.verbose,
            stats: input.stats.clone(),
            reporting,
            output,
            started,
            started_at: jiff::Timestamp::now().as_second(),
        })
    }

    /// Refuses `-o` naming one of `inputs` (the canonical paths a scan was given): the
    /// report would overwrite what it reports on. Returns the report's canonical path, so
    /// that a walk can leave the report itself out when it lies in a scanned directory.
    pub fn check_output_against<'p>(
        &self,
        inputs: impl IntoIterator<Item = &'p std::path::Path>,
    ) -> Result<Option<PathBuf>> {
        let Some(out) = self.reporting.output.as_ref() else {
            return Ok(None);
        };
        let Ok(out_c) = std::fs::canonicalize(out) else {
            return Ok(None);
        };
        if !out_c.is_file() {
            return Ok(None); // /dev/stdout, a pipe: nothing of the scan to overwrite
        }
        for p in inputs {
            if p == out_c {
                bail!(
                    "-o {}: that is a file being scanned, and the report would overwrite it; write the report elsewhere",
                    out.display()
                );
            }
        }
        Ok(Some(out_c))
    }

    /// The policy every source applies, over `stats`.
    pub fn policy<'a>(
        &'a self,
        stats: &'a SourceStats,
        allowlisted: &'a (dyn Fn(&str) -> bool + Sync),
    ) -> Policy<'a> {
        Policy {
            max_file_size: self.max_file_size,
            allowlisted,
            stats,
            verbose: self.verbose,
            archives: self.limits.archives,
        }
    }

    /// The decoding stage over `stats`.
    pub fn decoder<'a>(&'a self, stats: &'a SourceStats) -> Decoder<'a> {
        Decoder::new(&self.engine, self.limits.clone(), stats)
    }

    /// True when the config allowlists a reported path.
    pub fn path_allowlisted(&self, path: &str) -> bool {
        self.cfg.allowlist.path_allowed(path)
    }

    /// Applies the baseline, sorts, reports the outcome and returns the exit code.
    pub fn finish(&self, outcome: &mut Outcome) -> Result<u8> {
        let settled = self.settle(outcome)?;
        let (mut w, target) = self.sink()?;
        let mut warn_limit = |msg: String| source::warn(&msg);
        report::write(
            &mut w,
            self.reporting.format,
            &outcome.findings,
            self.report_options(),
            &mut warn_limit,
        )
        .with_context(|| format!("writing the report to {target}"))?;
        drop(w);
        self.conclude(outcome, &settled)
    }

    /// What comes between the scan and the report: the baseline, sorting and dedup, and
    /// verification of what is reported (and, with --verify-baseline, of what the baseline
    /// suppressed, which is returned apart).
    pub fn settle(&self, outcome: &mut Outcome) -> Result<Settled> {
        let broken = self.engine.broken_rules();
        if !broken.is_empty() {
            bail!(
                "rule {} failed to compile, so the scan is incomplete; run `leakscan rules check` for the reason",
                broken.join(", ")
            );
        }
        let mut baselined = self
            .baseline
            .apply(&mut outcome.findings, &mut outcome.suppressed);
        triage::sort_and_dedup(&mut outcome.findings);
        let r = &self.reporting;
        // Only what is reported is verified (after allowlists, the baseline and dedup), and
        // with --verify-baseline what the baseline suppressed, in the same run.
        if !r.verify_baseline {
            baselined.clear();
        }
        triage::sort_and_dedup(&mut baselined);
        let reported = outcome.findings.len();
        outcome.findings.append(&mut baselined);
        let verified = r
            .verify
            .as_ref()
            .map(|v| verify::run(&mut outcome.findings, v));
        let baselined = outcome.findings.split_off(reported);
        Ok(Settled {
            baselined,
            verified,
        })
    }

    /// How reports render in this session.
    pub fn report_options(&self) -> report::Options {
        let r = &self.reporting;
        let color = match r.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                r.output.is_none()
                    && r.format == Format::Text
                    && anstream::AutoStream::choice(&std::io::stdout())
                        != anstream::ColorChoice::Never
            }
        };
        report::Options {
            show_secrets: r.show_secrets,
            color,
            started_at: self.started_at,
        }
    }

    /// Where the report goes (`-o`, truncated only now, or stdout), and its name for errors.
    pub fn sink(&self) -> Result<(std::io::BufWriter<Box<dyn Write>>, String)> {
        let (sink, target): (Box<dyn Write>, String) = match (&self.reporting.output, &self.output)
        {
            (Some(path), Some(file)) => {
                let file = file
                    .try_clone()
                    .with_context(|| format!("cannot write the report to {}", path.display()))?;
                // Truncated only now: a scan that failed leaves an earlier report intact.
                truncate(&file, path)?;
                (Box::new(file), path.display().to_string())
            }
            _ => (Box::new(std::io::stdout().lock()), "stdout".to_string()),
        };
        Ok((std::io::BufWriter::new(sink), target))
    }

    /// After the report: the summary lines, the stats file, and the exit code.
    pub fn conclude(&self, outcome: &Outcome, settled: &Settled) -> Result<u8> {
        let r = &self.reporting;
        let live = |fs: &[crate::finding::Finding]| {
            fs.iter()
                .filter(|f| {
                    f.verification
                        .as_ref()
                        .is_some_and(|v| v.status == verify::Status::Live)
                })
                .count()
        };
        let elapsed = self.started.elapsed();
        if !self.quiet {
            eprintln!("{}", summary::line(outcome, elapsed));
            if let Some(v) = &settled.verified {
                eprintln!("{}", v.line());
            }
        }
        let baselined = &settled.baselined;
        if r.verify_baseline {
            // Said even with --quiet: a live baselined token is a leak the gate hides.
            eprintln!("{}", baselined_line(baselined, live(baselined)));
        }
        if let Some(path) = &self.stats {
            let text = serde_json::to_string_pretty(&summary::json(outcome, elapsed))?;
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write the stats to {}", path.display()))?;
        }
        let any_live = live(&outcome.findings) + live(baselined) > 0;
        Ok(match r.exit_code_live {
            Some(code) if any_live => code,
            Some(_) => 0,
            None if outcome.findings.is_empty() => 0,
            None => r.exit_code,
        })
    }
}

/// What [`Session::settle`] leaves beside the reported findings.
pub struct Settled {
    /// With --verify-baseline: the findings the baseline suppressed, verified.
    pub baselined: Vec<crate::finding::Finding>,
    /// The verification summary, with --verify.
    pub verified: Option<verify::Summary>,
}

/// `verify-baseline: 2 of 5 baselined findings are still live (…); revoke them: …`.
fn baselined_line(baselined: &[crate::finding::Finding], live: usize) -> String {
    if live == 0 {
        return format!(
            "verify-baseline: none of {} baselined findings is live",
            baselined.len()
        );
    }
    let fps: Vec<&str> = baselined
        .iter()
        .filter(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == verify::Status::Live)
        })
        .map(|f| f.fingerprint.as_str())
        .collect();
    let places: Vec<String> = baselined
        .iter()
        .filter(|f| fps.contains(&f.fingerprint.as_str()))
        .map(|f| format!("{} {}:{}", f.rule_id, f.path, f.line))
        .collect();
    let flags: Vec<String> = fps.iter().map(|f| format!("--fingerprint {f}")).collect();
    format!(
        "verify-baseline: {live} of {} baselined findings still live ({}): the baseline hides a working credential; revoke it: leakscan revoke {}",
        baselined.len(),
        places.join(", "),
        flags.join(" ")
    )
}

/// Opens `-o` for writing without truncating it. A report with secrets in it is made
/// readable by its owner only (mode 0600), whether it is new or not.
/// Empties a report file opened by [`open_output`] (not a pipe or `/dev/stdout`).
pub(super) fn truncate(file: &std::fs::File, path: &std::path::Path) -> Result<()> {
    if file.metadata().is_ok_and(|m| m.is_file()) {
        file.set_len(0)
            .with_context(|| format!("cannot truncate {}", path.display()))?;
    }
    Ok(())
}

pub(super) fn open_output(path: &std::path::Path, secrets: bool) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true);
    #[cfg(unix)]
    if secrets {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path).with_context(|| {
        format!(
            "cannot write the report to {}; choose a path in a writable directory",
            path.display()
        )
    })?;
    #[cfg(unix)]
    if secrets && file.metadata().is_ok_and(|m| m.is_file()) {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private (mode 0600)", path.display()))?;
    }
    Ok(file)
}

/// Reads the chosen config, with its allowlist rooted where it was found.
pub fn load_config(choice: &ConfigChoice) -> Result<Config> {
    let mut cfg = match &choice.file {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    cfg.allowlist.base = choice.base.clone();
    Ok(cfg)
}

/// The engine for a config: built-in rules, less the disabled, plus the custom.
pub fn build_engine(cfg: &mut Config) -> Result<Engine> {
    build_engine_with(cfg, &RuleArgs::default())
}

/// The engine for a config and the command line's `--rule` / `--disable-rule`.
pub fn build_engine_with(cfg: &mut Config, select: &RuleArgs) -> Result<Engine> {
    let rules = cfg.rule_set(rules::builtin()?)?;
    let rules =
        rules::select::select(rules, &select.only, &select.disabled).map_err(anyhow::Error::msg)?;
    Ok(Engine::new(rules))
}
