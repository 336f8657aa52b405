//! `leakscan rules list` and `leakscan rules check`: the rules in force, and every rule's
//! examples run through a one-rule detector.

use super::session;
use crate::cli::ListFormat;
use crate::engine::Engine;
use crate::rules::{self, LoadPolicy, Rule};
use crate::source::anchor;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;

pub fn list(config: Option<PathBuf>, format: ListFormat) -> Result<u8> {
    let here = anchor::current_dir();
    let top = here.as_deref().and_then(anchor::work_tree_of);
    let choice = anchor::choose_config(config.as_deref(), here.as_deref(), top.as_deref());
    let mut cfg = session::load_config(&choice)?;
    let engine = session::build_engine(&mut cfg)?;
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
                        "keywords": r.keywords, "validator": r.validator,
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

/// Checks every rule the way a scan would meet it: each example runs through the full engine
/// with every rule of the set on, and its own rule must report it, with no other rule
/// reporting an overlapping span (the own rule wins where several match the same text), or,
/// for a rule with parts (named groups beside `secret`), the rule that reports the example
/// must carry one of those parts: the rule lent them (see [`crate::engine::Match::parts`]); no
/// rule may report any negative example; and the pattern must keep the rule's promises (see
/// [`rules::lint`]). Returns one message per failure.
pub fn example_failures(rules: Vec<Rule>) -> Vec<String> {
    let engine = Engine::new(rules);
    let all = engine.rules();
    let mut scratch = crate::engine::Scratch::default();
    let mut failures = Vec::new();
    for (i, r) in all.iter().enumerate() {
        if r.compiled().is_none() {
            failures.push(format!("{} ({}): regex does not compile", r.id, r.origin));
            continue;
        }
        failures.extend(
            lint(r)
                .into_iter()
                .map(|m| format!("{} ({}): {m}", r.id, r.origin)),
        );
        for ex in &r.examples {
            let found = engine.scan(ex.as_bytes(), &mut scratch).matches;
            let part_names: Vec<&str> = r
                .compiled()
                .map(|c| c.parts.iter().map(|(_, n)| n.as_str()).collect())
                .unwrap_or_default();
            let lent = found.iter().any(|m| {
                m.parts
                    .iter()
                    .any(|(n, _)| part_names.contains(&n.as_str()))
            });
            let Some(own) = found.iter().find(|m| m.rule == i) else {
                if lent {
                    continue;
                }
                let by: Vec<&str> = found.iter().map(|m| all[m.rule].id.as_str()).collect();
                let by = if by.is_empty() {
                    String::new()
                } else {
                    format!(" (reported instead by {})", by.join(", "))
                };
                failures.push(format!(
                    "{} ({}): example not found{by}: {ex:?}",
                    r.id, r.origin
                ));
                continue;
            };
            for m in &found {
                if m.rule != i && m.start < own.end && own.start < m.end {
                    failures.push(format!(
                        "{} ({}): example also reported by {} (overlapping span): {ex:?}",
                        r.id, r.origin, all[m.rule].id
                    ));
                }
            }
        }
        for ex in &r.negative_examples {
            for m in engine.scan(ex.as_bytes(), &mut scratch).matches {
                failures.push(format!(
                    "{} ({}): negative example reported by {}: {ex:?}",
                    r.id, r.origin, all[m.rule].id
                ));
            }
        }
    }
    failures
}

/// What a rule's pattern must keep of its fields.
fn lint(r: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    if !r.spans_lines && rules::lint::can_match_newline(&r.regex_src) {
        out.push(
            "regex can match a line break (\\s, \\n or a negated class without \\n): write [ \\t] and classes that exclude \\n, or set spans_lines = true if the format spans lines".to_string(),
        );
    }
    if !r.keywords.is_empty()
        && r.no_keywords_reason.is_none()
        && !rules::lint::requires_keyword(&r.regex_src, &r.keywords)
    {
        out.push(format!(
            "regex does not require any of its keywords {:?}: every match must contain one (ASCII case-insensitively), or the prefilter skips files the rule would match; make the regex require one, add the literal it always matches, or state no_keywords_reason (why the keywords are context the match need not hold)",
            r.keywords
        ));
    }
    out
}

pub fn check(files: &[PathBuf]) -> Result<u8> {
    let rules = if files.is_empty() {
        // From the files' text, with every load check (the scan's table skips them).
        rules::builtin_from_files()?
    } else {
        let policy = LoadPolicy {
            eager: true,
            require_examples: true,
            trusted: false,
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
