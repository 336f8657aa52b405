//! The audit examples in `examples/` are valid YAML and do what they say: their commands run
//! here, with the shard variables their runner would set, against real repositories given as
//! `file://` URLs, and their merged report is the audit of every repository.

mod common;

use common::git::{token, Repo};
use serde_json::Value;
use serde_yaml_ng::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every YAML document of a file.
fn documents(text: &str) -> Vec<Yaml> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|d| serde::Deserialize::deserialize(d).expect("valid YAML"))
        .collect()
}

/// The repositories of the examples' audits: three with a secret, one clean, one gone.
fn estate(root: &Path) -> (PathBuf, Vec<Repo>) {
    let mut repos = Vec::new();
    let mut lines = Vec::new();
    for i in 0..4 {
        let r = Repo::new();
        r.write("README.md", format!("service {i}\n"));
        if i != 1 {
            r.write(
                ".env",
                format!("GITHUB_TOKEN={}\n", token(&format!("svc{i}"))),
            );
        }
        r.commit("init");
        lines.push(format!("file://{}", r.dir.display()));
        repos.push(r);
    }
    lines.push(format!("file://{}/missing.git", root.display()));
    let list = root.join("repos.txt");
    std::fs::write(&list, lines.join("\n") + "\n").expect("write list");
    (list, repos)
}

/// A PATH with the leakscan under test first.
fn path_with_leakscan() -> String {
    let bin = assert_cmd::cargo::cargo_bin("leakscan");
    let dir = bin.parent().expect("bin dir").display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// Runs `script` with `sh -c` (`bash` when asked) and returns its exit code and output.
fn sh(shell: &str, script: &str, dir: &Path, env: &[(&str, String)]) -> (i32, String) {
    let mut c = Command::new(shell);
    c.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path_with_leakscan())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run the shell");
    common::code_and_log(&out)
}

/// The findings of a SARIF log, as (repository, rule) pairs, sorted.
fn sarif_results(path: &Path) -> Vec<(String, String)> {
    let log: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read SARIF"))
        .expect("SARIF JSON");
    let validator = jsonschema::validator_for(&common::sarif_schema()).expect("schema");
    assert!(validator.is_valid(&log), "invalid SARIF");
    let mut r: Vec<(String, String)> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| {
            (
                x["properties"]["repository"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                x["ruleId"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    r.sort();
    r
}

fn expected(list: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(list).expect("list");
    let mut r: Vec<(String, String)> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1 && *i != 4)
        .map(|(_, l)| (l.to_string(), "github-pat-classic".to_string()))
        .collect();
    r.sort();
    r
}

/// `script` with the container's mount paths replaced by directories of the test.
fn mapped(script: &str, mounts: &BTreeMap<String, PathBuf>) -> String {
    let mut s = script.to_string();
    for (from, to) in mounts {
        s = s.replace(&format!("{from}/"), &format!("{}/", to.display()));
    }
    s
}

#[test]
fn the_kubernetes_indexed_job_and_its_merge() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let (list, _repos) = estate(root);
    let audit = documents(&example("kubernetes/audit.yaml"));
    let job = audit
        .iter()
        .find(|d| d["kind"] == "Job")
        .expect("a Job in audit.yaml");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().expect("completions");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let env: BTreeMap<String, String> = container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_string(),
                e["value"].as_str().expect("value").to_string(),
            )
        })
        .collect();
    assert_eq!(
        env.get("JOB_COMPLETIONS").map(String::as_str),
        Some(completions.to_string().as_str()),
        "JOB_COMPLETIONS must equal completions"
    );
    assert_eq!(
        job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"],
        true
    );
    // The volumes: the ConfigMap's repos.txt, and the shared work volume.
    let config = root.join("config");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::copy(&list, config.join("repos.txt")).expect("copy list");
    let work = root.join("work");
    let mut mounts = BTreeMap::new();
    for m in container["volumeMounts"].as_sequence().expect("mounts") {
        let at = m["mountPath"].as_str().expect("mountPath").to_string();
        let local = match at.as_str() {
            "/config" => config.clone(),
            "/work" => work.clone(),
            other => panic!("unexpected mount {other}"),
        };
        mounts.insert(at, local);
    }
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .expect("command")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(command, ["/bin/sh", "-c"]);
    let script = mapped(container["args"][0].as_str().expect("script"), &mounts);
    for index in 0..completions {
        let mut vars: Vec<(&str, String)> =
            env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        vars.push(("JOB_COMPLETION_INDEX", index.to_string()));
        let (code, log) = sh("sh", &script, root, &vars);
        assert_eq!(
            code, 0,
            "pod {index} (findings and partial shards succeed):\n{log}"
        );
    }
    let merge = documents(&example("kubernetes/merge.yaml"));
    let merge_job = merge.iter().find(|d| d["kind"] == "Job").expect("a Job");
    let c = &merge_job["spec"]["template"]["spec"]["containers"][0];
    let (code, log) = sh(
        "sh",
        &mapped(c["args"][0].as_str().expect("script"), &mounts),
        root,
        &[],
    );
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("exit code 3"),
        "the unreachable repository: {log}"
    );

    assert_eq!(
        sarif_results(&work.join("reports/audit.sarif")),
        expected(&list)
    );
}

