//! The human format: `path:line:col`, what the token is, the redacted secret in its line, and
//! what to do now. Colour only when asked (a terminal without `NO_COLOR`).

use super::Options;
use crate::finding::{escape_control, Checksum, Finding, Severity};
use std::io::{self, Write};

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

pub fn write(out: &mut dyn Write, findings: &[Finding], opts: Options) -> io::Result<()> {
    let p = Paint(opts.color);
    for f in findings {
        let sev_code = match f.severity {
            Severity::Critical | Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
        };
        let certainty = match f.checksum {
            Some(Checksum::Valid) => "checksum valid".to_string(),
            Some(Checksum::Invalid) => "checksum invalid".to_string(),
            None => format!("{} confidence", f.confidence.as_str()),
        };
        writeln!(
            out,
            "{}: {} {} ({}; {})",
            p.wrap(
                "1;35",
                &format!("{}:{}:{}", escape_control(&f.path), f.line, f.column)
            ),
            p.wrap(sev_code, f.severity.as_str()),
            p.wrap("1", &f.rule_name),
            f.rule_id,
            certainty
        )?;
        if let Some(c) = &f.commit {
            let short: String = c.id.chars().take(12).collect();
            writeln!(
                out,
                "  commit {short} by {} <{}> on {}: {}",
                c.author, c.email, c.date, c.message
            )?;
        }
        writeln!(out, "  | {}", f.shown_snippet(opts.show_secrets).trim())?;
        writeln!(out, "  = fix: {}", f.remediation)?;
        writeln!(out)?;
    }
    Ok(())
}
