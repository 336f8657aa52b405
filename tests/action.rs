//! The GitHub Action: action.yml, ci/action/install.sh and ci/action/scan.sh.
//!
//! The composite action's steps are run as GitHub runs them: each `run:` script under
//! `bash -e -o pipefail -c`, with the environment its `env:` map gives (after substituting
//! `${{ inputs.X }}`, `${{ github.action_path }}` and `${{ steps.ID.outputs.NAME }}`, the
//! only expressions the action may use there), a fresh `$GITHUB_OUTPUT`, `$GITHUB_PATH` and
//! `$GITHUB_STEP_SUMMARY` for each step, and the `GITHUB_*` variables of a pull_request or
//! push event, in a real git repository. `uses:` steps are not run (their `with:` is
//! resolved and checked). Downloads go to `file://` directories the tests make.

mod common;

use common::yaml::{get, text};
use serde_json::Value;
use serde_yaml_ng::Value as Yaml;
use sha2::Digest;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ZEROS: &str = "0000000000000000000000000000000000000000";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Yaml {
    let text = fs::read_to_string(root().join("action.yml")).expect("read action.yml");
    serde_yaml_ng::from_str(&text).expect("action.yml is valid YAML")
}

fn crate_version() -> String {
    let text = fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let manifest: toml::Value = toml::from_str(&text).expect("Cargo.toml is TOML");
    manifest["package"]["version"]
        .as_str()
        .expect("package.version")
        .to_string()
}

fn steps(action: &Yaml) -> &Vec<Yaml> {
    get(get(action, "runs"), "steps")
        .as_sequence()
        .expect("runs.steps is a list")
}

/// Every `${{ ... }}` expression in `s`, trimmed.
fn expressions(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("unterminated expression in {s:?}"));
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

/// The inputs the action must have, with their defaults.
fn expected_inputs() -> Vec<(&'static str, String)> {
    vec![
        ("command", "scan".into()),
        ("path", ".".into()),
        ("range", "".into()),
        ("format", "sarif".into()),
        ("output", "leakscan.sarif".into()),
        ("baseline", "".into()),
        ("config", "".into()),
        ("exit-code", "1".into()),
        ("args", "".into()),
        ("upload-sarif", "true".into()),
        ("version", crate_version()),
        (
            "release-url",
            "https://github.com/leakscan/leakscan/releases/download".into(),
        ),
    ]
}

#[test]
fn action_yml_declares_the_inputs_outputs_and_defaults() {
    let a = action();
    assert_eq!(text(get(&a, "runs"), "using"), "composite");
    assert!(!text(&a, "name").is_empty());
    assert!(!text(&a, "description").is_empty());

    let inputs = get(&a, "inputs").as_mapping().expect("inputs map");
    let mut names: Vec<&str> = inputs.keys().filter_map(Yaml::as_str).collect();
    names.sort_unstable();
    let mut want: Vec<&str> = expected_inputs().iter().map(|(n, _)| *n).collect();
    want.sort_unstable();
    assert_eq!(names, want, "the action's inputs");
    for (name, default) in expected_inputs() {
        let input = get(get(&a, "inputs"), name);
        assert_eq!(
            text(input, "default"),
            default,
            "default of input `{name}` (a string: GitHub passes inputs as strings)"
        );
        assert!(!text(input, "description").is_empty(), "input {name}");
    }

    let outputs = get(&a, "outputs");
    let mut names: Vec<&str> = outputs
        .as_mapping()
        .expect("outputs map")
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["exit-code", "findings", "sarif"]);
    for name in names {
        assert_eq!(
            text(get(outputs, name), "value"),
            format!("${{{{ steps.scan.outputs.{name} }}}}"),
            "output {name}"
        );
    }
}

#[test]
fn the_version_default_is_the_crate_version() {
    // A release bumps Cargo.toml; the action must install that same version by default.
    let a = action();
    let default = text(get(get(&a, "inputs"), "version"), "default");
    let version = crate_version();
    assert_eq!(
        default, version,
        "action.yml inputs.version.default vs Cargo.toml"
    );
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
}

