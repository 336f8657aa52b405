//! `leakscan audit` over real repositories given as `file://` URLs (cloned with the git
//! command line into a cache), sharded and merged, with an unreachable one among them.

mod common;

use common::git::{leakscan, token, Repo, Run};
use serde_json::Value;
use std::path::Path;

/// Six repositories: five real ones (four with a secret, one clean) and one that does not
/// exist. Returns the list file's entries and the repositories (kept alive).
fn estate(root: &Path) -> (Vec<String>, Vec<Repo>) {
    let mut repos = Vec::new();
    let mut entries = Vec::new();
    for i in 0..5 {
        let r = Repo::new();
        r.write("README.md", format!("project {i}\n"));
        r.commit("init");
        if i != 2 {
            let t = token(&format!("audit{i}"));
            r.write("config/settings.env", format!("GH_TOKEN={t}\n"));
            r.commit("settings");
            if i == 4 {
                // A second secret on a side branch.
                r.git(&["checkout", "-q", "-b", "side"]);
                r.write(
                    "tools/deploy.sh",
                    format!("export TOKEN={}\n", token("auditside")),
                );
                r.commit("deploy");
                r.git(&["checkout", "-q", "main"]);
            }
        }
        entries.push(format!("file://{}", r.dir.display()));
        repos.push(r);
    }
    entries.push(format!("file://{}/gone/nothing.git", root.display()));
    (entries, repos)
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The findings of a report, by repository and fingerprint (an audit streams them in list
/// order, a merge in repository order).
fn findings(records: &[Value]) -> Vec<Value> {
    let mut f: Vec<Value> = records
        .iter()
        .filter(|r| r.get("rule_id").is_some())
        .cloned()
        .collect();
    f.sort_by_key(|r| (r["repository"].to_string(), r["fingerprint"].to_string()));
    f
}

/// Status records without their timing, by repository.
fn statuses(records: &[Value]) -> Vec<Value> {
    let mut s: Vec<Value> = records
        .iter()
        .filter(|r| r.get("rule_id").is_none())
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().expect("object").remove("seconds");
            r
        })
        .collect();
    s.sort_by_key(|r| r["repository"].as_str().unwrap_or("").to_string());
    s
}

fn arg(p: &Path) -> String {
    p.display().to_string()
}

