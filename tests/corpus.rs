//! Corpus test: a seeded generator plants well-formed fake credentials of every rule in
//! realistic files (Python, JS, YAML, .env, JSON, Dockerfile, Terraform, shell, Markdown,
//! minified JS, CRLF) next to hard negatives, runs the real binary over them, and measures
//! recall, precision and the share of planted negatives that were reported.
//!
//! Nothing here is a token literal: the corpus exists only in a temp dir at test time.

#[path = "corpus/gen.rs"]
mod gen;
#[path = "corpus/plants.rs"]
mod plants;

use assert_cmd::Command;
use gen::Rng;
use plants::{Item, Text};
use std::collections::HashMap;

const SEED: u64 = 0x1ea6_5ca9;
const ROUNDS: usize = 6;
/// Negatives are dealt several times a round so that 1% is a handful of them, not a fraction.
const NEGATIVE_ROUNDS: usize = 3;
const MIN_RECALL: f64 = 0.97;
const MIN_PRECISION: f64 = 0.97;
const MAX_NEGATIVE_RATE: f64 = 0.01;
/// Recall each rule family must reach on its own (checksum families: all of them).
const MIN_FAMILY_RECALL: f64 = 0.8;

#[derive(Clone, Copy, Debug)]
enum Format {
    Python,
    Js,
    Yaml,
    Env,
    Json,
    Dockerfile,
    Terraform,
    Shell,
    Markdown,
    MinJs,
    EnvCrlf,
}

const FORMATS: [Format; 11] = [
    Format::Python,
    Format::Js,
    Format::Yaml,
    Format::Env,
    Format::Json,
    Format::Dockerfile,
    Format::Terraform,
    Format::Shell,
    Format::Markdown,
    Format::MinJs,
    Format::EnvCrlf,
];

impl Format {
    fn file_name(self, n: usize) -> String {
        match self {
            Format::Python => format!("app{n}/settings.py"),
            Format::Js => format!("web{n}/src/config.js"),
            Format::Yaml => format!("deploy{n}/values.yaml"),
            Format::Env => format!("svc{n}/.env"),
            Format::Json => format!("svc{n}/config.json"),
            Format::Dockerfile => format!("img{n}/Dockerfile"),
            Format::Terraform => format!("infra{n}/main.tf"),
            Format::Shell => format!("scripts{n}/deploy.sh"),
            Format::Markdown => format!("docs{n}/SETUP.md"),
            Format::MinJs => format!("dist{n}/bundle.min.js"),
            Format::EnvCrlf => format!("win{n}/settings.env"),
        }
    }

    fn assign(self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        match self {
            Format::Python => format!("{name} = \"{value}\""),
            Format::Js => format!("const {name} = \"{value}\";"),
            Format::Yaml => format!("  {lower}: \"{value}\""),
            Format::Env | Format::EnvCrlf => format!("{name}={value}"),
            Format::Json => format!("  \"{lower}\": \"{value}\","),
            Format::Dockerfile => format!("ENV {name}={value}"),
            Format::Terraform => format!("  {lower} = \"{value}\""),
            Format::Shell => format!("export {name}=\"{value}\""),
            Format::Markdown => format!("    {name}={value}"),
            Format::MinJs => format!("{lower}:\"{value}\""),
        }
    }

    fn filler(self, r: &mut Rng) -> String {
        let n = r.range(1, 999);
        let lines: &[String] = &match self {
            Format::Python => vec![
                format!("def handler_{n}(event, context):"),
                format!("    return {{\"status\": {n}, \"body\": json.dumps(event)}}"),
                "import os, json, logging".into(),
                format!("LOG_LEVEL = os.environ.get(\"LOG_LEVEL\", \"INFO\")  # {n}"),
            ],
            Format::Js => vec![
                format!("export function retry{n}(fn) {{ return fn().catch(() => fn()); }}"),
                "import axios from 'axios';".into(),
                format!("const timeoutMs = {n} * 1000;"),
            ],
            Format::Yaml => vec![
                format!("  replicas: {}", n % 7),
                "  image: registry.acme-corp.net/api:1.4.2".into(),
                format!("  port: {}", 8000 + n),
            ],
            Format::Env | Format::EnvCrlf => vec![
                format!("PORT={}", 8000 + n),
                "LOG_LEVEL=debug".into(),
                "# local overrides go in .env.local".into(),
            ],
            Format::Json => vec![
                format!("  \"retries\": {n},"),
                "  \"region\": \"eu-west-1\",".into(),
            ],
            Format::Dockerfile => vec![
                "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates"
                    .into(),
                format!("EXPOSE {}", 8000 + n),
                "COPY . /app".into(),
            ],
            Format::Terraform => vec![
                format!("  instance_count = {}", n % 9),
                "  region = \"us-east-1\"".into(),
            ],
            Format::Shell => vec![
                "set -euo pipefail".into(),
                format!("echo \"deploying build {n}\""),
            ],
            Format::Markdown => vec![
                format!("## Step {n}"),
                "Run the service locally with the settings below.".into(),
            ],
            Format::MinJs => vec![format!("k{n}:\"v{n}\"")],
        };
        r.pick(lines).clone()
    }
}