#[test]
fn run_steps_take_inputs_through_env_only() {
    let a = action();
    let steps = steps(&a);
    let ids: Vec<&str> = steps.iter().map(|s| text(s, "id")).collect();
    assert_eq!(ids, ["install", "scan", "upload", "verdict"]);
    let mut inputs_in_env = Vec::new();
    for step in steps {
        let id = text(step, "id");
        match (step.get("run"), step.get("uses")) {
            (Some(run), None) => {
                let run = run.as_str().expect("run is a string");
                // No expression at all in a script: what an input or the event holds must
                // never become shell code.
                assert!(
                    !run.contains("${{"),
                    "step {id} interpolates into its script: {run}"
                );
                assert_eq!(text(step, "shell"), "bash", "step {id}");
                if let Some(env) = step.get("env") {
                    for (k, v) in env.as_mapping().expect("env map") {
                        let k = k.as_str().expect("env name");
                        let v = v.as_str().unwrap_or_else(|| panic!("env {k} not a string"));
                        for e in expressions(v) {
                            if let Some(name) = e.strip_prefix("inputs.") {
                                inputs_in_env.push(name.to_string());
                            }
                        }
                    }
                }
            }
            (None, Some(uses)) => assert_eq!(
                uses.as_str(),
                Some("github/codeql-action/upload-sarif@v3"),
                "step {id}"
            ),
            _ => panic!("step {id} must have exactly one of run and uses"),
        }
    }
    // Every input but the two that only the upload step's condition reads reaches a script.
    for (name, _) in expected_inputs() {
        if name != "upload-sarif" && name != "format" {
            assert!(
                inputs_in_env.iter().any(|n| n == name),
                "input {name} is not passed by env:"
            );
        }
    }
    assert!(inputs_in_env.iter().any(|n| n == "format"));
    assert!(text(&steps[0], "run").contains("ci/action/install.sh"));
    assert!(text(&steps[1], "run").contains("ci/action/scan.sh"));
    // The scan step must not be conditional, and must not stop the job: the verdict does.
    assert!(steps[1].get("if").is_none());
    assert!(steps[1].get("continue-on-error").is_none());

    // The upload: SARIF only, when asked, even after a failure, never without a report.
    let upload = &steps[2];
    let cond = text(upload, "if");
    for part in [
        "always()",
        "inputs.upload-sarif == 'true'",
        "inputs.format == 'sarif'",
        "steps.scan.outputs.sarif != ''",
    ] {
        assert!(
            cond.contains(part),
            "upload condition {cond:?} lacks {part}"
        );
    }
    let with = get(upload, "with");
    assert_eq!(text(with, "category"), "leakscan");
    assert_eq!(text(with, "sarif_file"), "${{ steps.scan.outputs.sarif }}");

    // The verdict comes last and runs after a failed upload too.
    let verdict = &steps[3];
    let cond = text(verdict, "if");
    assert!(cond.contains("!cancelled()") && cond.contains("steps.scan.outcome == 'success'"));
    assert_eq!(
        text(get(verdict, "env"), "LEAKSCAN_EXIT_CODE"),
        "${{ steps.scan.outputs.exit-code }}"
    );

    for script in ["ci/action/install.sh", "ci/action/scan.sh"] {
        let body = fs::read_to_string(root().join(script)).expect(script);
        assert!(body.starts_with("#!/usr/bin/env bash\n"), "{script}");
        assert!(body.contains("\nset -euo pipefail\n"), "{script}");
        for (n, line) in body.lines().enumerate() {
            let code = line.trim_start();
            assert!(
                code.starts_with('#') || !code.split_whitespace().any(|w| w == "eval"),
                "{script}:{}: eval",
                n + 1
            );
        }
    }
}

// ---- the runner ----

/// The outcome of one `run:` step.
#[derive(Debug)]
struct StepRun {
    id: String,
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    github_path: Vec<String>,
    summary: String,
}

/// The outcome of the action: its run steps (up to the first that failed), the `with:` of
/// each `uses:` step that was reached, resolved, and the action's outputs.
#[derive(Debug)]
struct ActionRun {
    steps: Vec<StepRun>,
    uses: BTreeMap<String, BTreeMap<String, String>>,
    outputs: BTreeMap<String, String>,
}

impl ActionRun {
    fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run: {self:#?}"))
    }

    fn last(&self) -> &StepRun {
        self.steps.last().expect("a step ran")
    }

    /// Everything the run printed or wrote for GitHub, to search for a secret.
    fn all_text(&self) -> String {
        let mut s = String::new();
        for step in &self.steps {
            s.push_str(&step.stdout);
            s.push_str(&step.stderr);
            s.push_str(&step.summary);
            for (k, v) in &step.outputs {
                s.push_str(&format!("{k}={v}\n"));
            }
        }
        s
    }
}

/// What a job gives the action: inputs, the environment of the runner and event, PATH.
struct Runner {
    action: Yaml,
    inputs: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    path: Vec<PathBuf>,
    workspace: PathBuf,
    scratch: PathBuf,
    /// Run only these steps (by id); all when empty.
    only: Vec<&'static str>,
}

impl Runner {
    fn input(mut self, name: &str, value: &str) -> Runner {
        assert!(
            get(&self.action, "inputs").get(name).is_some(),
            "the action has no input {name}"
        );
        self.inputs.insert(name.to_string(), value.to_string());
        self
    }

