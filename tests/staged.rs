//! `leakscan staged` and `leakscan install-hook` against real repositories: exactly what the
//! commit adds is reported, with the new file's line numbers, and the hook blocks a real
//! `git commit`.

mod common;

use common::git::{git_cmd, leakscan, leakscan_json, token, where_, with_secret, Repo};
use std::path::Path;

fn line_with(t: &str) -> String {
    format!("API_TOKEN = \"{t}\"\n")
}

/// (path, line) of each finding, sorted.
fn places(json: &[serde_json::Value]) -> Vec<(String, u64)> {
    let mut v: Vec<_> = json
        .iter()
        .map(|f| {
            let (p, l, _) = where_(f);
            (p, l)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn staged_secret_is_reported_and_unstaged_one_is_not() {
    let r = Repo::new();
    r.write("README.md", "hi\n");
    r.commit("init");
    let staged = token("stagedone");
    let unstaged = token("unstagedone");
    r.write("new.py", format!("a = 1\nb = 2\n{}", line_with(&staged)));
    r.git(&["add", "new.py"]);
    // Edits after `git add` are not in the commit.
    r.write(
        "new.py",
        format!(
            "a = 1\nb = 2\n{}{}",
            line_with(&staged),
            line_with(&unstaged)
        ),
    );
    r.write("untracked.py", line_with(&unstaged));
    r.write("README.md", format!("hi\n{}", line_with(&unstaged)));

    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(places(&run.json), vec![("new.py".into(), 3)]);
    assert_eq!(run.json[0]["secret"], staged);
    assert_eq!(run.json[0]["commit"], serde_json::Value::Null);
}

#[test]
fn changed_file_reports_only_added_lines_with_new_line_numbers() {
    let r = Repo::new();
    let old = token("alreadycommitted");
    r.write(
        "conf/app.ini",
        format!("[a]\n{}x = 1\ny = 2\n", line_with(&old)),
    );
    r.commit("init");
    let new = token("newlyadded");
    // Three lines inserted at the top shift everything: line numbers are the new file's.
    r.write(
        "conf/app.ini",
        format!(
            "; one\n; two\n; three\n[a]\n{}x = 1\n{}y = 2\n",
            line_with(&old),
            line_with(&new)
        ),
    );
    r.git(&["add", "-A"]);

    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(places(&run.json), vec![("conf/app.ini".into(), 7)]);
    assert_eq!(with_secret(&run.json, &new).len(), 1);
    assert!(with_secret(&run.json, &old).is_empty());
}

#[test]
fn removing_a_secret_is_not_reported() {
    let r = Repo::new();
    let t = token("beingremoved");
    r.write("a.py", format!("x = 1\n{}", line_with(&t)));
    r.commit("init");
    r.write("a.py", "x = 1\n");
    r.git(&["add", "-A"]);
    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 0, "{:#?}", run.json);
    // Deleting the whole file too.
    r.git(&["rm", "-q", "-f", "a.py"]);
    assert_eq!(leakscan_json(&r.dir, &["staged"]).code, 0);
}

#[test]
fn first_commit_without_head_scans_the_whole_index() {
    let r = Repo::new();
    let t = token("firstcommit");
    r.write("src/main.rs", format!("// x\n{}", line_with(&t)));
    r.write("nothing.txt", "ok\n");
    r.git(&["add", "-A"]);
    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(places(&run.json), vec![("src/main.rs".into(), 2)]);
}

#[test]
fn binary_and_submodule_entries_are_skipped() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let mut bytes = [[0u8; 16].as_slice(), b"binary"].concat();
    bytes.extend_from_slice(line_with(&token("inbinary")).as_bytes());
    r.write("blob.bin", &bytes);
    r.git(&["add", "blob.bin"]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1111111111111111111111111111111111111111,vendor/lib",
    ]);
    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 0, "{:#?} {}", run.json, run.stderr);
    assert!(run.stderr.contains("1 binary"), "{}", run.stderr);
}

