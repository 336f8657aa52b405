//! `leakscan staged`: what `git commit` would add now, for the pre-commit hook; and what to
//! do about a blocked commit.

use super::history::config_start;
use super::session::{Reporting, Session};
use crate::cli::StagedCmd;
use crate::engine::{Match, Scratch};
use crate::finding::Finding;
use crate::source::{anchor, git, staged as staged_source, Origin, SourceStats};
use crate::triage::Collector;
use anyhow::{bail, Result};

pub fn staged(cmd: StagedCmd) -> Result<u8> {
    let repo = git::open(cmd.repo.as_deref())?;
    let Some(top) = git::work_tree(&repo) else {
        bail!(
            "{}: a bare repository has no staged changes; run `leakscan staged` in a work tree, or `leakscan history` here",
            repo.path().display()
        );
    };
    let config = anchor::choose_config(
        cmd.common.input.config.as_deref(),
        config_start(cmd.repo.as_deref(), Some(&top)).as_deref(),
        Some(&top),
    );
    let session = Session::new(&cmd.common.input, Reporting::of(&cmd.common), config)?;
    let engine = &session.engine;
    let stats = SourceStats::default();
    let allow = |p: &str| session.path_allowlisted(p);
    let policy = session.policy(&stats, &allow);
    let found = Collector::new(engine);
    let decoder = session.decoder(&stats);
    let mut scratch = Scratch::default();
    let unread = staged_source::scan(&repo, &policy, |path, bytes, added| {
        let origin = Origin::Staged { path };
        let parts = decoder.scan(path, bytes, &mut scratch);
        // An archive or a UTF-16 file is added whole (`Added::All`): its lines are not the diff's.
        found.add_parts_where(parts, &origin, |m| added.touches(m.line, last_line(m)));
    })?;
    let mut outcome = found.outcome(stats, &session.cfg.allowlist);
    let code = session.finish(&mut outcome)?;
    if !outcome.findings.is_empty() && !session.quiet {
        eprint!("{}", advice(&outcome.findings));
    }
    if unread > 0 {
        // Fail closed: what could not be read may hold a secret.
        bail!(
            "{unread} staged file(s) could not be read, so the commit was not checked in full (the repository may be damaged: try `git fsck`)"
        );
    }
    Ok(code)
}

/// The last line a match covers: `end_*` is exclusive, so a secret that ends at a line break
/// does not touch the next line.
fn last_line(m: &Match) -> usize {
    if m.end_column == 1 && m.end_line > m.line {
        m.end_line - 1
    } else {
        m.end_line
    }
}

/// What to do about a blocked commit, printed on stderr after the report.
fn advice(findings: &[Finding]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("src/a.py"), "src/a.py");
        assert_eq!(shell_quote("my file"), "'my file'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