    /// The value of one expression: the three forms the action may use in `env:`, `with:`
    /// and `outputs:`; anything else fails the test.
    fn eval(&self, expr: &str, done: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        if let Some(name) = expr.strip_prefix("inputs.") {
            let input = get(&self.action, "inputs")
                .get(name)
                .unwrap_or_else(|| panic!("${{{{ {expr} }}}}: no such input"));
            return match self.inputs.get(name) {
                Some(v) => v.clone(),
                None => input
                    .get("default")
                    .and_then(Yaml::as_str)
                    .unwrap_or("")
                    .to_string(),
            };
        }
        if expr == "github.action_path" {
            return root().display().to_string();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, name) = rest
                .split_once(".outputs.")
                .unwrap_or_else(|| panic!("${{{{ {expr} }}}}: not steps.ID.outputs.NAME"));
            assert!(
                steps(&self.action)
                    .iter()
                    .any(|s| s.get("id").and_then(Yaml::as_str) == Some(id)),
                "${{{{ {expr} }}}}: no step {id}"
            );
            let outputs = done
                .get(id)
                .unwrap_or_else(|| panic!("${{{{ {expr} }}}}: step {id} has not run yet"));
            return outputs.get(name).cloned().unwrap_or_default();
        }
        panic!("unsupported expression ${{{{ {expr} }}}}: the action may use inputs.X, github.action_path and steps.ID.outputs.NAME here");
    }

    fn expand(&self, value: &str, done: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 3..];
            let end = after.find("}}").expect("unterminated expression");
            out.push_str(&self.eval(after[..end].trim(), done));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn run(&self) -> ActionRun {
        let mut done: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut path = self.path.clone();
        let mut result = ActionRun {
            steps: Vec::new(),
            uses: BTreeMap::new(),
            outputs: BTreeMap::new(),
        };
        for (n, step) in steps(&self.action).iter().enumerate() {
            let id = text(step, "id").to_string();
            if !self.only.is_empty() && !self.only.contains(&id.as_str()) {
                continue;
            }
            if step.get("uses").is_some() {
                let mut with = BTreeMap::new();
                if let Some(w) = step.get("with").and_then(Yaml::as_mapping) {
                    for (k, v) in w {
                        let k = k.as_str().expect("with key").to_string();
                        with.insert(k, self.expand(v.as_str().expect("with value"), &done));
                    }
                }
                result.uses.insert(id, with);
                continue;
            }
            let files = |name: &str| {
                let p = self.scratch.join(format!("step{n}-{name}"));
                fs::write(&p, "").expect("step file");
                p
            };
            let (output_file, path_file, summary_file) =
                (files("output"), files("path"), files("summary"));
            let mut cmd = Command::new("bash");
            cmd.args(["-e", "-o", "pipefail", "-c", text(step, "run")])
                .current_dir(&self.workspace)
                .env_clear()
                .envs(&self.env)
                .env("PATH", std::env::join_paths(&path).expect("PATH"))
                .env("GITHUB_ACTION_PATH", root())
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_STEP_SUMMARY", &summary_file);
            if let Some(env) = step.get("env").and_then(Yaml::as_mapping) {
                for (k, v) in env {
                    let k = k.as_str().expect("env name");
                    cmd.env(k, self.expand(v.as_str().expect("env value"), &done));
                }
            }
            let out = cmd.output().expect("run bash");
            let mut outputs = BTreeMap::new();
            for line in fs::read_to_string(&output_file)
                .expect("output file")
                .lines()
            {
                let (k, v) = line.split_once('=').unwrap_or_else(|| {
                    panic!("step {id}: $GITHUB_OUTPUT line is not name=value: {line:?}")
                });
                outputs.insert(k.to_string(), v.to_string());
            }
            let github_path: Vec<String> = fs::read_to_string(&path_file)
                .expect("path file")
                .lines()
                .map(str::to_string)
                .collect();
            // GitHub puts each added directory first on PATH for the steps after.
            for dir in &github_path {
                path.insert(0, PathBuf::from(dir));
            }
            done.insert(id.clone(), outputs.clone());
            let code = common::exit_code(&out.status);
            result.steps.push(StepRun {
                id,
                code,
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                outputs,
                github_path,
                summary: fs::read_to_string(&summary_file).expect("summary"),
            });
            if code != 0 {
                // A failed step ends the job; nothing after it runs.
                break;
            }
        }
        if let Some(outs) = self.action.get("outputs").and_then(Yaml::as_mapping) {
            for (k, v) in outs {
                let value = text(v, "value");
                if done.contains_key("scan") {
                    result.outputs.insert(
                        k.as_str().expect("output").to_string(),
                        self.expand(value, &done),
                    );
                }
            }
        }
        result
    }
}

// ---- the repository and the event ----

/// `git ARGS` in `dir` (fixed identity, no user config); its trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = common::git::git_cmd(dir)
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// An upstream repository (two commits on main, then branch `feature` whose third commit
/// adds a token) and the job's clone of it, on `feature`, as actions/checkout leaves it
/// with fetch-depth 0.
struct Fixture {
    upstream: common::git::Repo,
    work: PathBuf,
    scratch: PathBuf,
    c1: String,
    c2: String,
    c3: String,
    token: String,
}

