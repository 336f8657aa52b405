//! Wiring: flags and config become a scan plan; source -> engine -> triage -> report; the
//! result becomes an exit code (0 clean, 1 findings, 2 could not scan as asked).

use crate::cli::{
    BaselineCmd, Cli, ColorChoice, Command, CommonArgs, HistoryCmd, InstallHookCmd, ListFormat,
    RulesCmd, ScanCmd, StagedCmd,
};
use crate::config::{self, Config};
use crate::engine::{Engine, Scratch};
use crate::finding::{Finding, Severity};
use crate::report::{self, Format};
use crate::rules::{self, LoadPolicy, Rule};
use crate::source::{self, fs as fs_source, git, staged as staged_source, SourceStats};
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
        Command::History(cmd) => history(cmd),
        Command::Staged(cmd) => staged(cmd),
        Command::InstallHook(cmd) => install_hook(cmd),
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

impl Outcome {
    /// The engine's findings less those the config's allowlists drop; `inline` counts the
    /// matches the inline marker already suppressed.
    fn new(mut findings: Vec<Finding>, inline: u64, stats: SourceStats, cfg: &Config) -> Outcome {
        let mut suppressed = Suppressed {
            inline,
            ..Suppressed::default()
        };
        triage::apply_allowlist(&mut findings, &cfg.allowlist, &mut suppressed);
        Outcome {
            findings,
            suppressed,
            stats,
        }
    }
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
        max_file_size: max_file_size(&cmd.common, &cfg),
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
    let (findings, inline) = collected.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut outcome = Outcome::new(findings, inline, stats, &cfg);
    finish(&cmd.common, &mut outcome, &baseline, started)
}

/// `--max-file-size`, else the config's `limits.max_file_size`, else the default.
fn max_file_size(common: &CommonArgs, cfg: &Config) -> u64 {
    common
        .max_file_size
        .or(cfg.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE)
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
    outcome: &mut Outcome,
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
    let (sink, target): (Box<dyn Write>, String) = match &common.output {
        Some(path) => (
            Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create output file {}", path.display()))?,
            ),
            path.display().to_string(),
        ),
        None => (Box::new(std::io::stdout().lock()), "stdout".to_string()),
    };
    let mut w = std::io::BufWriter::new(sink);
    report::write(
        &mut w,
        common.format,
        &outcome.findings,
        opts,
        &mut warn_limit,
    )
    .with_context(|| format!("writing the report to {target}"))?;
    if !common.quiet {
        eprintln!("{}", summary(outcome, started));
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
        "leakscan: {findings} in {} {} ({}) in {:.2}s; suppressed: {} allowlist, {} inline, {} baseline; skipped: {} binary, {} too large, {} unreadable, {} allowlisted paths",
        g(&s.files),
        if g(&s.files) == 1 { "file" } else { "files" },
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

// ---------------------------------------------------------------------------------------
// git: `history`, `staged`, `install-hook` (issue 3). The sources are source/git.rs and
// source/staged.rs; these handlers only wire them to the engine, triage and `finish`.
// ---------------------------------------------------------------------------------------

fn history(cmd: HistoryCmd) -> Result<u8> {
    let started = Instant::now();
    let baseline = load_baseline(&cmd.common)?;
    let since = cmd.since.as_deref().map(git::parse_date).transpose()?;
    let repo = git::open(cmd.repo.as_deref())?;
    let mut cfg = load_config(cmd.common.config.as_deref(), repo.workdir())?;
    let engine = build_engine(&mut cfg)?;
    let opts = git::HistoryOptions {
        range: cmd.range.clone(),
        since,
        branch: cmd.branch.clone(),
        max_file_size: max_file_size(&cmd.common, &cfg),
        threads: thread_count(&cmd.common),
        progress: !cmd.common.quiet && std::io::stderr().is_terminal(),
    };
    let stats = SourceStats::default();
    let plan = git::plan(&repo, &opts, &stats, |p| cfg.allowlist.path_allowed(p))?;
    if plan.shallow {
        source::warn(&format!(
            "{}: a shallow clone: history before its oldest fetched commits is missing, and those commits are reported as introducing everything they hold; run `git fetch --unshallow` for a full audit",
            repo.path().display()
        ));
    }
    // Each distinct blob once; findings are labelled with their paths below.
    let scans = git::scan_blobs(
        &plan,
        &opts,
        &stats,
        Scratch::default,
        |scratch, _, bytes| {
            let s = engine.scan(bytes, "", scratch);
            (!s.findings.is_empty() || s.inline_allowed > 0).then_some(s)
        },
    )?;
    let mut inline = 0u64;
    let mut introduced = Vec::new();
    for (blob, scan) in scans {
        inline += scan.inline_allowed as u64;
        for intro in &plan.blobs[blob as usize].intros {
            let path = &plan.paths[intro.path as usize];
            for f in &scan.findings {
                let mut f = f.clone();
                f.fingerprint = crate::finding::fingerprint(&f.rule_id, path, f.secret.as_bytes());
                f.path = path.clone();
                introduced.push(triage::Introduced {
                    finding: f,
                    order: intro.commit,
                    blob,
                });
            }
        }
    }
    let findings: Vec<Finding> = triage::first_introductions(introduced)
        .into_iter()
        .map(|(mut f, order)| {
            f.commit = git::commit_info(&repo, plan.commits[order as usize]);
            f
        })
        .collect();
    if !cmd.common.quiet {
        eprintln!(
            "leakscan: history: {} commits, {} distinct blobs at {} paths",
            plan.commits.len(),
            plan.blobs.len(),
            plan.paths.len()
        );
    }
    let mut outcome = Outcome::new(findings, inline, stats, &cfg);
    finish(&cmd.common, &mut outcome, &baseline, started)
}

fn staged(cmd: StagedCmd) -> Result<u8> {
    let started = Instant::now();
    let baseline = load_baseline(&cmd.common)?;
    let repo = git::open(cmd.repo.as_deref())?;
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        bail!(
            "{}: a bare repository has no staged changes; run `leakscan staged` in a work tree, or `leakscan history` here",
            repo.path().display()
        );
    };
    let mut cfg = load_config(cmd.common.config.as_deref(), Some(&workdir))?;
    let engine = build_engine(&mut cfg)?;
    let max = max_file_size(&cmd.common, &cfg);
    let stats = SourceStats::default();
    let mut scratch = Scratch::default();
    let mut findings = Vec::new();
    let mut inline = 0u64;
    staged_source::scan(
        &repo,
        max,
        &stats,
        |p| cfg.allowlist.path_allowed(p),
        |path, bytes, added| {
            let s = engine.scan(bytes, path, &mut scratch);
            inline += s.inline_allowed as u64;
            findings.extend(s.findings.into_iter().filter(|f| {
                // end_* is exclusive: a secret ending at a line break does not touch the
                // next line.
                let last = if f.end_column == 1 && f.end_line > f.line {
                    f.end_line - 1
                } else {
                    f.end_line
                };
                added.touches(f.line, last)
            }));
        },
    )?;
    let mut outcome = Outcome::new(findings, inline, stats, &cfg);
    let code = finish(&cmd.common, &mut outcome, &baseline, started)?;
    if !outcome.findings.is_empty() && !cmd.common.quiet {
        eprint!("{}", staged_advice(&outcome.findings));
    }
    Ok(code)
}

