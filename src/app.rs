//! Wiring: flags and config become a scan plan; source -> engine -> triage -> report; the
//! result becomes an exit code (0 clean, 1 findings, 2 could not scan as asked).

use crate::cli::{
    BaselineCmd, Cli, ColorChoice, Command, CommonArgs, ListFormat, RulesCmd, ScanCmd,
};
use crate::config::{self, Config};
use crate::engine::{Engine, Scratch};
use crate::finding::{Finding, Severity};
use crate::report::{self, Format};
use crate::rules::{self, LoadPolicy, Rule};
use crate::source::{self, fs as fs_source, SourceStats};
use crate::triage::{self, Baseline, Suppressed};
use anyhow::{bail, Context, Result};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

/// Default `--max-file-size`: 100 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("leakscan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(cmd) => scan(cmd),
        Command::Baseline(cmd) => baseline(cmd),
        Command::Rules(RulesCmd::List { config, format }) => rules_list(config, format),
        Command::Rules(RulesCmd::Check { files }) => rules_check(&files),
    }
}

/// Finds the config: `--config`, else `.leakscan.toml` in `root` when present.
pub(crate) fn load_config(explicit: Option<&Path>, root: Option<&Path>) -> Result<Config> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => root
            .map(|r| r.join(config::FILE_NAME))
            .filter(|p| p.is_file()),
    };
    match path {
        Some(p) => Ok(Config::load(&p)?),
        None => Ok(Config::default()),
    }
}

/// The engine for a config: built-in rules, less the disabled, plus the custom.
pub(crate) fn build_engine(cfg: &mut Config) -> Result<Engine> {
    let rules = cfg.rule_set(rules::builtin()?)?;
    Ok(Engine::new(rules))
}

/// Everything a scanning command found, before reporting.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub suppressed: Suppressed,
    pub stats: SourceStats,
}

/// Loads `--baseline` before any work, so a bad file fails fast with exit 2.
pub(crate) fn load_baseline(common: &CommonArgs) -> Result<Baseline> {
    match &common.baseline {
        Some(p) => Baseline::load(p).map_err(anyhow::Error::msg),
        None => Ok(Baseline::default()),
    }
}

/// `leakscan baseline`: today's findings as a JSON baseline (redacted); exit 0.
fn baseline(cmd: BaselineCmd) -> Result<u8> {
    let mut scan_cmd = cmd.scan;
    scan_cmd.common.format = Format::Json;
    scan_cmd.common.show_secrets = false;
    scan_cmd.common.exit_code = 0;
    scan_cmd.common.baseline = None;
    scan(scan_cmd)
}

fn scan(cmd: ScanCmd) -> Result<u8> {
    let started = Instant::now();
    let baseline = load_baseline(&cmd.common)?;
    let paths = if cmd.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cmd.paths.clone()
    };
    let stdin_count = paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        bail!("`-` (stdin) is named more than once");
    }
    let roots: Vec<PathBuf> = paths.into_iter().filter(|p| p.as_os_str() != "-").collect();
    for r in &roots {
        if !r.exists() {
            bail!("{}: no such file or directory", r.display());
        }
    }
    let config_root = roots.first().filter(|r| r.is_dir()).cloned();
    let mut cfg = load_config(cmd.common.config.as_deref(), config_root.as_deref())?;
    let engine = build_engine(&mut cfg)?;
    let threads = thread_count(&cmd.common);
    let opts = fs_source::WalkOptions {
        roots,
        no_ignore: cmd.no_ignore,
        max_file_size: cmd
            .max_file_size
            .or(cfg.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        threads,
    };

    let stats = SourceStats::default();
    let collected: Mutex<(Vec<Finding>, u64)> = Mutex::new((Vec::new(), 0));
    let record = |scan: crate::engine::BlobScan| {
        if scan.findings.is_empty() && scan.inline_allowed == 0 {
            return;
        }
        let mut guard = collected.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.extend(scan.findings);
        guard.1 += scan.inline_allowed as u64;
    };
    if stdin_count == 1 {
        let bytes = source::stdin::read_all().context("reading stdin")?;
        SourceStats::add(&stats.files, 1);
        SourceStats::add(&stats.bytes, bytes.len() as u64);
        record(engine.scan(&bytes, "-", &mut Scratch::default()));
    }
    fs_source::walk(
        &opts,
        &stats,
        |name| cfg.allowlist.path_allowed(name),
        Scratch::default,
        |scratch, name, bytes| record(engine.scan(bytes, name, scratch)),
    );
    let (mut findings, inline) = collected.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut suppressed = Suppressed {
        inline,
        ..Suppressed::default()
    };
    triage::apply_allowlist(&mut findings, &cfg.allowlist, &mut suppressed);
    let outcome = Outcome {
        findings,
        suppressed,
        stats,
    };
    finish(&cmd.common, outcome, &baseline, started)
}