fn fixture(seed: u64) -> Fixture {
    let upstream = common::git::Repo::new();
    upstream.write("README.md", "demo service\n");
    let c1 = upstream.commit("first");
    upstream.write("src/app.py", "print('hello')\n");
    let c2 = upstream.commit("second");
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    let token = leakscan::testing::github_token("ghp_", seed);
    upstream.write("config/deploy.env", format!("GITHUB_TOKEN={token}\n"));
    let c3 = upstream.commit("add the deploy config");
    upstream.git(&["checkout", "-q", "main"]);

    let work = upstream.sibling("work");
    let parent = upstream.dir.parent().expect("temp dir").to_path_buf();
    git(&parent, &["clone", "-q", "repo", "work"]);
    git(&work, &["checkout", "-q", "feature"]);
    assert_eq!(git(&work, &["rev-parse", "HEAD"]), c3);
    let scratch = upstream.sibling("scratch");
    for dir in ["scratch", "runner-temp", "home"] {
        fs::create_dir(upstream.sibling(dir)).expect("mkdir");
    }
    Fixture {
        upstream,
        work,
        scratch,
        c1,
        c2,
        c3,
        token,
    }
}

/// The directory holding the real binary, and the PATH of this test process after it.
fn path_with_leakscan() -> Vec<PathBuf> {
    let bin = assert_cmd::cargo::cargo_bin("leakscan");
    let mut path = vec![bin.parent().expect("bin dir").to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    path
}

impl Fixture {
    /// A runner for `event` with this payload, the real leakscan first on PATH.
    fn runner(&self, event: &str, payload: Value) -> Runner {
        let event_path = self.scratch.join("event.json");
        fs::write(&event_path, payload.to_string()).expect("write event");
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            env.insert(k.to_string(), v.to_string());
        };
        set("CI", "true");
        set("GITHUB_ACTIONS", "true");
        set("GITHUB_EVENT_NAME", event);
        set("GITHUB_EVENT_PATH", &event_path.display().to_string());
        set("GITHUB_WORKSPACE", &self.work.display().to_string());
        set("GITHUB_REPOSITORY", "octo-org/demo");
        set("GITHUB_SHA", &self.c3);
        set("RUNNER_OS", "Linux");
        set("RUNNER_ARCH", "X64");
        set(
            "RUNNER_TEMP",
            &self.upstream.sibling("runner-temp").display().to_string(),
        );
        set("HOME", &self.upstream.sibling("home").display().to_string());
        set("GIT_CONFIG_NOSYSTEM", "1");
        if event == "pull_request" {
            set("GITHUB_BASE_REF", "main");
            set("GITHUB_HEAD_REF", "feature");
            set("GITHUB_REF", "refs/pull/7/merge");
        } else {
            // GitHub sets both, empty, for events other than pull requests.
            set("GITHUB_BASE_REF", "");
            set("GITHUB_HEAD_REF", "");
            set("GITHUB_REF", "refs/heads/feature");
        }
        Runner {
            action: action(),
            inputs: BTreeMap::new(),
            env,
            path: path_with_leakscan(),
            workspace: self.work.clone(),
            scratch: self.scratch.clone(),
            only: Vec::new(),
        }
    }

    fn pull_request(&self) -> Runner {
        let payload = serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "base": { "ref": "main", "sha": self.c2 },
                "head": { "ref": "feature", "sha": self.c3 },
            },
        });
        self.runner("pull_request", payload)
    }

    fn push(&self, before: &str, after: &str) -> Runner {
        let payload = serde_json::json!({
            "ref": "refs/heads/feature",
            "before": before,
            "after": after,
            "created": before == ZEROS,
        });
        self.runner("push", payload)
    }

    fn sarif(&self, file: &str) -> Value {
        let text = fs::read_to_string(self.work.join(file)).expect("the report");
        assert!(!text.contains(&self.token), "the report holds the secret");
        serde_json::from_str(&text).expect("the report is JSON")
    }
}

