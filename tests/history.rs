//! `leakscan history` against real repositories: every planted secret found once per path,
//! at the commit that introduced it, wherever it hides (side branches, tags, merges, renames,
//! deleted files), and damaged or partial repositories scanned as far as they go.

mod common;

use common::git::{leakscan, leakscan_json, token, where_, with_secret, Repo};

fn line_with(t: &str) -> String {
    format!("API_TOKEN = \"{t}\"\n")
}

#[test]
fn secret_added_then_deleted_is_reported_at_its_commit() {
    let r = Repo::new();
    let t = token("deleted");
    r.write("README.md", "hello\n");
    r.commit("readme");
    r.write("config.py", format!("# settings\n{}", line_with(&t)));
    let added = r.commit("add config");
    std::fs::remove_file(r.dir.join("config.py")).expect("rm");
    r.commit("remove config");

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json.len(), 1, "{:#?}", run.json);
    let f = &run.json[0];
    assert_eq!(where_(f), ("config.py".into(), 2, added.clone()));
    assert_eq!(f["secret"], t);
    assert_eq!(f["column"], 14);
    assert_eq!(f["occurrences"], 1);
    let c = &f["commit"];
    assert_eq!(c["author"], "Ada Tester");
    assert_eq!(c["email"], "ada@example.com");
    assert_eq!(c["message"], "add config");
    // Fixed clock: the second git call after init, +02:00 as recorded.
    let date = common::str_field(c, "date");
    assert!(
        date.ends_with("+02:00") && date.starts_with("2024-03-01T"),
        "{date}"
    );
}

#[test]
fn later_edits_do_not_repeat_a_finding_and_occurrences_count_blobs() {
    let r = Repo::new();
    let t = token("edited");
    r.write("app/settings.py", format!("x = 1\n{}", line_with(&t)));
    let first = r.commit("add settings");
    for i in 2..6 {
        r.write("app/settings.py", format!("x = {i}\n{}", line_with(&t)));
        r.commit(&format!("bump x to {i}"));
    }
    // Many commits holding the same blob (the file is untouched while others change).
    for i in 0..10 {
        r.write("other.txt", format!("{i}\n"));
        r.commit(&format!("other {i}"));
    }
    std::fs::remove_file(r.dir.join("app/settings.py")).expect("rm");
    r.commit("drop settings");

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = with_secret(&run.json, &t);
    assert_eq!(found.len(), 1, "{:#?}", run.json);
    assert_eq!(where_(found[0]), ("app/settings.py".into(), 2, first));
    assert_eq!(found[0]["occurrences"], 5, "five distinct blobs carry it");
    // 5 settings blobs + 10 other.txt blobs, each scanned once.
    assert!(run.stderr.contains("in 15 files"), "{}", run.stderr);
}

#[test]
fn identical_blob_reintroduced_and_copied_is_reported_once_per_path() {
    let r = Repo::new();
    let t = token("copied");
    let content = line_with(&t);
    r.write("a.env", &content);
    let first = r.commit("add a");
    std::fs::remove_file(r.dir.join("a.env")).expect("rm");
    r.commit("rm a");
    r.write("a.env", &content);
    r.commit("re-add a (same blob)");
    r.write("copy/b.env", &content);
    let copied = r.commit("copy to b");

    let run = leakscan_json(&r.dir, &["history"]);
    let found = with_secret(&run.json, &t);
    let mut got: Vec<_> = found.iter().map(|f| where_(f)).collect();
    got.sort();
    assert_eq!(
        got,
        vec![("a.env".into(), 1, first), ("copy/b.env".into(), 1, copied)]
    );
    assert!(found.iter().all(|f| f["occurrences"] == 1));
    assert!(
        run.stderr.contains("in 1 file "),
        "one blob, scanned once: {}",
        run.stderr
    );
}

#[test]
fn secret_only_on_a_side_branch() {
    let r = Repo::new();
    r.write("main.txt", "main\n");
    r.commit("main");
    r.git(&["checkout", "-q", "-b", "feature"]);
    let t = token("sidebranch");
    r.write("feature/conf.yml", format!("a: 1\nb: 2\ntoken: {t}\n"));
    let side = r.commit("feature work");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "main 2\n");
    r.commit("main 2");

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1);
    let found = with_secret(&run.json, &t);
    assert_eq!(found.len(), 1);
    assert_eq!(where_(found[0]), ("feature/conf.yml".into(), 3, side));

    // --branch main does not reach it; --branch feature does.
    let main_only = leakscan_json(&r.dir, &["history", "--branch", "main"]);
    assert_eq!(main_only.code, 0, "{:#?}", main_only.json);
    let feature = leakscan_json(&r.dir, &["history", "--branch", "feature"]);
    assert_eq!(feature.json.len(), 1);
    let bad = leakscan(&r.dir, &["history", "--branch", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--branch \"nope\""), "{}", bad.stderr);
}

