//! The human format: `path:line:col`, what the token is, the redacted secret in its line, and
//! what to do now. Colour (`anstyle`) only when the session decided so: a terminal without
//! `NO_COLOR` or `TERM=dumb`, `CLICOLOR_FORCE`, or `--color always`.

use super::Options;
use crate::finding::{escape_control, Checksum, Finding, Severity};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const PATH: Style = AnsiColor::Magenta.on_default().bold();
const NAME: Style = Style::new().bold();

struct Paint(bool);

impl Paint {
    fn wrap(&self, style: Style, s: &str) -> String {
        if self.0 {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }
}

pub fn write(out: &mut dyn Write, findings: &[Finding], opts: Options) -> io::Result<()> {
    let p = Paint(opts.color);
    for f in findings {
        let sev_style = match f.severity {
            Severity::Critical | Severity::High => AnsiColor::Red,
            Severity::Medium => AnsiColor::Yellow,
            Severity::Low => AnsiColor::Cyan,
        }
        .on_default()
        .bold();
        let certainty = match f.checksum {
            Some(Checksum::Valid) => "checksum valid".to_string(),
            None => format!("{} confidence", f.confidence.as_str()),
        };
        writeln!(
            out,
            "{}: {} {} ({}; {})",
            p.wrap(
                PATH,
                &format!(
                    "{}{}:{}:{}",
                    f.repository
                        .as_deref()
                        .map(|r| format!("{} ", escape_control(r)))
                        .unwrap_or_default(),
                    escape_control(&f.path),
                    f.line,
                    f.column
                )
            ),
            p.wrap(sev_style, f.severity.as_str()),
            p.wrap(NAME, &f.rule_name),
            f.rule_id,
            certainty
        )?;
        if let Some(note) = f.decoded_note() {
            writeln!(out, "  {note}")?;
        }
        if let Some(c) = &f.commit {
            let short: String = c.id.chars().take(12).collect();
            writeln!(
                out,
                "  commit {short} by {} <{}> on {}: {}",
                c.author, c.email, c.date, c.message
            )?;
        }
        writeln!(out, "  | {}", f.shown_snippet(opts.show_secrets).trim())?;
        if let Some(t) = &f.token {
            writeln!(out, "  = token: {}", t.describe())?;
        }
        if let Some(v) = &f.verification {
            writeln!(out, "  = verified: {}", v.describe())?;
        }
        writeln!(out, "  = fix: {}", f.remediation)?;
        writeln!(out)?;
    }
    Ok(())
}