fn assert_valid_sarif(log: &Value) {
    let schema = common::sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

/// The SARIF holds exactly the token the feature branch added, with that commit.
fn assert_the_one_finding(fx: &Fixture, log: &Value) {
    assert_valid_sarif(log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{log:#}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "github-pat-classic");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "config/deploy.env"
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(r["properties"]["commit"]["id"], Value::from(fx.c3.as_str()));
}

/// The arguments scan.sh gave leakscan, from the line it printed
/// (`leakscan: running: BIN ARGS...`; no argument in these tests has a space).
fn leakscan_args(run: &ActionRun) -> Vec<String> {
    let stderr = &run.step("scan").stderr;
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("leakscan: running: "))
        .unwrap_or_else(|| panic!("scan.sh printed no command line: {stderr}"));
    let mut words = line.split_whitespace().map(str::to_string);
    let bin = words.next().expect("the binary");
    assert_eq!(
        fs::canonicalize(&bin).expect("binary path"),
        fs::canonicalize(assert_cmd::cargo::cargo_bin("leakscan")).expect("real binary"),
        "scan.sh runs the binary the install step found"
    );
    words.collect()
}

/// The arguments a history run with the default inputs gives leakscan, then `rest`.
fn history_args(rest: &[&str]) -> Vec<String> {
    [
        "history",
        "--format=sarif",
        "--output=leakscan.sarif",
        "--exit-code=1",
    ]
    .iter()
    .chain(rest)
    .map(|s| s.to_string())
    .collect()
}

fn assert_no_secret(fx: &Fixture, run: &ActionRun) {
    assert!(
        !run.all_text().contains(&fx.token),
        "the secret is in the run's output"
    );
}

#[test]
fn pull_request_history_gates_the_commits_the_branch_adds() {
    let fx = fixture(101);
    // A clone that lacks the base branch (single-branch checkouts do): scan.sh fetches it.
    git(&fx.work, &["update-ref", "-d", "refs/remotes/origin/main"]);
    let run = fx.pull_request().input("command", "history").run();

    let install = run.step("install");
    assert_eq!(install.code, 0, "{install:#?}");
    let real = assert_cmd::cargo::cargo_bin("leakscan");
    assert_eq!(
        fs::canonicalize(&install.outputs["bin"]).expect("bin"),
        fs::canonicalize(&real).expect("real bin"),
        "install.sh uses the leakscan already on PATH"
    );
    assert_eq!(install.outputs["version"], crate_version());
    assert!(
        install.github_path.is_empty(),
        "nothing installed: {install:#?}"
    );

    let scan = run.step("scan");
    assert_eq!(
        scan.code, 0,
        "scan.sh must not fail the job itself: {scan:#?}"
    );
    assert!(
        scan.stderr.contains("origin/main is missing; fetching it"),
        "{}",
        scan.stderr
    );
    assert_eq!(git(&fx.work, &["rev-parse", "origin/main"]), fx.c2);
    assert_eq!(
        leakscan_args(&run),
        history_args(&["--range=origin/main..HEAD", "--", "."])
    );
    assert_eq!(scan.outputs["exit-code"], "1");
    assert_eq!(scan.outputs["findings"], "1");
    assert_eq!(scan.outputs["sarif"], "leakscan.sarif");
    assert!(
        scan.stdout.contains(
            "leakscan failed (exit code 1): 1 finding(s) in history ., range origin/main..HEAD"
        ),
        "{}",
        scan.stdout
    );
    assert!(
        scan.summary
            .starts_with("**leakscan** failed (exit code 1): 1 finding(s)"),
        "{}",
        scan.summary
    );

    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["findings"], "1");
    assert_eq!(run.outputs["sarif"], "leakscan.sarif");
    // The upload step gets the report the scan wrote.
    assert_eq!(run.uses["upload"]["sarif_file"], "leakscan.sarif");
    assert_eq!(run.uses["upload"]["category"], "leakscan");
    assert_the_one_finding(&fx, &fx.sarif("leakscan.sarif"));

    let verdict = run.last();
    assert_eq!(verdict.id, "verdict");
    assert_eq!(verdict.code, 1, "the findings fail the job: {verdict:#?}");
    assert_no_secret(&fx, &run);
}

#[test]
fn push_history_scans_before_to_after() {
    let fx = fixture(202);
    let run = fx.push(&fx.c2, &fx.c3).input("command", "history").run();
    let range = format!("--range={}..{}", fx.c2, fx.c3);
    assert_eq!(leakscan_args(&run), history_args(&[&range, "--", "."]));
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["findings"], "1");
    assert_the_one_finding(&fx, &fx.sarif("leakscan.sarif"));
    assert_eq!(run.last().id, "verdict");
    assert_eq!(run.last().code, 1);
    assert_no_secret(&fx, &run);
}

#[test]
fn push_of_a_new_branch_scans_all_history() {
    let fx = fixture(303);
    let run = fx.push(ZEROS, &fx.c3).input("command", "history").run();
    assert_eq!(leakscan_args(&run), history_args(&["--", "."]));
    assert!(run
        .step("scan")
        .stderr
        .contains("leakscan: push of a new branch or tag: scanning all history"));
    assert_eq!(run.outputs["findings"], "1");
    assert_the_one_finding(&fx, &fx.sarif("leakscan.sarif"));
    assert_eq!(run.last().code, 1);
    assert_no_secret(&fx, &run);
}

#[test]
fn a_clean_range_passes() {
    let fx = fixture(404);
    let run = fx.push(&fx.c1, &fx.c2).input("command", "history").run();
    let range = format!("--range={}..{}", fx.c1, fx.c2);
    assert_eq!(leakscan_args(&run), history_args(&[&range, "--", "."]));
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["findings"], "0");
    let log = fx.sarif("leakscan.sarif");
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    assert!(run
        .step("scan")
        .stdout
        .contains("leakscan passed: 0 finding(s)"));
    let verdict = run.last();
    assert_eq!(
        (verdict.id.as_str(), verdict.code),
        ("verdict", 0),
        "{verdict:#?}"
    );

    // An explicit range input wins over the event's.
    let run = fx
        .pull_request()
        .input("command", "history")
        .input("range", &format!("{}..{}", fx.c1, fx.c2))
        .run();
    assert_eq!(leakscan_args(&run), history_args(&[&range, "--", "."]));
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.last().code, 0);
}