pub(crate) fn thread_count(common: &CommonArgs) -> usize {
    common
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Applies the baseline, sorts, reports the outcome and returns the exit code.
pub(crate) fn finish(
    common: &CommonArgs,
    mut outcome: Outcome,
    baseline: &Baseline,
    started: Instant,
) -> Result<u8> {
    baseline.apply(&mut outcome.findings, &mut outcome.suppressed);
    triage::sort_and_dedup(&mut outcome.findings);
    let color = match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            common.output.is_none()
                && common.format == Format::Text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let opts = report::Options {
        show_secrets: common.show_secrets,
        color,
    };
    let mut warn_limit = |msg: String| source::warn(&msg);
    match &common.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create output file {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(
                &mut w,
                common.format,
                &outcome.findings,
                opts,
                &mut warn_limit,
            )
            .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::write(
                &mut w,
                common.format,
                &outcome.findings,
                opts,
                &mut warn_limit,
            )
            .context("writing the report to stdout")?;
        }
    }
    if !common.quiet {
        eprintln!("{}", summary(&outcome, started));
    }
    Ok(if outcome.findings.is_empty() {
        0
    } else {
        common.exit_code
    })
}

/// The one-line summary printed on stderr.
pub fn summary(o: &Outcome, started: Instant) -> String {
    let g = SourceStats::get;
    let s = &o.stats;
    let by_sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let n = o.findings.iter().filter(|f| f.severity == *sev).count();
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    let findings = match o.findings.len() {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({})", by_sev.join(", ")),
        n => format!("{n} findings ({})", by_sev.join(", ")),
    };
    format!(
        "leakscan: {findings} in {} files ({}) in {:.2}s; suppressed: {} allowlist, {} inline, {} baseline; skipped: {} binary, {} too large, {} unreadable, {} allowlisted paths",
        g(&s.files),
        human_bytes(g(&s.bytes)),
        started.elapsed().as_secs_f64(),
        o.suppressed.allowlist,
        o.suppressed.inline,
        o.suppressed.baseline,
        g(&s.skipped_binary),
        g(&s.skipped_large),
        g(&s.unreadable),
        g(&s.allowlisted_paths),
    )
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn rules_list(config: Option<PathBuf>, format: ListFormat) -> Result<u8> {
    let mut cfg = load_config(config.as_deref(), Some(Path::new(".")))?;
    let engine = build_engine(&mut cfg)?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = engine
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "provider": r.provider,
                        "severity": r.severity, "confidence": r.confidence,
                        "keywords": r.keywords, "validator": r.validator.map(|v| format!("{v:?}")),
                        "references": r.references, "origin": r.origin,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut w, &list)?;
            writeln!(w)?;
        }
        ListFormat::Text => {
            let id_w = engine.rules().iter().map(|r| r.id.len()).max().unwrap_or(2);
            let prov_w = engine
                .rules()
                .iter()
                .map(|r| r.provider.len())
                .max()
                .unwrap_or(8);
            writeln!(
                w,
                "{:id_w$}  {:prov_w$}  {:8}  {:10}  REFERENCE",
                "ID", "PROVIDER", "SEVERITY", "CONFIDENCE"
            )?;
            for r in engine.rules() {
                writeln!(
                    w,
                    "{:id_w$}  {:prov_w$}  {:8}  {:10}  {}",
                    r.id,
                    r.provider,
                    r.severity.as_str(),
                    r.confidence.as_str(),
                    r.references.first().map_or("-", String::as_str)
                )?;
            }
        }
    }
    w.flush()?;
    Ok(0)
}

/// Runs every rule's examples through a one-rule detector: each example must give a finding
/// of that rule, each negative example none. Returns one message per miss.
pub fn example_failures(rules: Vec<Rule>) -> Vec<String> {
    let engine = Engine::new(rules);
    let mut failures = Vec::new();
    for (i, r) in engine.rules().iter().enumerate() {
        if r.compiled().is_none() {
            failures.push(format!("{} ({}): regex does not compile", r.id, r.origin));
            continue;
        }
        for ex in &r.examples {
            if engine.scan_rule(ex.as_bytes(), i).findings.is_empty() {
                failures.push(format!(
                    "{} ({}): example not found: {ex:?}",
                    r.id, r.origin
                ));
            }
        }
        for ex in &r.negative_examples {
            if !engine.scan_rule(ex.as_bytes(), i).findings.is_empty() {
                failures.push(format!(
                    "{} ({}): negative example matched: {ex:?}",
                    r.id, r.origin
                ));
            }
        }
    }
    failures
}

fn rules_check(files: &[PathBuf]) -> Result<u8> {
    let rules = if files.is_empty() {
        rules::builtin()?
    } else {
        let policy = LoadPolicy {
            eager: true,
            require_examples: true,
        };
        let mut all = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read rule file {}", f.display()))?;
            all.extend(rules::parse_rule_file(
                &f.display().to_string(),
                &text,
                policy,
            )?);
        }
        rules::check_unique(&all)?;
        all
    };
    let count = rules.len();
    let examples: usize = rules
        .iter()
        .map(|r| r.examples.len() + r.negative_examples.len())
        .sum();
    let failures = example_failures(rules);
    for f in &failures {
        eprintln!("leakscan: rule check failed: {f}");
    }
    println!(
        "{count} rules, {examples} examples: {} passed, {} failed",
        examples - failures.len().min(examples),
        failures.len()
    );
    Ok(if failures.is_empty() { 0 } else { 1 })
}
