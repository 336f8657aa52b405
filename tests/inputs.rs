//! Bad and unusual inputs named on the command line (issue 11): streams (`/dev/stdin`,
//! `<(…)`, FIFOs), named files that cannot be scanned, stdin that cannot be read, symlink
//! loops, the same path named twice, non-UTF-8 names, allowlists that allow everything, a
//! bare repository for `install-hook`, and absurd `--threads`. The real binary, as a process.

mod common;

use common::{exit_code, github_pat, str_field, Tree};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_leakscan");

/// The binary with a clean environment, run from `dir`.
fn leakscan_in(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("LEAKSCAN_CONFIG")
        .env_remove("NO_COLOR");
    c
}

/// Waits for `child` at most `limit`; kills it and panics when it takes longer.
fn wait_bounded(mut child: std::process::Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        match child.try_wait().expect("try_wait") {
            Some(_) => return child.wait_with_output().expect("output"),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {limit:?}; killed");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Runs `cmd` (stdout and stderr captured, stdin closed unless set) within `secs` seconds.
fn run_bounded(cmd: &mut Command, secs: u64, what: &str) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_bounded(child, Duration::from_secs(secs), what)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Vec<Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON array ({e}): {stdout}\n{}",
            stderr(out)
        )
    })
}

/// A temp dir holding `s.env` with one fake token; returns it and the token.
fn secret_tree(seed: u64) -> (Tree, String) {
    let t = Tree::new();
    let token = github_pat(seed);
    t.write("s.env", format!("GITHUB_TOKEN={token}\n"));
    (t, token)
}

fn sh(dir: &Path, script: &str) -> Command {
    let mut c = Command::new("bash");
    c.current_dir(dir)
        .env("LEAKSCAN", BIN)
        .env_remove("LEAKSCAN_CONFIG")
        .args(["-c", script]);
    c
}

// ---- (6) streams named on the command line ----

#[test]
fn dev_stdin_fed_by_a_pipe_is_read_as_a_stream() {
    let (t, token) = secret_tree(1101);
    let out = run_bounded(
        &mut sh(
            t.path(),
            r#"cat s.env | "$LEAKSCAN" scan /dev/stdin --format json --show-secrets"#,
        ),
        20,
        "scan /dev/stdin",
    );
    assert_eq!(exit_code(&out.status), 1, "{}", stderr(&out));
    let found = json(&out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(str_field(&found[0], "secret"), token);
    assert_eq!(str_field(&found[0], "path"), "/dev/stdin");
}

#[test]
fn process_substitution_is_read_as_a_stream() {
    let (t, token) = secret_tree(1102);
    let out = run_bounded(
        &mut sh(
            t.path(),
            r#""$LEAKSCAN" scan <(cat s.env) --format json --show-secrets"#,
        ),
        20,
        "scan <(...)",
    );
    assert_eq!(exit_code(&out.status), 1, "{}", stderr(&out));
    let found = json(&out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(str_field(&found[0], "secret"), token);
    let path = str_field(&found[0], "path");
    assert!(path.starts_with("/dev/fd/"), "named as given: {path}");
}

/// Linux's `O_NONBLOCK`: opening a FIFO for reading with it never waits, and lets a writer
/// blocked in `open` go on.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_named_on_the_command_line_is_read() {
    use std::os::unix::fs::OpenOptionsExt;
    let t = Tree::new();
    let token = github_pat(1103);
    let fifo = t.path().join("pipe.env");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        let text = format!("GITHUB_TOKEN={token}\n");
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .expect("open fifo for writing");
            let _ = f.write_all(text.as_bytes());
        })
    };
    let out = run_bounded(
        leakscan_in(t.path()).args(["scan", "pipe.env", "--format", "json", "--show-secrets"]),
        20,
        "scan FIFO",
    );
    if !writer.is_finished() {
        // leakscan never opened it: release the writer.
        let _ = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NONBLOCK)
            .open(&fifo);
    }
    writer.join().expect("writer");
    assert_eq!(exit_code(&out.status), 1, "{}", stderr(&out));
    let found = json(&out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(str_field(&found[0], "secret"), token);
    assert_eq!(str_field(&found[0], "path"), "pipe.env");
}

