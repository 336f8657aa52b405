//! `leakscan completions SHELL` and `leakscan man`: generated from the clap definitions, so
//! they name exactly the commands and flags the binary takes.

use crate::cli::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = Cli::command();
    // Into memory first: the generator panics on a failed write (`| head`), and a closed
    // pipe must end quietly instead.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "leakscan", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(0)
}

pub fn man(dir: Option<&Path>) -> Result<u8> {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
            eprintln!("leakscan: man pages written to {}", dir.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}
