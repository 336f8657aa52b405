//! Nothing leaked, nothing lost: secrets never printed through a neighbour's snippet, a
//! commit message or a world-readable report; commits, blobs and tags that damage or odd refs
//! used to hide are scanned, and a pre-commit check fails closed.

mod common;

use common::git::{leakscan, leakscan_json, token, Repo};
use common::str_field;
use std::path::Path;

/// Panics when `text` holds `tok`, or the part of it a redaction must hide.
fn assert_hidden(what: &str, text: &str, tok: &str) {
    assert!(!text.contains(&tok[4..]), "{what} shows a secret:\n{text}");
}

#[test]
fn a_snippet_never_shows_the_other_secrets_of_its_line() {
    let r = Repo::new();
    let (a, b, c) = (token("neighbour-a"), token("neighbour-b"), token("twice-c"));
    r.write("app.env", format!("A={a} B={b}\nC={c};C2={c}\n"));
    r.commit("add");
    let mut outputs = Vec::new();
    for format in ["text", "json", "jsonl", "sarif"] {
        for cmd in ["scan", "history"] {
            let run = leakscan(&r.dir, &[cmd, "--format", format, "--color", "never"]);
            assert_eq!(run.code, 1, "{cmd} {format}: {}", run.stderr);
            outputs.push((format!("{cmd} {format}"), run.stdout + &run.stderr));
        }
    }
    let base = r.sibling("baseline.json");
    let run = leakscan(&r.dir, &["baseline", "-o", &base.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&base).expect("baseline written");
    assert!(text.contains("fingerprint"));
    outputs.push(("baseline".to_string(), text));
    for (what, out) in &outputs {
        for t in [&a, &b, &c] {
            assert_hidden(what, out, t);
        }
    }
    // A copy of a secret where no rule matches it (found by the engine fuzz target).
    let t = common::Tree::new();
    let pw = "Ul4bR2hRzAt8kQa5ih1P7x";
    t.write(
        "db.env",
        format!("db_password = \"{pw}\" # was {pw} before\n"),
    );
    let run = leakscan(t.path(), &["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("db_password"), "{}", run.stdout);
    assert_hidden("unmatched copy", &run.stdout, pw);

    // With --show-secrets the neighbours are shown too.
    let run = leakscan_json(&r.dir, &["scan"]);
    let snippet = str_field(&run.json[0], "snippet");
    assert!(snippet.contains(&a) && snippet.contains(&b), "{snippet}");
}

#[test]
fn secrets_in_commit_messages_are_found_and_never_printed() {
    let r = Repo::new();
    let (in_msg, in_file) = (token("message"), token("file"));
    r.write("a.env", format!("T={in_file}\n"));
    r.commit(&format!("deploy with {in_msg}\n\nsecond line"));
    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths: Vec<String> = run.json.iter().map(|f| str_field(f, "path")).collect();
    assert_eq!(paths, ["(commit message)", "a.env"]);
    assert_eq!(run.json[0]["secret"], in_msg.as_str());
    assert_eq!(run.json[0]["line"], 1);
    for format in ["text", "json", "jsonl", "sarif"] {
        let run = leakscan(&r.dir, &["history", "--format", format]);
        assert_eq!(run.code, 1);
        assert_hidden(format, &run.stdout, &in_msg);
        assert!(
            run.stdout.contains("deploy with"),
            "{format}: {}",
            run.stdout
        );
    }
    // A token in the message's body (not the first line) is found too.
    r.commit(&format!("rotate\n\nold one was {}", token("body")));
    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.json.len(), 3, "{:?}", run.json);
}

#[cfg(unix)]
#[test]
fn reports_with_secrets_are_private_and_never_overwrite_their_input() {
    use std::os::unix::fs::PermissionsExt;
    let r = Repo::new();
    let tok = token("report");
    r.write("a.env", format!("T={tok}\n"));
    let out = r.sibling("report.json");
    std::fs::write(&out, "old").expect("write");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let o = out.display().to_string();
    let run = leakscan(&r.dir, &["scan", "--show-secrets", "-f", "json", "-o", &o]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mode = std::fs::metadata(&out).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&out).expect("read").contains(&tok));
    let fresh = r.sibling("fresh.json");
    let f = fresh.display().to_string();
    leakscan(&r.dir, &["scan", "--show-secrets", "-o", &f]);
    let mode = std::fs::metadata(&fresh)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // -o naming a scanned file: refused, the file untouched.
    let run = leakscan(&r.dir, &["scan", "a.env", "-o", "a.env"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("being scanned"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(r.dir.join("a.env")).expect("read"),
        format!("T={tok}\n")
    );
    // A report inside the scanned tree is not scanned itself on the next run.
    for _ in 0..2 {
        let run = leakscan(
            &r.dir,
            &["scan", ".", "--show-secrets", "-f", "json", "-o", "in.json"],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        let json: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(r.dir.join("in.json")).expect("read"))
                .expect("json");
        assert_eq!(json.len(), 1);
    }
    // An -o that cannot be written fails before the scan, and leaves no report.
    let run = leakscan(&r.dir, &["scan", "-o", "/nonexistent-dir/r.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent-dir/r.json"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("finding"), "{}", run.stderr);
}

/// Deletes the loose object `oid` of the repository at `dir`.
fn delete_object(dir: &Path, oid: &str) {
    let p = dir.join(".git/objects").join(&oid[..2]).join(&oid[2..]);
    std::fs::remove_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

#[test]
fn history_keeps_what_it_can_read_when_a_commit_is_missing() {
    let r = Repo::new();
    let (t1, t2, t3) = (token("first"), token("second"), token("third"));
    r.write("one.env", format!("T={t1}\n"));
    let c1 = r.commit("one");
    r.write("two.env", format!("T={t2}\n"));
    let c2 = r.commit("two");
    r.write("three.env", format!("T={t3}\n"));
    r.commit("three");
    delete_object(&r.dir, &c1);
    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, String)> = run
        .json
        .iter()
        .map(|f| (str_field(f, "secret"), str_field(&f["commit"], "id")))
        .collect();
    // The commit after the missing one is a root: it introduces all it holds.
    assert!(found.contains(&(t1.clone(), c2.clone())), "{found:?}");
    assert!(found.contains(&(t2.clone(), c2.clone())), "{found:?}");
    assert!(found.iter().any(|(s, _)| *s == t3), "{found:?}");
    assert!(run.stderr.contains("unreadable"), "{}", run.stderr);
    assert!(run.stderr.contains(&c1), "{}", run.stderr);

    // Nothing readable at all: exit 2, not a clean 0.
    let r = Repo::new();
    r.write("a.env", "nothing\n");
    let only = r.commit("only");
    delete_object(&r.dir, &only);
    let run = leakscan(&r.dir, &["history"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing could be scanned"),
        "{}",
        run.stderr
    );
}

#[test]
fn staged_fails_closed() {
    let r = Repo::new();
    r.write("a.txt", "hello\n");
    r.commit("a");
    let old = r.git(&["rev-parse", "HEAD:a.txt"]);
    let tok = token("staged");
    r.write("a.txt", format!("hello\nT={tok}\n"));
    r.git(&["add", "a.txt"]);
    delete_object(&r.dir, &old);
    let run = leakscan_json(&r.dir, &["staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json.len(), 1);
    assert_eq!(run.json[0]["secret"], tok.as_str());
    assert!(
        run.stderr.contains("scanning the staged file whole"),
        "{}",
        run.stderr
    );

    // The staged blob itself missing: the commit is refused.
    r.write("b.txt", "new file\n");
    r.git(&["add", "b.txt"]);
    let staged = r.git(&["rev-parse", ":b.txt"]);
    delete_object(&r.dir, &staged);
    let run = leakscan(&r.dir, &["staged"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("could not be read"), "{}", run.stderr);
}

#[test]
fn tags_of_blobs_and_trees_are_scanned() {
    let r = Repo::new();
    r.write("README", "hi\n");
    r.commit("init");
    let (in_blob, in_tree) = (token("tagged-blob"), token("tagged-tree"));
    r.write("loose.env", format!("T={in_blob}\n"));
    let blob = r.git(&["hash-object", "-w", "loose.env"]);
    std::fs::remove_file(r.dir.join("loose.env")).expect("rm");
    r.git(&["tag", "blob-tag", &blob]);
    r.write("tree/config.env", format!("T={in_tree}\n"));
    r.git(&["add", "tree/config.env"]);
    let tree = r.git(&["write-tree"]);
    r.git(&["rm", "-q", "--cached", "tree/config.env"]);
    std::fs::remove_dir_all(r.dir.join("tree")).expect("rm");
    r.git(&["tag", "-a", "-m", "a tree", "tree-tag", &tree]);
    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, String)> = run
        .json
        .iter()
        .map(|f| (str_field(f, "path"), str_field(f, "secret")))
        .collect();
    assert!(
        found.contains(&("refs/tags/blob-tag".into(), in_blob)),
        "{found:?}"
    );
    assert!(
        found.contains(&("tree/config.env".into(), in_tree)),
        "{found:?}"
    );
}

#[test]
fn a_stray_nul_does_not_hide_a_file_and_verbose_names_binaries() {
    let t = common::Tree::new();
    let tok = token("stray-nul");
    t.write(".env", format!("A=1\0\nTOKEN={tok}\n"));
    let mut png = vec![
        0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 0x0d,
    ];
    png.extend_from_slice(&[0u8; 64]);
    t.write("logo.png", &png);
    let (code, findings, stderr) = common::scan_json(t.path(), &["--verbose"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["secret"], tok.as_str());
    assert!(stderr.contains("logo.png: binary; skipped"), "{stderr}");
    assert!(stderr.contains("1 binary"), "{stderr}");
    // The same, machine-readable: --stats FILE.
    let stats_dir = tempfile::tempdir().expect("tempdir");
    let stats = stats_dir.path().join("stats.json");
    let s = stats.display().to_string();
    let (code, _, _) = common::scan_json(t.path(), &["--stats", &s]);
    assert_eq!(code, 1);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).expect("stats written"))
            .expect("json");
    assert_eq!(v["files"], 1);
    assert_eq!(v["findings"], 1);
    assert_eq!(v["skipped"]["binary"], 1);
    assert_eq!(
        v["skipped_files"],
        serde_json::json!([{"path": "logo.png", "reason": "binary"}])
    );
}