#[test]
fn an_endless_stream_stops_at_the_size_limit() {
    let t = Tree::new();
    for target in ["-", "/dev/stdin"] {
        let script =
            format!(r#"cat /dev/zero | "$LEAKSCAN" scan {target} --max-file-size 1000000"#);
        let out = run_bounded(&mut sh(t.path(), &script), 20, "cat /dev/zero | scan");
        let err = stderr(&out);
        assert!(err.contains("1 too large"), "{target}: {err}");
        // Named and not scanned: exit 2, with the reason.
        assert_eq!(exit_code(&out.status), 2, "{target}: {err}");
        assert!(err.contains("could not be scanned"), "{target}: {err}");
    }
}

// ---- (11) a named input that could not be scanned is exit 2 ----

/// Runs `leakscan` as an unprivileged user when we are root, so that a mode-000 file really
/// is unreadable.
fn unprivileged(cmd: Command) -> Command {
    let euid = Command::new("id").arg("-u").output();
    let is_root = euid.map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    if !is_root {
        return cmd;
    }
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped.env_remove("LEAKSCAN_CONFIG");
    wrapped
}

#[test]
fn a_lone_named_file_that_cannot_be_scanned_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    t.write(
        "big.env",
        format!("{}\nT={}\n", "x".repeat(2000), github_pat(1110)),
    );
    t.write(
        "blob.bin",
        [[0u8; 16].as_slice(), github_pat(1111).as_bytes()].concat(),
    );
    let locked = t.write("locked.env", format!("T={}\n", github_pat(1112)));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");

    let cases: [(&str, &[&str], &str); 3] = [
        ("big.env", &["--max-file-size", "1000"], "max-file-size"),
        ("blob.bin", &[], "binary"),
        ("locked.env", &[], "cannot read"),
    ];
    for (name, extra, why) in cases {
        let mut cmd = leakscan_in(t.path());
        cmd.arg("scan").arg(name).args(extra);
        let mut cmd = unprivileged(cmd);
        let out = run_bounded(&mut cmd, 20, name);
        let err = stderr(&out);
        assert_eq!(exit_code(&out.status), 2, "{name}: {err}");
        assert!(err.contains("could not be scanned"), "{name}: {err}");
        assert!(err.contains(name) && err.contains(why), "{name}: {err}");
        // The summary is still printed.
        assert!(err.contains("no findings in 0 files"), "{name}: {err}");
    }

    // The same files inside a named directory are skipped with warnings: exit 0, as before.
    let mut cmd = leakscan_in(t.path());
    cmd.args(["scan", ".", "--max-file-size", "1000"]);
    let out = run_bounded(&mut unprivileged(cmd), 20, "dir");
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 0, "{err}");
    assert!(err.contains("1 binary, 1 too large, 1 unreadable"), "{err}");
}

#[test]
fn a_named_directory_that_cannot_be_read_is_exit_2_but_one_below_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    t.write("top/ok.env", "A=1\n");
    t.write("top/locked/x.env", "B=2\n");
    t.write("shut/y.env", "C=3\n");
    for d in ["top", "top/locked", "shut"] {
        let mode = if d == "top" { 0o755 } else { 0o000 };
        std::fs::set_permissions(t.path().join(d), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }
    let mut cmd = leakscan_in(t.path());
    cmd.args(["scan", "top"]);
    let out = run_bounded(&mut unprivileged(cmd), 20, "top");
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 0, "{err}");
    assert!(err.contains("warning: locked: cannot read"), "{err}");
    let mut cmd = leakscan_in(t.path());
    cmd.args(["scan", "shut"]);
    let out = run_bounded(&mut unprivileged(cmd), 20, "shut");
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    assert!(
        err.contains("could not be scanned: shut (cannot read"),
        "{err}"
    );
    for d in ["top/locked", "shut"] {
        std::fs::set_permissions(t.path().join(d), std::fs::Permissions::from_mode(0o755))
            .expect("chmod back, so that the temp dir can be removed");
    }
}