#[test]
fn inline_allow_and_config_allowlist_silence_false_alarms() {
    let r = Repo::new();
    r.write(".leakscan.toml", "[allowlist]\npaths = [\"testdata/**\"]\n");
    r.commit("init");
    r.write("testdata/fake.txt", line_with(&token("allowedpath")));
    r.write(
        "b.py",
        format!("T = \"{}\"  # leakscan:allow\n", token("allowedinline")),
    );
    r.git(&["add", "-A"]);
    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 0, "{:#?}", run.json);
    assert!(run.stderr.contains("1 inline"), "{}", run.stderr);
    assert!(run.stderr.contains("1 allowlisted paths"), "{}", run.stderr);
}

#[test]
fn text_report_says_where_what_and_how_to_fix() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let t = token("advice");
    r.write(
        "deploy/ci.sh",
        format!("#!/bin/sh\nexport {}", line_with(&t)),
    );
    r.git(&["add", "-A"]);
    let run = leakscan(&r.dir, &["staged"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("deploy/ci.sh:2:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("GitHub personal access token"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&t), "redacted by default");
    for needle in [
        "deploy/ci.sh:2:",
        "git restore --staged deploy/ci.sh",
        "git add deploy/ci.sh",
        "revoke",
        "leakscan:allow",
        ".leakscan.toml",
    ] {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} missing from:\n{}",
            run.stderr
        );
    }
}