#[test]
fn scan_with_json_counts_findings_and_exit_code_input_is_passed() {
    let fx = fixture(505);
    // The work tree of the feature branch holds the token; a json report, exit code 0
    // asked for: reported, counted, the job passes.
    let run = fx
        .pull_request()
        .input("format", "json")
        .input("output", "leakscan.json")
        .input("exit-code", "0")
        .run();
    assert_eq!(
        leakscan_args(&run),
        [
            "scan",
            "--format=json",
            "--output=leakscan.json",
            "--exit-code=0",
            "--",
            "."
        ]
    );
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["findings"], "1");
    assert_eq!(run.outputs["sarif"], "leakscan.json");
    let report = fx.sarif("leakscan.json");
    assert_eq!(report.as_array().map(Vec::len), Some(1), "{report:#}");
    assert_eq!(report[0]["path"], "config/deploy.env");
    assert_eq!(run.last().code, 0);
    assert_no_secret(&fx, &run);

    // Extra args reach leakscan as separate words (one word `--max-file-size 10` would be
    // a bad flag, exit 2): every file is now too large to scan, so nothing is found.
    let run = fx
        .pull_request()
        .input("args", "--quiet\n  --max-file-size 10")
        .run();
    assert_eq!(
        leakscan_args(&run),
        [
            "scan",
            "--format=sarif",
            "--output=leakscan.sarif",
            "--exit-code=1",
            "--quiet",
            "--max-file-size",
            "10",
            "--",
            "."
        ]
    );
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["findings"], "0");
    assert_eq!(run.last().code, 0);
}

#[test]
fn exit_code_2_always_fails_and_uploads_nothing() {
    let fx = fixture(606);
    // leakscan cannot scan (a config that does not exist): exit 2 even with exit-code 0.
    let run = fx
        .pull_request()
        .input("command", "history")
        .input("exit-code", "0")
        .input("config", "no-such-config.toml")
        .run();
    let scan = run.step("scan");
    assert_eq!(scan.code, 0, "{scan:#?}");
    assert_eq!(
        leakscan_args(&run),
        [
            "history",
            "--format=sarif",
            "--output=leakscan.sarif",
            "--exit-code=0",
            "--config=no-such-config.toml",
            "--range=origin/main..HEAD",
            "--",
            "."
        ]
    );
    assert!(
        scan.stderr.contains("no-such-config.toml"),
        "{}",
        scan.stderr
    );
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.outputs["sarif"], "", "no report to upload");
    assert_eq!(run.uses["upload"]["sarif_file"], "");
    assert_eq!(run.last().id, "verdict");
    assert_eq!(run.last().code, 2);

    // A range for `scan` is refused before leakscan runs, with the same exit code.
    let run = fx.pull_request().input("range", "HEAD~1..HEAD").run();
    let scan = run.step("scan");
    assert_eq!(scan.code, 0);
    assert!(!scan.stderr.contains("running:"), "{}", scan.stderr);
    assert!(
        scan.stderr
            .contains("::error title=leakscan::input range is for command: history"),
        "{}",
        scan.stderr
    );
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.last().code, 2);
}

#[test]
fn a_baseline_input_suppresses_known_findings() {
    let fx = fixture(707);
    // Today's findings of the branch, as a baseline (a json report is one).
    let out = common::leakscan()
        .current_dir(&fx.work)
        .args(["history", "--format", "json", "-o", "../baseline.json"])
        .output()
        .expect("run leakscan");
    assert_eq!(common::exit_code(&out.status), 1, "{out:?}");
    let run = fx
        .pull_request()
        .input("command", "history")
        .input("baseline", "../baseline.json")
        .run();
    assert_eq!(
        leakscan_args(&run),
        history_args(&[
            "--baseline=../baseline.json",
            "--range=origin/main..HEAD",
            "--",
            "."
        ])
    );
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["findings"], "0");
    assert_eq!(run.last().code, 0);
}

// ---- install.sh: a release served from disk, no leakscan on PATH ----

/// A PATH of only the tools install.sh needs (links to this machine's), plus a `cargo`
/// that records being called, so that a run shows whether it fell back to a build.
struct Sandbox {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    tools: PathBuf,
    release: PathBuf,
    cargo_marker: PathBuf,
}

const TOOLS: &[&str] = &[
    "bash",
    "sh",
    "curl",
    "sha256sum",
    "tar",
    "gzip",
    "awk",
    "sort",
    "mktemp",
    "mkdir",
    "rm",
    "cp",
    "chmod",
    "dirname",
    "cat",
];