#[test]
fn a_named_file_that_cannot_be_scanned_fails_the_run_but_the_rest_is_reported() {
    let t = Tree::new();
    let token = github_pat(1113);
    t.write("ok.env", format!("T={token}\n"));
    t.write("blob.bin", [[0u8; 16].as_slice(), b" binary"].concat());
    let out = run_bounded(
        leakscan_in(t.path()).args([
            "scan",
            "ok.env",
            "blob.bin",
            "--format",
            "json",
            "--show-secrets",
        ]),
        20,
        "two files",
    );
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    let found = json(&out);
    assert_eq!(found.len(), 1, "the report is still written: {found:#?}");
    assert_eq!(str_field(&found[0], "secret"), token);
    assert!(err.contains("blob.bin"), "{err}");
}

#[test]
fn a_named_file_the_config_allowlists_is_not_an_error() {
    let t = Tree::new();
    // A work tree, so that the config at its root governs a file named below it.
    std::fs::create_dir(t.path().join(".git")).expect("mkdir .git");
    t.write(".leakscan.toml", "[allowlist]\npaths = [\"fixtures/\"]\n");
    t.write("fixtures/f.env", format!("T={}\n", github_pat(1114)));
    let out = run_bounded(
        leakscan_in(t.path()).args(["scan", "fixtures/f.env"]),
        20,
        "allowlisted",
    );
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 0, "{err}");
    assert!(err.contains("1 allowlisted paths"), "{err}");
}

#[test]
fn empty_stdin_is_clean_but_unreadable_stdin_is_exit_2() {
    let t = Tree::new();
    // Empty, and closed (fd 0 not open): nothing to scan, nothing found.
    for script in [
        r#""$LEAKSCAN" scan - < /dev/null"#,
        r#""$LEAKSCAN" scan - <&-"#,
    ] {
        let out = run_bounded(&mut sh(t.path(), script), 20, script);
        assert_eq!(exit_code(&out.status), 0, "{script}: {}", stderr(&out));
    }
    // A directory on stdin opens but cannot be read.
    let dir = std::fs::File::open(t.path()).expect("open dir");
    let out = run_bounded(
        leakscan_in(t.path())
            .args(["scan", "-"])
            .stdin(Stdio::from(dir)),
        20,
        "dir on stdin",
    );
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    assert!(err.contains("cannot read standard input"), "{err}");
    assert!(err.contains("could not be scanned"), "{err}");
}

// ---- smaller defects ----

#[test]
fn a_symlink_loop_is_called_a_symlink_loop() {
    let t = Tree::new();
    std::os::unix::fs::symlink("b", t.path().join("a")).expect("symlink");
    std::os::unix::fs::symlink("a", t.path().join("b")).expect("symlink");
    std::os::unix::fs::symlink("nowhere", t.path().join("dangling")).expect("symlink");
    let out = run_bounded(leakscan_in(t.path()).args(["scan", "a"]), 20, "loop");
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    assert!(err.contains("a: symlink loop"), "{err}");
    assert!(!err.contains("no such file"), "{err}");
    let out = run_bounded(
        leakscan_in(t.path()).args(["scan", "dangling"]),
        20,
        "dangling",
    );
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    assert!(err.contains("dangling: broken symlink"), "{err}");
}

