//! Command-line flags (clap derive): flags only, no logic.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find leaked credentials — above all personal access tokens — in files, git history,
/// staged changes and stdin.
#[derive(Debug, Parser)]
#[command(name = "leakscan", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files on disk (default: the current directory); `-` reads stdin.
    Scan(ScanCmd),
    /// Write a baseline of today's findings, so a gate can start with old leaks accepted.
    Baseline(BaselineCmd),
    /// Scan every blob reachable from every ref of a git repository (each distinct blob
    /// once), naming the commit that introduced each secret.
    History(HistoryCmd),
    /// Scan what `git commit` would add now: the index against HEAD, added lines only.
    Staged(StagedCmd),
    /// Write a git pre-commit hook that runs `leakscan staged`.
    InstallHook(InstallHookCmd),
    /// List or check rules.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Revoke leaked tokens where the provider allows it (GitHub, GitLab, Slack), after
    /// listing them and asking; rescans to get the secrets, so none is ever typed.
    Revoke(RevokeCmd),
    /// What `--verify` may contact: `leakscan verify --list-endpoints` prints every host,
    /// method and path, for firewall allow-lists.
    Verify(VerifyCmd),
    /// Audit many repositories: clone (or update) each into a cache, scan its whole history,
    /// and report every finding with its repository. Shards for parallel runners.
    Audit(AuditCmd),
    /// Merge JSONL reports (of `audit` shards, or any leakscan run) into one report in any
    /// format, each finding once per repository and fingerprint.
    Merge(MergeCmd),
    /// Print a shell completion script: `leakscan completions bash > ~/.local/share/bash-completion/completions/leakscan`.
    Completions(CompletionsCmd),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(ManCmd),
}

#[derive(Debug, Args)]
pub struct AuditCmd {
    /// The repositories, one a line: a clone URL (`https://`, `ssh://`, `git@host:path`,
    /// `file://`) or a local path; blank lines and lines starting with `#` are skipped. `-`
    /// reads the list from stdin.
    #[arg(long, value_name = "FILE")]
    pub repos: PathBuf,
    /// Where clones are kept between runs (bare mirrors, and a state file each so that the
    /// next run reads only new blobs) [default: $XDG_CACHE_HOME/leakscan/audit, else
    /// ~/.cache/leakscan/audit].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Audit only shard I of N (I from 0): a stable share of the list chosen by a hash of
    /// each line, so adding a repository moves no other. Without it, JOB_COMPLETION_INDEX and
    /// JOB_COMPLETIONS (a Kubernetes Indexed Job) choose the shard when both are set.
    #[arg(long, value_name = "I/N", value_parser = shard)]
    pub shard: Option<(u32, u32)>,
    /// Do not fetch repositories already in the cache: audit what it holds.
    #[arg(long)]
    pub no_fetch: bool,
    /// Read every blob, ignoring (and rewriting) the cache's state files.
    #[arg(long)]
    pub full: bool,
    /// Only commits made at or after this time (as `history --since`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    #[command(flatten)]
    pub verify: VerifyArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `--shard I/N`, I counting from 0.
fn shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{s:?} is not I/N with 0 <= I < N (e.g. 0/4)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u32, u32) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

#[derive(Debug, Args)]
pub struct MergeCmd {
    /// JSONL reports to merge (`leakscan audit -f jsonl -o shard-0.jsonl`, ...).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the merged report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print secrets in full, where the reports carry them (reports written without
    /// --show-secrets hold only redacted secrets).
    #[arg(long)]
    pub show_secrets: bool,
    /// Exit code when findings remain (not 2).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = exit_code)]
    pub exit_code: u8,
    /// No summary line on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsCmd {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManCmd {
    /// Write `leakscan.1` and one page per command (`leakscan-scan.1`, ...) into DIR instead
    /// of printing `leakscan.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyCmd {
    /// Print every endpoint the binary can contact, one a line.
    #[arg(long, required = true)]
    pub list_endpoints: bool,
}

/// `--verify` and its bounds, for `scan` and `history` only (`staged` and `baseline` never
/// verify).
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// Ask each token's own provider whether it is live, with which scopes and expiry: one
    /// request per distinct secret, to the provider's fixed https host. Off unless given;
    /// LEAKSCAN_VERIFY=never forces it off.
    #[arg(long)]
    pub verify: bool,
    /// Print the requests --verify would send (provider, method, host; never the secret) and
    /// send nothing.
    #[arg(long)]
    pub verify_dry_run: bool,
    /// Also check findings the baseline suppresses, and say on stderr how many of them are
    /// still live.
    #[arg(long, requires = "verify")]
    pub verify_baseline: bool,
    /// Exit with N when a token is live (reported, or baselined with --verify-baseline), and
    /// 0 otherwise, whatever else was found.
    #[arg(long, value_name = "N", requires = "verify", value_parser = exit_code)]
    pub exit_code_live: Option<u8>,
    #[command(flatten)]
    pub net: NetArgs,
}

/// How requests to providers are made (`--verify`, and `revoke`).
#[derive(Debug, Args, Clone)]
pub struct NetArgs {
    /// Seconds each request may take.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub verify_timeout: u64,
    /// Seconds all verification may take; checks not started by then are `unknown`.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub verify_budget: u64,
    /// Requests in flight at once (at most two to any one host).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub verify_workers: usize,
    /// A self-hosted server for a provider's tokens, which then go there and never to the
    /// public host: `github=https://ghe.example.com` (GitHub Enterprise Server),
    /// `gitlab=https://gitlab.example.com`. Repeatable; also LEAKSCAN_VERIFY_HOST.
    #[arg(long, value_name = "PROVIDER=URL")]
    pub verify_host: Vec<String>,
    /// Also make checks that are a login to the provider (Docker Hub: username and token),
    /// which the account's owner may see as a sign-in.
    #[arg(long)]
    pub verify_logins: bool,
}