fn find_tool(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed"))
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, body).expect("write script");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A stand-in binary: `--version` prints `leakscan VERSION`.
fn stub_leakscan(version: &str) -> String {
    format!("#!/bin/sh\nif [ \"$1\" = --version ]; then echo \"leakscan {version}\"; exit 0; fi\necho stub; exit 0\n")
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        let tools = dir.join("tools");
        fs::create_dir(&tools).expect("mkdir tools");
        for t in TOOLS {
            std::os::unix::fs::symlink(find_tool(t), tools.join(t)).expect("link tool");
        }
        let cargo_marker = dir.join("cargo-was-called");
        write_script(
            &tools.join("cargo"),
            &format!(
                "#!/bin/sh\n# Records the call; with STUB_CARGO_INSTALLS set, installs a stub as cargo install would.\necho \"$@\" >>'{}'\nroot=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nif [ -n \"$STUB_CARGO_INSTALLS\" ]; then mkdir -p \"$root/bin\" && cp \"$STUB_CARGO_INSTALLS\" \"$root/bin/leakscan\" && exit 0; fi\necho 'stub cargo: no network' >&2\nexit 101\n",
                cargo_marker.display()
            ),
        );
        for d in ["release", "runner-temp", "home", "scratch", "work"] {
            fs::create_dir(dir.join(d)).expect("mkdir");
        }
        let release = dir.join("release");
        Sandbox {
            _tmp: tmp,
            dir,
            tools,
            release,
            cargo_marker,
        }
    }

    /// Publishes an archive of `binary` (a script) for `target` under v`version`, laid out
    /// as ci/build-release.sh lays it out; returns the archive's name.
    fn publish(&self, version: &str, target: &str, binary: &str) -> String {
        let name = format!("leakscan-{version}-{target}");
        let stage = self.dir.join("stage").join(&name);
        fs::create_dir_all(&stage).expect("mkdir stage");
        write_script(&stage.join("leakscan"), binary);
        let dir = self.release.join(format!("v{version}"));
        fs::create_dir_all(&dir).expect("mkdir release");
        let archive = format!("{name}.tar.gz");
        let out = Command::new("tar")
            .arg("-czf")
            .arg(dir.join(&archive))
            .arg("-C")
            .arg(self.dir.join("stage"))
            .arg(&name)
            .output()
            .expect("tar");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        archive
    }

    fn write_sums(&self, version: &str, lines: &str) {
        fs::write(self.release.join(format!("v{version}/SHA256SUMS")), lines).expect("sums");
    }

    fn archive_sha(&self, version: &str, archive: &str) -> String {
        sha256_hex(&fs::read(self.release.join(format!("v{version}/{archive}"))).expect("archive"))
    }

    /// The action's install step alone, with this sandbox's PATH and release.
    fn runner(&self) -> Runner {
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("RUNNER_OS", "Linux".to_string()),
            ("RUNNER_ARCH", "X64".to_string()),
            (
                "RUNNER_TEMP",
                self.dir.join("runner-temp").display().to_string(),
            ),
            ("HOME", self.dir.join("home").display().to_string()),
        ] {
            env.insert(k.to_string(), v);
        }
        let runner = Runner {
            action: action(),
            inputs: BTreeMap::new(),
            env,
            path: vec![self.tools.clone()],
            workspace: self.dir.join("work"),
            scratch: self.dir.join("scratch"),
            only: vec!["install"],
        };
        runner.input("release-url", &format!("file://{}", self.release.display()))
    }

    fn installed(&self, version: &str) -> PathBuf {
        self.dir
            .join(format!("runner-temp/leakscan-{version}/bin/leakscan"))
    }

    fn cargo_calls(&self) -> Option<String> {
        fs::read_to_string(&self.cargo_marker).ok()
    }
}

#[test]
fn install_sh_downloads_and_verifies_a_release() {
    let sb = Sandbox::new();
    let v = crate_version();
    // The sandbox's PATH really has no leakscan.
    assert!(!sb.tools.join("leakscan").exists());
    let archive = sb.publish(&v, "x86_64-unknown-linux-musl", &stub_leakscan(&v));
    let other = sb.publish(&v, "aarch64-apple-darwin", &stub_leakscan(&v));
    sb.write_sums(
        &v,
        &format!(
            "{}  {other}\n{}  {archive}\n",
            sb.archive_sha(&v, &other),
            sb.archive_sha(&v, &archive)
        ),
    );
    let run = sb.runner().run();
    let install = run.step("install");
    assert_eq!(install.code, 0, "{install:#?}");
    assert!(
        install
            .stderr
            .contains(&format!("checksum verified: {archive}")),
        "{}",
        install.stderr
    );
    let bin = sb.installed(&v);
    assert_eq!(
        install.github_path,
        [bin.parent().unwrap().display().to_string()]
    );
    assert_eq!(install.outputs["bin"], bin.display().to_string());
    assert_eq!(install.outputs["version"], v);
    let out = Command::new(&bin)
        .arg("--version")
        .output()
        .expect("run installed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("leakscan {v}")
    );
    assert_eq!(
        sb.cargo_calls(),
        None,
        "no build from source when a release is there"
    );
}