struct Planted {
    path: String,
    needle: String,
    family: &'static str,
    negative: bool,
}

/// Writes one file holding `items` in `format`; records what was planted where.
fn render(
    format: Format,
    path: &str,
    items: &[Item],
    r: &mut Rng,
    planted: &mut Vec<Planted>,
) -> Vec<u8> {
    for item in items {
        for (needle, family) in &item.needles {
            planted.push(Planted {
                path: path.to_string(),
                needle: needle.clone(),
                family,
                negative: item.negative,
            });
        }
    }
    if let Format::MinJs = format {
        // One very long line: filler pairs around every assignment.
        // Raw items (key files, CSV lines) follow on their own lines.
        let mut parts = Vec::new();
        let mut raws = Vec::new();
        for item in items {
            for _ in 0..1000 {
                parts.push(format.filler(r));
            }
            match &item.text {
                Text::Assign { name, value } => parts.push(format.assign(name, value)),
                Text::Raw(t) => raws.push(t.clone()),
            }
        }
        let mut text = format!(
            "!function(){{var c={{{}}};window.cfg=c}}();\n",
            parts.join(",")
        );
        for t in raws {
            text.push_str(&t);
            text.push('\n');
        }
        return text.into_bytes();
    }
    let mut lines = Vec::new();
    match format {
        Format::Json => lines.push("{".to_string()),
        Format::Terraform => lines.push("resource \"acme_service\" \"api\" {".to_string()),
        Format::Yaml => lines.push("config:".to_string()),
        Format::Shell => lines.push("#!/usr/bin/env bash".to_string()),
        Format::Markdown => lines.push("# Setup".to_string()),
        Format::Dockerfile => lines.push("FROM python:3.12-slim".to_string()),
        _ => {}
    }
    for item in items {
        for _ in 0..r.range(1, 4) {
            lines.push(format.filler(r));
        }
        match &item.text {
            Text::Assign { name, value } => lines.push(format.assign(name, value)),
            Text::Raw(t) => {
                if let Format::Markdown = format {
                    lines.push("```".into());
                    lines.push(t.clone());
                    lines.push("```".into());
                } else {
                    lines.push(t.clone());
                }
            }
        }
    }
    match format {
        Format::Json => lines.push("  \"end\": true\n}".to_string()),
        Format::Terraform => lines.push("}".to_string()),
        _ => {}
    }
    let eol = if let Format::EnvCrlf = format {
        "\r\n"
    } else {
        "\n"
    };
    let mut text = lines.join("\n");
    text.push('\n');
    text.replace('\n', eol).into_bytes()
}

#[derive(serde::Deserialize)]
struct Found {
    rule_id: String,
    path: String,
    secret: String,
}