/// What to do about a blocked commit, printed on stderr after the report.
fn staged_advice(findings: &[Finding]) -> String {
    let mut files: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    files.dedup();
    let quoted: Vec<String> = files.iter().map(|p| shell_quote(p)).collect();
    let quoted = quoted.join(" ");
    let mut s = match findings.len() {
        1 => "\nleakscan: this commit would add a secret:\n".to_string(),
        n => format!("\nleakscan: this commit would add {n} secrets:\n"),
    };
    for f in findings {
        s += &format!(
            "  {}:{}:{}  {} ({})\n",
            f.path, f.line, f.column, f.rule_name, f.rule_id
        );
    }
    s += "\nTo take it out of the commit:\n";
    s += &format!(
        "  - edit the file to remove the token (read it from the environment or a secret store), then `git add {quoted}`\n"
    );
    s += &format!("  - or unstage the file: `git restore --staged {quoted}`\n");
    s += "If the token was ever pushed or shared, revoke it now: taking it out of the commit does not un-leak it.\n";
    s += "\nIf this is a false alarm:\n";
    s += "  - put `leakscan:allow` in a comment on that line (e.g. `# leakscan:allow`), or\n";
    s += "  - allowlist it in .leakscan.toml: [allowlist] paths = [\"...\"], regexes = ['...'] or stopwords = [\"...\"]\n";
    s
}

/// Quotes a path for a POSIX shell when it needs it.
fn shell_quote(p: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_./+@%:,=".contains(&b);
    if !p.is_empty() && p.bytes().all(plain) {
        p.to_string()
    } else {
        format!("'{}'", p.replace('\'', r"'\''"))
    }
}

fn install_hook(cmd: InstallHookCmd) -> Result<u8> {
    let repo = git::open(cmd.repo.as_deref())?;
    let dir = staged_source::hooks_dir(&repo)?;
    let hook = dir.join("pre-commit");
    if hook.exists() && !cmd.force {
        bail!(
            "{}: a pre-commit hook already exists; leakscan left it unchanged. Re-run with --force to replace it, or add `leakscan staged` to that hook",
            hook.display()
        );
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks directory {}", dir.display()))?;
    std::fs::write(&hook, staged_source::HOOK_SCRIPT)
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    eprintln!(
        "leakscan: wrote {}: each `git commit` now runs `leakscan staged` and stops if the commit adds a secret",
        hook.display()
    );
    Ok(0)
}