#[test]
fn install_sh_refuses_a_checksum_mismatch_without_fallback() {
    let sb = Sandbox::new();
    let v = crate_version();
    let archive = sb.publish(&v, "x86_64-unknown-linux-musl", &stub_leakscan(&v));
    let wrong = sha256_hex(b"some other archive");
    sb.write_sums(&v, &format!("{wrong}  {archive}\n"));
    let run = sb.runner().run();
    let install = run.step("install");
    assert_ne!(install.code, 0, "{install:#?}");
    assert!(
        install.stderr.contains(&format!(
            "::error title=leakscan install::checksum mismatch for {archive}"
        )),
        "{}",
        install.stderr
    );
    assert!(install.stderr.contains(&wrong));
    assert!(!sb.installed(&v).exists(), "nothing installed");
    assert!(install.github_path.is_empty());
    assert!(!install.outputs.contains_key("bin"));
    assert_eq!(
        sb.cargo_calls(),
        None,
        "a checksum failure must not fall back to cargo"
    );

    // An archive SHA256SUMS does not list is refused the same way.
    let sb = Sandbox::new();
    let archive = sb.publish(&v, "x86_64-unknown-linux-musl", &stub_leakscan(&v));
    let other = sb.publish(&v, "x86_64-apple-darwin", &stub_leakscan(&v));
    sb.write_sums(&v, &format!("{}  {other}\n", sb.archive_sha(&v, &other)));
    let run = sb.runner().run();
    let install = run.step("install");
    assert_ne!(install.code, 0);
    assert!(
        install.stderr.contains(&format!(
            "::error title=leakscan install::checksum missing: SHA256SUMS of v{v} does not list {archive}"
        )),
        "{}",
        install.stderr
    );
    assert!(!sb.installed(&v).exists());
    assert_eq!(sb.cargo_calls(), None);
}

#[test]
fn install_sh_builds_from_source_when_there_is_no_release() {
    let sb = Sandbox::new();
    let v = crate_version();
    // No v<version> directory at all: the download fails; cargo installs a stub.
    let stub = sb.dir.join("built-leakscan");
    write_script(&stub, &stub_leakscan(&v));
    let mut runner = sb.runner();
    runner
        .env
        .insert("STUB_CARGO_INSTALLS".into(), stub.display().to_string());
    let run = runner.run();
    let install = run.step("install");
    assert_eq!(install.code, 0, "{install:#?}");
    assert!(
        install.stderr.contains(&format!(
            "falling back to cargo install --locked leakscan --version {v}"
        )),
        "{}",
        install.stderr
    );
    let root = sb.dir.join(format!("runner-temp/leakscan-{v}"));
    assert_eq!(
        sb.cargo_calls().as_deref(),
        Some(
            format!(
                "install --locked --root {} leakscan --version {v}\n",
                root.display()
            )
            .as_str()
        )
    );
    assert_eq!(
        install.github_path,
        [root.join("bin").display().to_string()]
    );
    assert_eq!(install.outputs["version"], v);

    // When the registry fails too, the repository's tag is built; when that fails, the
    // step fails and says so.
    let sb = Sandbox::new();
    let run = sb.runner().run();
    let install = run.step("install");
    assert_ne!(install.code, 0);
    let calls = sb.cargo_calls().expect("cargo was tried");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].ends_with(&format!(
            "--git https://github.com/leakscan/leakscan --tag v{v} leakscan"
        )),
        "{calls:?}"
    );
    assert!(install.stderr.contains("failed"), "{}", install.stderr);
    assert!(install.github_path.is_empty());
}

#[test]
fn install_sh_replaces_a_leakscan_of_another_version() {
    let sb = Sandbox::new();
    let v = crate_version();
    write_script(&sb.tools.join("leakscan"), &stub_leakscan("0.0.1"));
    let archive = sb.publish(&v, "x86_64-unknown-linux-musl", &stub_leakscan(&v));
    sb.write_sums(
        &v,
        &format!("{}  {archive}\n", sb.archive_sha(&v, &archive)),
    );
    let run = sb.runner().run();
    let install = run.step("install");
    assert_eq!(install.code, 0, "{install:#?}");
    assert!(install.stderr.contains(&format!(
        "leakscan 0.0.1 at {}",
        sb.tools.join("leakscan").display()
    )));
    assert_eq!(
        install.outputs["bin"],
        sb.installed(&v).display().to_string()
    );

    // `any` takes it as it is.
    let run = sb.runner().input("version", "any").run();
    let install = run.step("install");
    assert_eq!(install.code, 0);
    assert_eq!(
        install.outputs["bin"],
        sb.tools.join("leakscan").display().to_string()
    );
    assert_eq!(install.outputs["version"], "0.0.1");
    assert!(install.github_path.is_empty());

    // A release binary that says another version than its archive's is not installed.
    let sb = Sandbox::new();
    let archive = sb.publish(&v, "x86_64-unknown-linux-musl", &stub_leakscan("9.9.9"));
    sb.write_sums(
        &v,
        &format!("{}  {archive}\n", sb.archive_sha(&v, &archive)),
    );
    let run = sb.runner().run();
    let install = run.step("install");
    assert_ne!(install.code, 0);
    assert!(
        install.stderr.contains("says it is version '9.9.9'"),
        "{}",
        install.stderr
    );
    assert!(!sb.installed(&v).exists());
}