#[test]
fn corpus_recall_precision_and_false_alarms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut r = Rng::new(SEED);
    let mut planted = Vec::new();
    let mut file_no = 0;
    for round in 0..ROUNDS {
        let mut items = plants::positives(&mut r);
        for _ in 0..NEGATIVE_ROUNDS {
            items.extend(plants::negatives(&mut r));
        }
        // Shuffle, then deal the items into files of a rotating format.
        for i in (1..items.len()).rev() {
            let j = r.below(i + 1);
            items.swap(i, j);
        }
        let mut chunk_start = 0;
        while chunk_start < items.len() {
            let n = (r.range(6, 14) as usize).min(items.len() - chunk_start);
            let format = FORMATS[(file_no + round) % FORMATS.len()];
            let path = format.file_name(file_no);
            let bytes = render(
                format,
                &path,
                &items[chunk_start..chunk_start + n],
                &mut r,
                &mut planted,
            );
            let full = dir.path().join(&path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(&full, bytes).expect("write corpus file");
            chunk_start += n;
            file_no += 1;
        }
    }

    let out = Command::cargo_bin("leakscan")
        .expect("binary")
        .args([
            "scan",
            dir.path().to_str().expect("utf-8 temp path"),
            "--format",
            "json",
            "--show-secrets",
        ])
        .output()
        .expect("run leakscan");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "leakscan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<Found> = serde_json::from_slice(&out.stdout).expect("JSON findings");
    let by_path: HashMap<&str, Vec<&Found>> = found.iter().fold(HashMap::new(), |mut m, f| {
        m.entry(f.path.as_str()).or_default().push(f);
        m
    });
    let overlaps = |f: &Found, needle: &str| {
        !f.secret.is_empty() && (f.secret.contains(needle) || needle.contains(f.secret.as_str()))
    };

    let (mut pos, mut hit, mut negs, mut flagged) = (0usize, 0usize, 0usize, 0usize);
    let mut misses: Vec<String> = Vec::new();
    // Per rule family: (planted, found).
    let mut families: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut negative_hits: Vec<String> = Vec::new();
    let mut true_findings = vec![false; found.len()];
    let index: HashMap<*const Found, usize> = found
        .iter()
        .enumerate()
        .map(|(i, f)| (f as *const Found, i))
        .collect();
    for p in &planted {
        let here = by_path
            .get(p.path.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if p.negative {
            negs += 1;
            if let Some(f) = here.iter().find(|f| overlaps(f, &p.needle)) {
                flagged += 1;
                negative_hits.push(format!("{} {} {:?}", p.path, f.rule_id, p.needle));
            }
            continue;
        }
        pos += 1;
        families.entry(p.family).or_default().0 += 1;
        let right: Vec<&&Found> = here
            .iter()
            .filter(|f| f.secret.contains(p.needle.as_str()) && f.rule_id.starts_with(p.family))
            .collect();
        if right.is_empty() {
            let other: Vec<&str> = here
                .iter()
                .filter(|f| overlaps(f, &p.needle))
                .map(|f| f.rule_id.as_str())
                .collect();
            misses.push(format!(
                "{} {} (reported as {:?}) {:.60}",
                p.path, p.family, other, p.needle
            ));
        } else {
            hit += 1;
            families.entry(p.family).or_default().1 += 1;
            for f in right {
                true_findings[index[&(*f as *const Found)]] = true;
            }
        }
    }
    let tp = true_findings.iter().filter(|&&t| t).count();
    let recall = hit as f64 / pos as f64;
    let precision = if found.is_empty() {
        1.0
    } else {
        tp as f64 / found.len() as f64
    };
    let negative_rate = flagged as f64 / negs as f64;
    let wrong: Vec<String> = found
        .iter()
        .zip(&true_findings)
        .filter(|(_, &t)| !t)
        .map(|(f, _)| format!("{} {} {:.60}", f.path, f.rule_id, f.secret))
        .collect();

    println!(
        "corpus: {file_no} files, {pos} planted secrets, {negs} planted negatives, {} findings",
        found.len()
    );
    println!("recall    {recall:.4} ({hit}/{pos})");
    println!("precision {precision:.4} ({tp}/{})", found.len());
    println!("negatives flagged {negative_rate:.4} ({flagged}/{negs})");
    for m in &misses {
        println!("  missed: {m}");
    }
    for w in &wrong {
        println!("  false finding: {w}");
    }
    for n in &negative_hits {
        println!("  negative reported: {n}");
    }
    // Each family on its own: a family whose rules all prove their tokens by a checksum must
    // find every one; any other may miss one plant in its rounds, not more.
    let checksummed = checksum_families(families.keys().copied());
    let mut weak = Vec::new();
    for (family, &(n, found)) in &families {
        let rate = found as f64 / n as f64;
        let floor = if checksummed.contains(family) {
            1.0
        } else {
            MIN_FAMILY_RECALL
        };
        if rate < floor {
            weak.push(format!("{family}: {found}/{n} (floor {floor})"));
        }
    }
    weak.sort();
    assert!(
        checksummed.len() >= 5,
        "checksum families not recognised: {checksummed:?}"
    );
    assert!(weak.is_empty(), "families below their floor: {weak:?}");
    assert!(
        recall >= MIN_RECALL,
        "recall {recall:.4} below {MIN_RECALL}"
    );
    assert!(
        precision >= MIN_PRECISION,
        "precision {precision:.4} below {MIN_PRECISION}"
    );
    assert!(
        negative_rate <= MAX_NEGATIVE_RATE,
        "{flagged} of {negs} planted negatives reported"
    );
}

/// The families (rule ids or id prefixes) whose built-in rules all carry a checksum
/// validator, read from `leakscan rules list --format json`.
fn checksum_families<'a>(families: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    const CHECKSUMS: [&str; 4] = [
        "crc32-base62",
        "gitlab-routable",
        "atlassian-crc32",
        "age-bech32",
    ];
    let out = Command::cargo_bin("leakscan")
        .expect("binary")
        .args(["rules", "list", "--format", "json"])
        .output()
        .expect("run leakscan rules list");
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("rules JSON");
    families
        .filter(|f| {
            let mine: Vec<&serde_json::Value> = rules
                .iter()
                .filter(|r| r["id"].as_str().is_some_and(|id| id.starts_with(f)))
                .collect();
            !f.is_empty()
                && !mine.is_empty()
                && mine.iter().all(|r| {
                    r["validator"]
                        .as_str()
                        .is_some_and(|v| CHECKSUMS.contains(&v))
                })
        })
        .collect()
}
