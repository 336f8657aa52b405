//! The commands: one module each, over a shared [`session`]. Flags become a session (config,
//! engine, baseline, limits); the command wires its source to the engine and hands the
//! outcome back to the session to report; the result becomes an exit code (0 clean,
//! 1 findings, 2 could not scan as asked).

pub mod audit;
pub mod history;
pub mod hook;
pub mod manual;
pub mod merge;
pub mod revoke;
pub mod rules;
pub mod scan;
pub mod session;
pub mod staged;
pub mod threads;

use crate::cli::{Cli, Command, RulesCmd};
use anyhow::Result;
use clap::Parser;
use std::process::ExitCode;

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
        Command::Scan(cmd) => scan::scan(cmd),
        Command::Baseline(cmd) => scan::baseline(cmd),
        Command::History(cmd) => history::history(cmd),
        Command::Staged(cmd) => staged::staged(cmd),
        Command::InstallHook(cmd) => hook::install_hook(cmd),
        Command::Rules(RulesCmd::List { config, format }) => rules::list(config, format),
        Command::Rules(RulesCmd::Check { files }) => rules::check(&files),
        Command::Revoke(cmd) => revoke::revoke(cmd),
        Command::Verify(_) => {
            print!("{}", crate::verify::providers::endpoints());
            Ok(0)
        }
        Command::Audit(cmd) => audit::audit(cmd),
        Command::Merge(cmd) => merge::merge(cmd),
        Command::Completions(cmd) => manual::completions(cmd.shell),
        Command::Man(cmd) => manual::man(cmd.dir.as_deref()),
    }
}
