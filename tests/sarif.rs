//! SARIF validity against the official 2.1.0 schema, baselines, and fingerprint stability.

mod common;

use common::{github_pat, leakscan, sarif_schema, scan_json, str_field, Tree};
use serde_json::Value;

fn several_rules_tree() -> (Tree, Vec<String>) {
    let t = Tree::new();
    let gh = github_pat(100);
    let npm = leakscan::engine::validate::make_crc32_token("npm_", &common::payload(101));
    let aws = format!("AKIA{}", "QX3VTN7RLBM2WKPE");
    t.write(
        "src/settings.py",
        format!("GH = \"{gh}\"\nAWS_ACCESS_KEY_ID = \"{aws}\"\n"),
    );
    t.write(
        "web/.npmrc",
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    );
    t.write(
        "docs/über notes.md",
        format!("token: {}\n", github_pat(102)),
    );
    (t, vec![gh, npm, aws])
}

#[test]
fn sarif_validates_against_the_official_schema_and_hides_secrets() {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let (t, secrets) = several_rules_tree();
    let out = leakscan()
        .args(["scan", "--format", "sarif"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "SARIF leaks a secret");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(s.as_str()));
    }
    let log: Value = serde_json::from_str(&text).expect("sarif is json");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    // The validator does reject a log that breaks the schema.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("critical");
    assert!(!validator.is_valid(&broken));

    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leakscan");
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<String> = rules.iter().map(|r| str_field(r, "id")).collect();
    assert_eq!(
        ids,
        vec![
            "aws-access-key-id",
            "github-pat-classic",
            "npm-access-token"
        ]
    );
    for r in rules {
        assert!(
            r["help"]["markdown"]
                .as_str()
                .is_some_and(|m| m.contains("Revoke")),
            "{r}"
        );
        assert!(r["helpUri"].as_str().is_some());
        let tags = r["properties"]["tags"].as_array().expect("tags");
        assert!(tags.contains(&Value::from("security")) && tags.contains(&Value::from("secret")));
        assert!(r["properties"]["security-severity"].as_str().is_some());
        assert!(r["properties"]["precision"].as_str().is_some());
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(!str_field(&loc["artifactLocation"], "uri").starts_with('/'));
        assert!(loc["region"]["startLine"].as_u64().is_some());
        assert!(loc["region"]["endColumn"].as_u64().is_some());
        assert_eq!(
            res["partialFingerprints"]["leakscan/v1"]
                .as_str()
                .map(str::len),
            Some(32)
        );
    }
    let uris: Vec<String> = results
        .iter()
        .map(|r| {
            str_field(
                &r["locations"][0]["physicalLocation"]["artifactLocation"],
                "uri",
            )
        })
        .collect();
    assert!(
        uris.iter().any(|u| u == "docs/%C3%BCber%20notes.md"),
        "{uris:?}"
    );

    // With --show-secrets the secret may appear, and the log is still valid.
    let out = leakscan()
        .args(["scan", "--format", "sarif", "--show-secrets"])
        .arg(t.path())
        .output()
        .expect("run");
    let log: Value = serde_json::from_slice(&out.stdout).expect("sarif is json");
    assert!(validator.is_valid(&log));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&secrets[0]));
}

#[test]
fn baseline_reports_only_new_secrets_after_lines_move() {
    let t = Tree::new();
    let old1 = github_pat(200);
    let old2 = github_pat(201);
    t.write("a.py", format!("A = \"{old1}\"\nB = \"{old2}\"\n"));
    let baseline = t.path().join("..").join(format!(
        "baseline-{}.json",
        t.path().file_name().and_then(|n| n.to_str()).unwrap_or("x")
    ));
    let out = leakscan()
        .arg("baseline")
        .arg(t.path())
        .arg("-o")
        .arg(&baseline)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(!written.contains(&old1), "baseline must be redacted");
    let b = baseline.to_str().expect("utf-8 path");

    // Same findings: exit 0, both counted as suppressed by the baseline.
    let (code, findings, stderr) = scan_json(t.path(), &["--baseline", b]);
    assert_eq!((code, findings.len()), (0, 0));
    assert!(stderr.contains("2 baseline"), "{stderr}");

    // Old secrets move down by some lines, and one new secret appears.
    let new = github_pat(202);
    t.write(
        "a.py",
        format!("import os\n\n\n# moved\nA = \"{old1}\"\nC = \"{new}\"\n\nB = \"{old2}\"\n"),
    );
    let (code, findings, _) = scan_json(t.path(), &["--baseline", b]);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["secret"], new.as_str());
    assert_eq!(findings[0]["line"], 6);

    // A scan's own JSON output is a valid baseline too.
    let scan_out = t.path().join("..").join(format!(
        "scan-{}.json",
        t.path().file_name().and_then(|n| n.to_str()).unwrap_or("x")
    ));
    let out = leakscan()
        .args(["scan", "--format", "json", "-o"])
        .arg(&scan_out)
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let (code, _, _) = scan_json(t.path(), &["--baseline", scan_out.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    let _ = std::fs::remove_file(scan_out);
    let _ = std::fs::remove_file(baseline);
}

#[test]
fn invalid_baseline_is_exit_2() {
    let t = Tree::new();
    t.write("a.py", "x = 1\n");
    let bad = t.write("bad.json", "[{\"rule_id\": \"x\"}]");
    let out = leakscan()
        .arg("scan")
        .arg(t.path())
        .arg("--baseline")
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json is not a valid baseline: finding 1 has no"),
        "{err}"
    );
    let out = leakscan()
        .args(["scan", "--baseline", "/no/such/baseline.json"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fingerprints_are_stable_across_runs_threads_and_moves() {
    let (t, _) = several_rules_tree();
    let fps = |threads: &str| -> Vec<String> {
        let (_, findings, _) = scan_json(t.path(), &["-j", threads]);
        findings
            .iter()
            .map(|f| str_field(f, "fingerprint"))
            .collect()
    };
    let one = fps("1");
    assert_eq!(one.len(), 4);
    assert_eq!(one, fps("1"));
    assert_eq!(one, fps("2"));
    assert_eq!(one, fps("8"));
    let mut unique = one.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        one.len(),
        "different secrets, different fingerprints"
    );
}

#[test]
fn summary_counts_findings_by_severity() {
    let (t, _) = several_rules_tree();
    let (_, _, stderr) = scan_json(t.path(), &[]);
    assert!(
        stderr.contains("4 findings (3 critical, 1 high)"),
        "{stderr}"
    );
}

#[test]
fn sarif_respects_github_result_limits() {
    let t = Tree::new();
    // 25,010 distinct tokens (a few fall to the placeholder filter by chance): over the
    // 25,000 results GitHub accepts in a run.
    let mut text = String::with_capacity(25_010 * 48);
    for i in 0..25_010u64 {
        text.push_str(&github_pat(10_000 + i));
        text.push('\n');
    }
    t.write("many.txt", text);
    let out = leakscan()
        .args(["scan", "--format", "sarif", "-q"])
        .arg(t.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("results exceed GitHub code scanning's limit of 25000 a run"),
        "{err}"
    );
    let log: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    assert_eq!(
        log["runs"][0]["results"].as_array().map(Vec::len),
        Some(25_000)
    );
}