#[test]
fn renamed_file_is_reported_at_both_paths_with_their_commits() {
    let r = Repo::new();
    let t = token("renamed");
    r.write("old/name.py", format!("a = 1\n{}", line_with(&t)));
    let added = r.commit("add");
    std::fs::create_dir(r.dir.join("new")).expect("mkdir new");
    r.git(&["mv", "old/name.py", "new/name.py"]);
    let renamed = r.commit("rename");

    let run = leakscan_json(&r.dir, &["history"]);
    let mut got: Vec<_> = with_secret(&run.json, &t)
        .iter()
        .map(|f| where_(f))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("new/name.py".into(), 2, renamed),
            ("old/name.py".into(), 2, added)
        ]
    );
}

#[test]
fn merge_commit_is_named_only_for_what_the_merge_itself_adds() {
    let r = Repo::new();
    r.write("base.txt", "base\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "side"]);
    let t_side = token("fromside");
    r.write("side.cfg", line_with(&t_side));
    let side = r.commit("side adds a token");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "main\n");
    r.commit("main moves on");
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    let t_merge = token("inthemerge");
    r.write(
        "merge.cfg",
        format!("merged = true\n{}", line_with(&t_merge)),
    );
    r.git(&["add", "merge.cfg"]);
    r.git(&["commit", "-q", "-m", "Merge branch side"]);
    let merge = r.head();
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.json.len(), 2, "{:#?}", run.json);
    assert_eq!(
        where_(with_secret(&run.json, &t_merge)[0]),
        ("merge.cfg".into(), 2, merge)
    );
    // Came in through the merge, but the side commit introduced it.
    assert_eq!(
        where_(with_secret(&run.json, &t_side)[0]),
        ("side.cfg".into(), 1, side)
    );
}

#[test]
fn commit_reachable_only_from_a_tag() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let base = r.commit("base");
    r.git(&["checkout", "-q", "--detach"]);
    let t = token("tagonly");
    r.write("release/creds.txt", line_with(&t));
    let tagged = r.commit("release build");
    r.git(&["tag", "-a", "v1.0", "-m", "v1.0"]);
    r.git(&["checkout", "-q", "main"]);
    assert_eq!(r.head(), base);
    assert!(r.git(&["branch", "--contains", &tagged]).is_empty());

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        where_(with_secret(&run.json, &t)[0]),
        ("release/creds.txt".into(), 1, tagged)
    );
}

#[test]
fn secret_only_in_a_stash() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("base");
    let t = token("stashed");
    r.write("a.txt", format!("a\n{}", line_with(&t)));
    r.git(&["stash", "-q"]);
    let run = leakscan_json(&r.dir, &["history"]);
    let found = with_secret(&run.json, &t);
    assert_eq!(found.len(), 1, "{:#?}", run.json);
    assert_eq!(found[0]["path"], "a.txt");
    assert_eq!(found[0]["line"], 2);
}

#[test]
fn binary_blobs_and_submodule_entries_are_skipped() {
    let r = Repo::new();
    let t = token("binary");
    // A PNG's signature and IHDR chunk: a dozen NULs, as real images have.
    let mut bytes =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa".to_vec();
    bytes.extend_from_slice(line_with(&t).as_bytes());
    r.write("logo.png", &bytes);
    r.write("ok.txt", "fine\n");
    r.git(&["add", "-A"]);
    // A gitlink (submodule entry) to a commit that does not exist here.
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1111111111111111111111111111111111111111,vendor/lib",
    ]);
    r.git(&["commit", "-q", "-m", "binary and submodule"]);

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 0, "{:#?} {}", run.json, run.stderr);
    assert!(run.stderr.contains("1 binary"), "{}", run.stderr);
    assert!(run.stderr.contains("0 unreadable"), "{}", run.stderr);
}

/// A small history: (repo, token, commit that added it).
fn two_secret_repo() -> (Repo, String, String, String, String) {
    let r = Repo::new();
    let t1 = token("firstone");
    r.write("one.py", line_with(&t1));
    let c1 = r.commit("one");
    r.write("filler.txt", "x\n");
    r.commit("filler");
    let t2 = token("secondone");
    r.write("two.py", format!("\n\n{}", line_with(&t2)));
    let c2 = r.commit("two");
    (r, t1, c1, t2, c2)
}