#[test]
fn a_path_named_twice_is_scanned_once() {
    let (t, token) = secret_tree(1120);
    std::fs::create_dir(t.path().join("d")).expect("mkdir");
    std::fs::copy(t.path().join("s.env"), t.path().join("d/s.env")).expect("copy");
    let scan = |args: &[&str]| {
        let out = run_bounded(
            leakscan_in(t.path()).arg("scan").args(args).args([
                "--format",
                "json",
                "--show-secrets",
            ]),
            20,
            "scan",
        );
        (json(&out), stderr(&out))
    };
    let (found, err) = scan(&["./s.env", "s.env"]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(err.contains("in 1 file "), "{err}");

    let (alone, _) = scan(&["d"]);
    let abs = t.path().join("d").display().to_string();
    let (found, err) = scan(&["./d", "d", &abs, "d/"]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(err.contains("in 1 file "), "{err}");
    assert_eq!(str_field(&found[0], "secret"), token);
    assert_eq!(
        str_field(&found[0], "fingerprint"),
        str_field(&alone[0], "fingerprint"),
        "the same directory named several ways is that directory"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn non_utf8_names_are_printed_escaped_not_replaced() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let t = Tree::new();
    let name = OsStr::from_bytes(b"bad\xffname.env");
    std::fs::write(t.path().join(name), format!("T={}\n", github_pat(1130))).expect("write");
    let out = run_bounded(
        leakscan_in(t.path()).args(["scan", ".", "--format", "json"]),
        20,
        "json",
    );
    let found = json(&out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(str_field(&found[0], "path"), r"bad\xffname.env");
    let out = run_bounded(leakscan_in(t.path()).args(["scan", "."]), 20, "text");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r"bad\xffname.env:1:3"), "{text}");
    assert!(!text.contains('\u{fffd}'), "{text}");
    let out = run_bounded(
        leakscan_in(t.path()).args(["scan", ".", "--format", "sarif"]),
        20,
        "sarif",
    );
    let sarif = String::from_utf8_lossy(&out.stdout);
    assert!(sarif.contains("bad%5Cxffname.env"), "{sarif}");
    assert!(!sarif.contains("%EF%BF%BD"), "{sarif}");
    // Named on the command line, it is shown the same way in warnings.
    let mut cmd = leakscan_in(t.path());
    cmd.arg("scan").arg(name).args(["--max-file-size", "3"]);
    let out = run_bounded(&mut cmd, 20, "named");
    let err = stderr(&out);
    assert!(err.contains(r"bad\xffname.env: "), "{err}");
}

#[test]
fn allowlist_entries_that_allow_everything_are_refused() {
    let t = Tree::new();
    t.write("a.env", format!("T={}\n", github_pat(1140)));
    let paths = ["*", "**", "**/*", "/**", "/", "./*", "/*"];
    for p in paths {
        t.write(
            ".leakscan.toml",
            format!("[allowlist]\npaths = [\"src/\", \"{p}\"]\n"),
        );
        let out = run_bounded(leakscan_in(t.path()).args(["scan", "."]), 20, p);
        let err = stderr(&out);
        assert_eq!(exit_code(&out.status), 2, "path {p:?}: {err}");
        assert!(err.contains(".leakscan.toml:2:18"), "path {p:?}: {err}");
        assert!(err.contains("allow everything"), "path {p:?}: {err}");
    }
    for r in [".*", "^", "(?s).*", "", "x*", ".", r"\S+"] {
        t.write(
            ".leakscan.toml",
            format!("[allowlist]\nregexes = ['^AKIA', '{r}']\n"),
        );
        let out = run_bounded(leakscan_in(t.path()).args(["scan", "."]), 20, r);
        let err = stderr(&out);
        assert_eq!(exit_code(&out.status), 2, "regex {r:?}: {err}");
        assert!(err.contains(".leakscan.toml:2:21"), "regex {r:?}: {err}");
        assert!(err.contains("allow everything"), "regex {r:?}: {err}");
    }
    // Narrow entries still load, and a negation is not an allow.
    t.write(
        ".leakscan.toml",
        "[allowlist]\npaths = [\"*.lock\", \"fixtures/**\", \"!*\"]\nregexes = ['^AKIA[A-Z2-7]{12}TEST$', '^$']\n",
    );
    let out = run_bounded(leakscan_in(t.path()).args(["scan", "."]), 20, "narrow");
    assert_eq!(exit_code(&out.status), 1, "{}", stderr(&out));
}

#[test]
fn install_hook_refuses_a_bare_repository() {
    let t = Tree::new();
    let bare = t.path().join("b.git");
    let ok = common::git::git_cmd(t.path())
        .args(["init", "-q", "--bare"])
        .arg(&bare)
        .status()
        .expect("git init");
    assert!(ok.success());
    let out = run_bounded(
        leakscan_in(t.path()).args(["install-hook", "b.git"]),
        20,
        "install-hook bare",
    );
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 2, "{err}");
    assert!(err.contains("bare repository"), "{err}");
    assert!(!bare.join("hooks/pre-commit").exists(), "no hook written");
}

#[test]
fn absurd_thread_counts_are_capped() {
    let t = Tree::new();
    t.write("a.env", "A=1\n");
    t.write("b.env", "B=2\n");
    let child = leakscan_in(t.path())
        .args(["scan", ".", "--threads", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = wait_bounded(child, Duration::from_secs(10), "--threads 100000");
    let err = stderr(&out);
    assert_eq!(exit_code(&out.status), 0, "{err}");
    assert!(
        err.contains("--threads 100000"),
        "a warning names the request: {err}"
    );
}