/// `leakscan revoke`: which findings to revoke, and how.
#[derive(Debug, Args)]
pub struct RevokeCmd {
    /// Files or directories to rescan for the secrets [default: the current directory].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Revoke the finding with this fingerprint (from a report). Repeatable.
    #[arg(long, value_name = "FP")]
    pub fingerprint: Vec<String>,
    /// Revoke the findings of this rule. Repeatable.
    #[arg(long, value_name = "ID")]
    pub rule: Vec<String>,
    /// Revoke the findings --verify finds live.
    #[arg(long, requires = "verify")]
    pub live: bool,
    /// Verify the findings first (needed by --live).
    #[arg(long)]
    pub verify: bool,
    /// Revoke without asking. Without it, leakscan asks on a terminal and refuses elsewhere.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show the requests revocation would send, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Scan files that .gitignore/.ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Args)]
pub struct ScanCmd {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// Scan files that .gitignore/.ignore exclude (hidden files are always scanned; `.git/`
    /// never is).
    #[arg(long)]
    pub no_ignore: bool,
}

/// `baseline` takes only what means something for it: it always writes redacted JSON,
/// exits 0, and applies no earlier baseline.
#[derive(Debug, Args)]
pub struct BaselineCmd {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the baseline to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Scan files that .gitignore/.ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Args)]
pub struct HistoryCmd {
    /// The repository (a work tree, a subdirectory of one, or a bare repository)
    /// [default: the one holding the current directory].
    #[arg(value_name = "REPO")]
    pub repo: Option<PathBuf>,
    #[command(flatten)]
    pub verify: VerifyArgs,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Only commits reachable from B and not from A, e.g. `origin/main..HEAD` (what a pull
    /// request adds).
    #[arg(long, value_name = "A..B", conflicts_with = "branch")]
    pub range: Option<String>,
    /// Only commits made at or after this time: a day (2024-01-31, midnight UTC), a time
    /// (2024-01-31T12:00:00Z, 2024-01-31 12:00), `yesterday`, or an age (`2 weeks ago`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only commits reachable from this branch, tag or revision [default: every ref and HEAD].
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,
    /// Incremental: read only blobs FILE does not list as scanned clean by an earlier run
    /// under the same rules and settings, then update FILE. The report is a full scan's.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StagedCmd {
    /// The repository [default: the one holding the current directory, as git finds it].
    #[arg(value_name = "REPO")]
    pub repo: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct InstallHookCmd {
    /// The repository [default: the one holding the current directory].
    #[arg(value_name = "REPO")]
    pub repo: Option<PathBuf>,
    /// Replace an existing pre-commit hook.
    #[arg(long)]
    pub force: bool,
}

/// Flags of every scanning command, `baseline` included: what to read and how.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Config file [default: $LEAKSCAN_CONFIG, else .leakscan.toml searched from the scanned
    /// path up to the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads [default: the number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip (with a warning) files or blobs larger than this many bytes [default: 104857600,
    /// or limits.max_file_size in the config].
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// No summary line on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Name every file or blob skipped as binary on stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Write the summary as JSON to FILE: counts, and every skipped file by name and reason.
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,
    /// Do not open archives (zip, jar, war, whl, nupkg, apk, tar, gzip): skip them as binary.
    #[arg(long)]
    pub no_archives: bool,
}

/// Flags shared by the scanning commands that report (`scan`, `history`, `staged`).
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Suppress findings whose fingerprint is in FILE (a `leakscan baseline` or
    /// `--format json` report).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print secrets in full. Without it, every format redacts them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Exit code when findings remain (not 2, which means the scan could not be done).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = exit_code)]
    pub exit_code: u8,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Which rules run, on top of the config's `disabled_rules`.
#[derive(Debug, Args, Clone, Default)]
pub struct RuleArgs {
    /// Run only this rule (an id from `leakscan rules list`, or a prefix ending in `*`:
    /// `github-*`). Repeatable.
    #[arg(long = "rule", value_name = "ID")]
    pub only: Vec<String>,
    /// Do not run this rule (an id, or a prefix ending in `*`). Repeatable.
    #[arg(long = "disable-rule", value_name = "ID")]
    pub disabled: Vec<String>,
}

/// `--exit-code`: 0 to 255, but not 2, which leakscan keeps for "could not scan".
fn exit_code(s: &str) -> Result<u8, String> {
    let n: u8 = s
        .parse()
        .map_err(|_| format!("{s:?} is not an exit code from 0 to 255"))?;
    if n == 2 {
        return Err(
            "2 means the scan could not be done as asked; choose another code for findings"
                .to_string(),
        );
    }
    Ok(n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, unless NO_COLOR is set or TERM=dumb
    /// (CLICOLOR_FORCE forces it).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// List the rules in force (built-in plus config), one a line.
    List {
        /// Config file [default: $LEAKSCAN_CONFIG, else .leakscan.toml searched from the
        /// current directory up to the repository root].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// `text` (a table) or `json`.
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Compile rule files (default: the built-in rules) and run their examples and negative
    /// examples; exit 1 if any example is missed or any negative example matches.
    Check {
        /// Rule files in the rules/*.toml format.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