#[test]
fn range_scans_only_what_b_adds_over_a() {
    let (r, t1, c1, t2, c2) = two_secret_repo();
    let run = leakscan_json(&r.dir, &["history", "--range", &format!("{c1}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json.len(), 1, "{:#?}", run.json);
    assert_eq!(where_(&run.json[0]), ("two.py".into(), 3, c2));
    assert!(with_secret(&run.json, &t1).is_empty());
    assert_eq!(run.json[0]["secret"], t2);

    let none = leakscan_json(&r.dir, &["history", "--range", "HEAD..HEAD"]);
    assert_eq!(none.code, 0);
    let bad = leakscan(&r.dir, &["history", "--range", "HEAD"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--range"), "{}", bad.stderr);
    let bad = leakscan(&r.dir, &["history", "--range", "nope..HEAD"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn since_keeps_only_newer_commits() {
    let (r, ..) = two_secret_repo();
    let all = leakscan_json(&r.dir, &["history", "--since", "2024-03-01"]);
    assert_eq!(all.json.len(), 2);
    let none = leakscan_json(&r.dir, &["history", "--since", "2024-03-02"]);
    assert_eq!(none.code, 0);
    // A time, and ages as `git log --since` takes them (the commits are from 2024).
    let all = leakscan_json(&r.dir, &["history", "--since", "2024-03-01 00:00"]);
    assert_eq!(all.json.len(), 2);
    let all = leakscan_json(&r.dir, &["history", "--since", "100 years ago"]);
    assert_eq!(all.json.len(), 2);
    let none = leakscan_json(&r.dir, &["history", "--since", "1 day ago"]);
    assert_eq!((none.code, none.json.len()), (0, 0));
    let bad = leakscan(&r.dir, &["history", "--since", "March"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("expected a date"), "{}", bad.stderr);
}

#[test]
fn packed_bare_and_loose_give_the_same_findings() {
    let (r, t1, c1, t2, c2) = two_secret_repo();
    let loose = leakscan_json(&r.dir, &["history"]);
    let bare = r.sibling("bare.git");
    r.git(&[
        "clone",
        "-q",
        "--bare",
        ".",
        bare.to_str().expect("utf-8 path"),
    ]);
    let from_bare = leakscan_json(&bare, &["history"]);
    r.git(&["gc", "-q"]);
    let counts = r.git(&["count-objects", "-v"]);
    assert!(
        counts.lines().any(|l| l == "count: 0"),
        "all packed: {counts}"
    );
    let packed = leakscan_json(&r.dir, &["history"]);
    for run in [&loose, &from_bare, &packed] {
        assert_eq!(run.code, 1, "{}", run.stderr);
        let mut got: Vec<_> = run.json.iter().map(where_).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("one.py".into(), 1, c1.clone()),
                ("two.py".into(), 3, c2.clone())
            ]
        );
    }
    assert_eq!(with_secret(&from_bare.json, &t1).len(), 1);
    assert_eq!(with_secret(&packed.json, &t2).len(), 1);
}

#[test]
fn shallow_clone_is_scanned_and_warned_about() {
    let (r, _t1, _c1, t2, _c2) = two_secret_repo();
    let t3 = token("thirdone");
    r.write("three.py", line_with(&t3));
    let c3 = r.commit("three");
    let shallow = r.sibling("shallow");
    let url = format!("file://{}", r.dir.display());
    r.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        shallow.to_str().expect("utf-8 path"),
    ]);

    let run = leakscan_json(&shallow, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
    // What the tip holds is reported, at the boundary commit (the only one there).
    assert_eq!(run.json.len(), 3, "{:#?}", run.json);
    assert!(run.json.iter().all(|f| f["commit"]["id"] == c3.as_str()));
    assert_eq!(with_secret(&run.json, &t2)[0]["path"], "two.py");
}

#[test]
fn missing_object_is_a_warning_not_a_crash() {
    let r = Repo::new();
    let t = token("survives");
    r.write("keep.py", line_with(&t));
    r.write(
        "lost.txt",
        "this blob will be deleted from the object store\n",
    );
    let c = r.commit("both");
    let lost = r.git(&["rev-parse", "HEAD:lost.txt"]);
    let obj = r.dir.join(".git/objects").join(&lost[..2]).join(&lost[2..]);
    std::fs::remove_file(&obj).expect("remove loose object");

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "the scan goes on: {}", run.stderr);
    assert_eq!(where_(&run.json[0]), ("keep.py".into(), 1, c));
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("lost.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("1 unreadable"), "{}", run.stderr);
}

#[test]
fn not_a_repository_exits_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = leakscan(tmp.path(), &["history", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
    let run = leakscan(tmp.path(), &["history", "does-not-exist"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
}

#[test]
fn config_at_repo_root_allowlists_paths_and_messages_are_escaped() {
    let r = Repo::new();
    let t = token("allowlisted");
    r.write(".leakscan.toml", "[allowlist]\npaths = [\"fixtures/**\"]\n");
    r.write("fixtures/fake.txt", line_with(&t));
    r.write("src/real.txt", line_with(&token("notallowed")));
    r.commit("add\x1b[31m red\nsecond line");

    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.json.len(), 1, "{:#?}", run.json);
    assert_eq!(run.json[0]["path"], "src/real.txt");
    assert_eq!(run.json[0]["commit"]["message"], "add\\u{1b}[31m red");
    assert!(run.stderr.contains("1 allowlisted paths"), "{}", run.stderr);

    // Redacted by default; text format names the commit.
    let text = leakscan(&r.dir, &["history"]);
    assert!(!text.stdout.contains(&t[4..]), "{}", text.stdout);
    assert!(text.stdout.contains("commit "), "{}", text.stdout);
    assert!(!text.stdout.contains('\x1b'), "{}", text.stdout);
}

#[test]
fn exit_code_and_output_flags_work_as_in_scan() {
    let (r, ..) = two_secret_repo();
    let out = r.sibling("report.json");
    let run = leakscan(
        &r.dir,
        &[
            "history",
            "--exit-code",
            "7",
            "-f",
            "jsonl",
            "-j",
            "1",
            "-o",
            out.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(&out).expect("report written");
    assert_eq!(text.lines().count(), 2);
}

/// How many blobs the run read, from its summary line (all of them when nothing was
/// spared).
fn blobs_read(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("leakscan: history: "))
        .unwrap_or_else(|| panic!("no history line: {stderr}"));
    let number_before = |word: &str| -> Option<usize> {
        let at = line.find(word)?;
        line[..at].split_whitespace().last()?.parse().ok()
    };
    number_before(" blobs read").unwrap_or_else(|| {
        number_before(" distinct blobs").unwrap_or_else(|| panic!("no counts: {line}"))
    })
}

#[test]
fn a_state_file_makes_the_next_run_read_only_new_blobs_with_the_same_report() {
    let r = Repo::new();
    let old = token("stateold");
    for i in 0..20 {
        r.write(
            &format!("src/m{i}.rs"),
            format!("pub fn f{i}() -> u32 {{ {i} }}\n"),
        );
    }
    r.write("config.py", line_with(&old));
    r.commit("first");
    for i in 0..5 {
        r.write(
            &format!("src/m{i}.rs"),
            format!("pub fn f{i}() -> u32 {{ {} }}\n", i + 100),
        );
        r.commit(&format!("edit {i}"));
    }
    let state = r.sibling("history.state");
    let state_arg = state.display().to_string();
    let with_state = ["history", "--state", state_arg.as_str()];

    let full = leakscan_json(&r.dir, &["history"]);
    let first = leakscan_json(&r.dir, &with_state);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(
        first.json, full.json,
        "a first run with a new state file is a full scan"
    );
    assert_eq!(blobs_read(&first.stderr), 26, "{}", first.stderr);
    assert!(state.is_file());

    // Nothing new: only the blob that held a finding is read again (the state file keeps
    // no secret, so it cannot stand in for that blob).
    let again = leakscan_json(&r.dir, &with_state);
    assert_eq!(again.json, full.json);
    assert_eq!(blobs_read(&again.stderr), 1, "{}", again.stderr);

    // One new commit: two new blobs (one with a secret), plus that one.
    let new = token("statenew");
    r.write("src/m7.rs", "pub fn f7() -> u32 { 700 }\n");
    r.write("deploy.env", format!("TOKEN={new}\n"));
    r.commit("new secret");
    let incremental = leakscan_json(&r.dir, &with_state);
    let full = leakscan_json(&r.dir, &["history"]);
    assert_eq!(incremental.code, 1);
    assert_eq!(
        incremental.json, full.json,
        "the same report as a full scan"
    );
    assert_eq!(full.json.len(), 2);
    assert_eq!(blobs_read(&incremental.stderr), 3, "{}", incremental.stderr);

    // Other rules: the state is not used (a blob clean for one rule set may not be for
    // another), and is written anew.
    let stale = leakscan_json(
        &r.dir,
        &["history", "--state", &state_arg, "--rule", "github-*"],
    );
    assert!(
        stale.stderr.contains("other rules or settings"),
        "{}",
        stale.stderr
    );
    assert_eq!(blobs_read(&stale.stderr), 28, "{}", stale.stderr);
    assert_eq!(stale.json, full.json);

    // Not a state file: an error, and the file is left alone.
    let notes = r.sibling("notes.txt");
    std::fs::write(&notes, "my notes\n").expect("write");
    let run = leakscan(
        &r.dir,
        &["history", "--state", &notes.display().to_string()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a leakscan history state file"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&notes).expect("read"), "my notes\n");
}

/// A history of `n` commits on `main`, built in one `git fast-import` run: commit `i` sets
/// `counter.txt` to `i` and applies `changes(i)` (`(path, Some(content))` writes, `None`
/// deletes). Returns the commit ids, oldest first.
fn long_history(
    r: &Repo,
    n: usize,
    changes: impl Fn(usize) -> Vec<(&'static str, Option<String>)>,
) -> Vec<String> {
    use std::io::Write;
    let mut stream = Vec::new();
    for i in 0..n {
        let msg = format!("commit {i}");
        let t = 1_709_251_200 + 60 * i as i64;
        write!(
            stream,
            "commit refs/heads/main\nmark :{}\ncommitter Ada Tester <ada@example.com> {t} +0200\ndata {}\n{msg}\n",
            i + 1,
            msg.len()
        )
        .expect("write");
        if i > 0 {
            writeln!(stream, "from :{i}").expect("write");
        }
        let mut files = vec![("counter.txt", Some(format!("{i}\n")))];
        files.extend(changes(i));
        for (path, content) in files {
            match content {
                Some(c) => write!(stream, "M 100644 inline {path}\ndata {}\n{c}\n", c.len()),
                None => writeln!(stream, "D {path}"),
            }
            .expect("write");
        }
    }
    let marks = r.sibling("marks");
    let mut child = common::git::git_cmd(&r.dir)
        .args(["fast-import", "--quiet"])
        .arg(format!("--export-marks={}", marks.display()))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("feed fast-import");
    assert!(child.wait().expect("wait").success());
    let marks = std::fs::read_to_string(marks).expect("marks");
    let mut ids: Vec<(usize, String)> = marks
        .lines()
        .filter_map(|l| {
            let (mark, id) = l.split_once(' ')?;
            Some((mark.trim_start_matches(':').parse().ok()?, id.to_string()))
        })
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, id)| id).collect()
}

#[test]
fn a_long_history_walked_in_batches_names_the_first_introductions() {
    // 1,400 commits: the walk hands its blobs to the scan in several batches, newest first,
    // and each finding must still name the oldest commit that introduced it at its path.
    let r = Repo::new();
    let (moved, edited) = (token("moved"), token("edited long"));
    let ids = long_history(&r, 1400, |i| {
        let mut changes = Vec::new();
        let a = Some(line_with(&moved));
        match i {
            100 | 900 => changes.push(("a.env", a)),
            300 => changes.push(("a.env", None)),
            1300 => changes.push(("b.env", a)),
            _ => {}
        }
        if i >= 50 && i % 10 == 0 {
            let settings = format!("x = {i}\n{}", line_with(&edited));
            changes.push(("app/settings.py", Some(settings)));
        }
        changes
    });
    let run = leakscan_json(&r.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = with_secret(&run.json, &moved);
    let mut at: Vec<_> = found.iter().map(|f| where_(f)).collect();
    at.sort();
    assert_eq!(
        at,
        vec![
            ("a.env".to_string(), 1, ids[100].clone()),
            ("b.env".to_string(), 1, ids[1300].clone()),
        ],
        "{:#?}",
        run.json
    );
    let edits = with_secret(&run.json, &edited);
    assert_eq!(edits.len(), 1, "{:#?}", run.json);
    assert_eq!(
        where_(edits[0]),
        ("app/settings.py".into(), 2, ids[50].clone())
    );
    // Settings at commits 50, 60, ... 1390: 135 distinct blobs carry the token.
    assert_eq!(edits[0]["occurrences"], 135);
    assert!(run.stderr.contains("1400 commits"), "{}", run.stderr);
}
