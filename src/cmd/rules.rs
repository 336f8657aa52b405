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
            if engine.scan_rule(ex.as_bytes(), i).matches.is_empty() {
                failures.push(format!(
                    "{} ({}): example not found: {ex:?}",
                    r.id, r.origin
                ));
            }
        }
        for ex in &r.negative_examples {
            if !engine.scan_rule(ex.as_bytes(), i).matches.is_empty() {
                failures.push(format!(
                    "{} ({}): negative example matched: {ex:?}",
                    r.id, r.origin
                ));
            }
        }
    }
    failures
}

pub fn check(files: &[PathBuf]) -> Result<u8> {
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