/// `leakscan audit --repos LIST --cache CACHE [extra...]`, with the report (JSONL) in
/// `out` when given, in `root`.
fn audit(root: &Path, list: &Path, cache: &Path, out: Option<&Path>, extra: &[&str]) -> Run {
    let mut args = vec![
        "audit".to_string(),
        "--repos".to_string(),
        arg(list),
        "--cache".to_string(),
        arg(cache),
    ];
    if let Some(out) = out {
        args.extend([
            "-f".to_string(),
            "jsonl".to_string(),
            "-o".to_string(),
            arg(out),
        ]);
    }
    args.extend(extra.iter().map(|e| e.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    leakscan(root, &args)
}

#[test]
fn sharded_audits_merge_into_the_unsharded_audit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let (entries, _repos) = estate(root);
    let list = root.join("repos.txt");
    std::fs::write(&list, format!("# the estate\n\n{}\n", entries.join("\n"))).expect("write list");
    let unreachable = entries.last().expect("entry").clone();

    // One audit of everything.
    let all = root.join("all.jsonl");
    let run = audit(root, &list, &root.join("cache-a"), Some(&all), &[]);
    assert_eq!(run.code, 3, "partial: {}", run.stderr);
    assert!(run.stderr.contains(&unreachable), "{}", run.stderr);
    assert!(run.stderr.contains("clone failed"), "{}", run.stderr);
    let all_records = lines(&all);
    let all_findings = findings(&all_records);
    assert_eq!(all_findings.len(), 5, "{all_findings:#?}");
    for f in &all_findings {
        let repo = f["repository"].as_str().expect("repository");
        assert!(entries.contains(&repo.to_string()), "{repo}");
        assert!(f["commit"]["id"].is_string(), "a history finding: {f}");
        assert!(
            f["secret"]
                .as_str()
                .is_some_and(|s| s.ends_with("********")),
            "redacted"
        );
    }
    let all_statuses = statuses(&all_records);
    assert_eq!(all_statuses.len(), 6);
    let failed: Vec<&Value> = all_statuses
        .iter()
        .filter(|s| s["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["repository"], unreachable.as_str());

    // Three shards, each on its own (a fresh cache each, as separate machines would), then
    // merged.
    let mut shard_reports = Vec::new();
    let mut sizes = Vec::new();
    let mut codes = Vec::new();
    for i in 0..3 {
        let out = root.join(format!("shard-{i}.jsonl"));
        let shard = format!("{i}/3");
        let cache = root.join(format!("cache-{i}"));
        let run = audit(root, &list, &cache, Some(&out), &["--shard", &shard]);
        let records = lines(&out);
        let own = statuses(&records);
        // Which shard a repository falls in depends on its URL, here a random temp path: a
        // shard may hold only the unreachable one, and then nothing could be scanned (2).
        let only_failed = !own.is_empty() && own.iter().all(|s| s["status"] == "failed");
        assert!(
            matches!(run.code, 0 | 1 | 3) || (run.code == 2 && only_failed),
            "shard {i}: exit {}: {}",
            run.code,
            run.stderr
        );
        sizes.push(own.len());
        codes.push(run.code);
        shard_reports.push(arg(&out));
    }
    assert_eq!(
        sizes.iter().sum::<usize>(),
        6,
        "every repository in exactly one shard: {sizes:?}"
    );
    let merged = root.join("merged.jsonl");
    let mut args = vec!["merge".to_string()];
    args.extend(shard_reports.iter().cloned());
    args.extend(["-f".into(), "jsonl".into(), "-o".into(), arg(&merged)]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = leakscan(root, &args);
    assert_eq!(
        run.code, 3,
        "the merge says the audit was partial: {}",
        run.stderr
    );
    let merged_records = lines(&merged);
    assert_eq!(
        findings(&merged_records),
        all_findings,
        "finding for finding"
    );
    assert_eq!(statuses(&merged_records), all_statuses);

    // Merging a shard twice changes nothing.
    let mut twice = args.clone();
    twice.insert(1, shard_reports[0].as_str());
    let again = root.join("again.jsonl");
    let again_arg = arg(&again);
    let pos = twice.iter().position(|a| *a == arg(&merged)).expect("-o");
    twice[pos] = &again_arg;
    let run = leakscan(root, &twice);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(findings(&lines(&again)), all_findings);

    // Merged into SARIF, it is still valid SARIF.
    let run = leakscan(
        root,
        &[
            "merge",
            &shard_reports[0],
            &shard_reports[1],
            &shard_reports[2],
            "-f",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_str(&run.stdout).expect("SARIF JSON");
    let validator = jsonschema::validator_for(&common::sarif_schema()).expect("schema");
    assert!(validator.is_valid(&sarif));
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(5)
    );

    // A Kubernetes Indexed Job's variables choose the same shard as --shard.
    let by_env = root.join("env.jsonl");
    let out = common::leakscan()
        .current_dir(root)
        .env("JOB_COMPLETION_INDEX", "1")
        .env("JOB_COMPLETIONS", "3")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "audit",
            "--repos",
            &arg(&list),
            "--cache",
            &arg(&root.join("cache-1")),
            "-f",
            "jsonl",
            "-o",
            &arg(&by_env),
        ])
        .output()
        .expect("run");
    assert_eq!(common::exit_code(&out.status), codes[1], "as --shard 1/3");
    assert_eq!(
        findings(&lines(&by_env)),
        findings(&lines(Path::new(&shard_reports[1])))
    );
}

#[test]
fn a_second_audit_fetches_and_reads_only_new_blobs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let r = Repo::new();
    for i in 0..10 {
        r.write(&format!("src/f{i}.txt"), format!("file {i}\n"));
    }
    r.write(".env", format!("T={}\n", token("auditagain")));
    r.commit("init");
    let list = root.join("repos.txt");
    std::fs::write(&list, format!("file://{}\n", r.dir.display())).expect("write");
    let cache = root.join("cache");
    let first = root.join("1.jsonl");
    let run = audit(root, &list, &cache, Some(&first), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let status = |p: &Path| statuses(&lines(p)).pop().expect("a status");
    assert_eq!(status(&first)["blobs_read"], 11);

    r.write("src/new.txt", "new\n");
    r.write("deploy.env", format!("T2={}\n", token("auditagain2")));
    r.commit("more");
    let second = root.join("2.jsonl");
    let run = audit(root, &list, &cache, Some(&second), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let s = status(&second);
    assert_eq!(s["status"], "ok");
    assert_eq!(s["blobs"], 13);
    // The two new blobs, and the one that held a finding.
    assert_eq!(s["blobs_read"], 3, "{s}");
    assert_eq!(
        findings(&lines(&second)).len(),
        2,
        "the fetch brought the new commit"
    );

    // Text, JSON and GitLab reports of an audit name the repository too.
    let run = audit(root, &list, &cache, None, &["-f", "json"]);
    let json: Vec<Value> = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(json.iter().all(|f| f["repository"]
        .as_str()
        .is_some_and(|s| s.starts_with("file://"))));
}

#[test]
fn nothing_auditable_is_exit_2_and_bad_shards_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let list = root.join("repos.txt");
    std::fs::write(
        &list,
        format!(
            "file://{}/none.git\n{}/missing-dir\n",
            root.display(),
            root.display()
        ),
    )
    .expect("write");
    let run = audit(root, &list, &root.join("c"), None, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("0 scanned, 2 failed"), "{}", run.stderr);
    for bad in ["3/3", "1/0", "x", "-1/2"] {
        let run = leakscan(root, &["audit", "--repos", &arg(&list), "--shard", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
    }
    let run = audit(root, &root.join("nope.txt"), &root.join("c"), None, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot open"), "{}", run.stderr);
}