#[test]
fn bare_repository_and_non_repository_exit_2() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let bare = r.sibling("bare.git");
    r.git(&[
        "clone",
        "-q",
        "--bare",
        ".",
        bare.to_str().expect("utf-8 path"),
    ]);
    let run = leakscan(&bare, &["staged"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bare repository"), "{}", run.stderr);
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = leakscan(tmp.path(), &["staged", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
}

/// PATH with the built binary's directory first, as a user's after installing leakscan.
fn path_with_leakscan() -> std::ffi::OsString {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_leakscan"))
        .parent()
        .expect("binary dir")
        .to_path_buf();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH")
}

/// `git commit` with the built binary's directory first on PATH.
fn git_commit(dir: &Path, args: &[&str], with_leakscan: bool) -> std::process::Output {
    let path = if with_leakscan {
        path_with_leakscan()
    } else {
        // Only where git and sh live, not leakscan.
        "/usr/bin:/bin".into()
    };
    git_cmd(dir)
        .env("PATH", path)
        .env("GIT_AUTHOR_DATE", "1709251200 +0000")
        .env("GIT_COMMITTER_DATE", "1709251200 +0000")
        .arg("commit")
        .args(args)
        .output()
        .expect("run git commit")
}

#[test]
fn installed_hook_blocks_a_real_commit() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let run = leakscan(&r.dir, &["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = r.dir.join(".git/hooks/pre-commit");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).expect("hook").permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "executable");
    }
    let before = r.head();

    // A clean change goes through.
    r.write("b.txt", "b\n");
    r.git(&["add", "b.txt"]);
    let ok = git_commit(&r.dir, &["-q", "-m", "clean"], true);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let clean = r.head();
    assert_ne!(clean, before);

    // A secret is blocked, and git shows why.
    r.write("c.py", line_with(&token("blocked")));
    r.git(&["add", "c.py"]);
    let blocked = git_commit(&r.dir, &["-q", "-m", "leak"], true);
    assert!(!blocked.status.success());
    let err = String::from_utf8_lossy(&blocked.stderr);
    assert!(err.contains("git restore --staged c.py"), "{err}");
    assert_eq!(r.head(), clean, "no commit was made");

    // `git commit -a` checks the temporary index git hands the hook (GIT_INDEX_FILE).
    r.git(&["reset", "-q"]);
    std::fs::remove_file(r.dir.join("c.py")).expect("rm");
    r.write("b.txt", format!("b\n{}", line_with(&token("commitall"))));
    let blocked = git_commit(&r.dir, &["-q", "-a", "-m", "leak via -a"], true);
    assert!(
        !blocked.status.success(),
        "{}",
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert_eq!(r.head(), clean);

    // Without leakscan on PATH the hook fails and says so.
    let missing = git_commit(&r.dir, &["-q", "-a", "-m", "x"], false);
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("leakscan is not on PATH"), "{err}");
}

#[test]
fn install_hook_refuses_to_overwrite_without_force_and_respects_hooks_path() {
    let r = Repo::new();
    let hook = r.dir.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().expect("hooks dir")).expect("mkdir");
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").expect("write hook");
    let run = leakscan(&r.dir, &["install-hook"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&hook).expect("hook"),
        "#!/bin/sh\necho mine\n"
    );
    let run = leakscan(&r.dir, &["install-hook", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&hook)
        .expect("hook")
        .contains("exec leakscan staged"));

    // core.hooksPath, relative to the work tree.
    r.git(&["config", "core.hooksPath", "tools/hooks"]);
    let run = leakscan(&r.dir, &["install-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(r.dir.join("tools/hooks/pre-commit").is_file());
}

/// Runs a hook's `entry` the way the pre-commit framework does for `pass_filenames: false`:
/// as a command line in the repository's top directory, with leakscan installed on PATH.
fn run_entry(dir: &Path, entry: &str) -> (i32, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(entry)
        .current_dir(dir)
        .env("PATH", path_with_leakscan())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("run sh -c ENTRY");
    common::code_and_log(&out)
}

#[test]
fn pre_commit_framework_manifest_runs_staged() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .expect(".pre-commit-hooks.yaml at the repo root");
    let hooks: Vec<serde_yaml_ng::Value> =
        serde_yaml_ng::from_str(&text).expect("the manifest is a YAML list of hooks");
    let field = |hook: &serde_yaml_ng::Value, key: &str| -> String {
        match &hook[key] {
            serde_yaml_ng::Value::String(s) => s.clone(),
            serde_yaml_ng::Value::Bool(b) => b.to_string(),
            other => panic!("hook {:?}: `{key}` is {other:?}", hook["id"]),
        }
    };
    let ids: Vec<String> = hooks.iter().map(|h| field(h, "id")).collect();
    // Built from source by pre-commit (`rust`), or the binary already installed (`system`).
    assert_eq!(ids, ["leakscan", "leakscan-system"]);
    for hook in &hooks {
        let id = field(hook, "id");
        let language = if id == "leakscan" { "rust" } else { "system" };
        assert_eq!(field(hook, "language"), language, "{id}");
        // `leakscan staged` reads the index itself; file names would be taken as a path.
        assert_eq!(field(hook, "pass_filenames"), "false", "{id}");
        assert_eq!(
            hook["stages"],
            serde_yaml_ng::Value::Sequence(vec!["pre-commit".into()]),
            "{id}"
        );
        let entry = field(hook, "entry");
        let entry = entry.as_str();
        assert_eq!(
            entry.split_whitespace().next(),
            Some("leakscan"),
            "{id}: the entry runs the installed binary"
        );

        let r = Repo::new();
        r.write("README.md", "hi\n");
        r.commit("init");
        // Clean: the staged change has no secret. A secret in an untracked file is not part
        // of the commit, so the hook must not report it either.
        let unstaged = token("precommitunstaged");
        r.write("scratch.py", line_with(&unstaged));
        r.write("notes.txt", "nothing to see\n");
        r.git(&["add", "notes.txt"]);
        let (code, output) = run_entry(&r.dir, entry);
        assert_eq!(code, 0, "{id}: `{entry}` on a clean commit:\n{output}");
        assert!(!output.contains("scratch.py"), "{id}:\n{output}");

        // A staged fake token: the commit is blocked and the output says where and what.
        let staged = token("precommitstaged");
        r.write(
            "deploy/env.sh",
            format!("#!/bin/sh\nexport {}", line_with(&staged)),
        );
        r.git(&["add", "deploy/env.sh"]);
        let (code, output) = run_entry(&r.dir, entry);
        assert_eq!(code, 1, "{id}: `{entry}` with a staged secret:\n{output}");
        assert!(output.contains("deploy/env.sh:2:"), "{id}:\n{output}");
        assert!(
            output.contains("GitHub personal access token"),
            "{id}:\n{output}"
        );
        assert!(!output.contains("scratch.py"), "{id}:\n{output}");
        assert!(!output.contains(&staged), "{id}: redacted by default");
    }
}