/// `${{ ... }}` in a workflow's text, from `vars`; any other expression fails the test.
fn expand(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}").expect("closed expression") + at;
        let expr = rest[at + 3..end].trim();
        let value = vars
            .get(expr)
            .unwrap_or_else(|| panic!("the test does not know `{expr}`"));
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `env:` map (absent: empty), its values expanded from `vars`.
fn env_of(env: &Yaml, vars: &BTreeMap<&str, String>) -> Vec<(String, String)> {
    env.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Yaml::Number(n) => n.to_string(),
                        other => other.as_str().expect("an env value").to_string(),
                    };
                    (k.as_str().expect("a name").to_string(), expand(&v, vars))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the `run:` steps of `job` as a runner would (`uses:` steps and the install step
/// skipped: the binary under test is on PATH); returns the last step's exit code.
fn run_job(job: &Yaml, dir: &Path, vars: &mut BTreeMap<&str, String>) -> i32 {
    let job_env = env_of(&job["env"], &BTreeMap::new());
    let output = dir.join("github_output");
    let mut code = 0;
    for step in job["steps"].as_sequence().expect("steps") {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        if run.trim_start().starts_with("cargo install") {
            continue;
        }
        if let Some(cond) = step["if"].as_str() {
            // The one condition the example uses.
            assert_eq!(cond, "steps.merge.outputs.code != '0'");
            if vars.get("steps.merge.outputs.code").map(String::as_str) == Some("0") {
                continue;
            }
        }
        let mut env: Vec<(&str, String)> = job_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let step_env = env_of(&step["env"], vars);
        env.extend(step_env.iter().map(|(k, v)| (k.as_str(), v.clone())));
        env.push(("GITHUB_OUTPUT", output.display().to_string()));
        let (c, log) = sh("bash", &expand(run, vars), dir, &env);
        code = c;
        assert!(
            c == 0 || step["if"].is_string(),
            "step {:?} failed:\n{log}",
            step["name"]
        );
        // Outputs of a step with an id.
        if let (Some(id), Ok(text)) = (step["id"].as_str(), std::fs::read_to_string(&output)) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    let key: &'static str =
                        Box::leak(format!("steps.{id}.outputs.{k}").into_boxed_str());
                    vars.insert(key, v.to_string());
                }
            }
        }
    }
    code
}

#[test]
fn the_github_actions_matrix_and_its_merge() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let (list, _repos) = estate(root);
    let workflow: Yaml =
        serde_yaml_ng::from_str(&example("github-actions/audit.yml")).expect("YAML");
    let shard_job = &workflow["jobs"]["shard"];
    let shards: Vec<u64> = shard_job["strategy"]["matrix"]["shard"]
        .as_sequence()
        .expect("matrix")
        .iter()
        .filter_map(Yaml::as_u64)
        .collect();
    assert_eq!(
        shard_job["env"]["SHARDS"].as_u64(),
        Some(shards.len() as u64),
        "SHARDS must equal the matrix's size"
    );
    // Each matrix job in its own checkout of the repository holding repos.txt.
    let shards_dir = root.join("merge/shards");
    std::fs::create_dir_all(&shards_dir).expect("mkdir");
    for s in &shards {
        let checkout = root.join(format!("checkout-{s}"));
        std::fs::create_dir_all(&checkout).expect("mkdir");
        std::fs::copy(&list, checkout.join("repos.txt")).expect("copy");
        let mut vars = BTreeMap::from([
            ("matrix.shard", s.to_string()),
            ("secrets.AUDIT_TOKEN", String::new()),
            ("github.run_id", "1".to_string()),
        ]);
        let code = run_job(shard_job, &checkout, &mut vars);
        assert_eq!(code, 0, "shard {s}");
        // upload-artifact, then download-artifact with merge-multiple.
        let report = checkout.join(format!("shard-{s}.jsonl"));
        std::fs::copy(&report, shards_dir.join(format!("shard-{s}.jsonl"))).expect("artifact");
    }
    let merge_dir = root.join("merge");
    let mut vars = BTreeMap::new();
    let code = run_job(&workflow["jobs"]["merge"], &merge_dir, &mut vars);
    assert_eq!(
        vars.get("steps.merge.outputs.code").map(String::as_str),
        Some("3"),
        "partial: one repository is gone"
    );
    assert_eq!(
        code, 3,
        "the last step fails the workflow with the merge's code"
    );
    assert_eq!(
        sarif_results(&merge_dir.join("audit.sarif")),
        expected(&list)
    );
}

#[test]
fn the_parallel_script() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let (list, _repos) = estate(root);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/parallel.sh");
    let out = root.join("audit.sarif");
    let (code, log) = sh(
        "bash",
        &format!(
            "'{}' '{}' 3 '{}'",
            script.display(),
            list.display(),
            out.display()
        ),
        root,
        &[(
            "LEAKSCAN_AUDIT_DIR",
            root.join("work").display().to_string(),
        )],
    );
    assert_eq!(code, 3, "partial: {log}");
    assert!(log.contains("3 shards merged"), "{log}");
    assert_eq!(sarif_results(&out), expected(&list));
}
