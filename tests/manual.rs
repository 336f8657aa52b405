//! `leakscan completions SHELL` and `leakscan man`: scripts a shell loads and completes with,
//! and man pages that name every command.

mod common;

use common::leakscan;
use std::process::Command;

const COMMANDS: [&str; 12] = [
    "scan",
    "baseline",
    "history",
    "staged",
    "install-hook",
    "rules",
    "revoke",
    "verify",
    "audit",
    "merge",
    "completions",
    "man",
];

fn stdout(args: &[&str]) -> String {
    let out = leakscan().args(args).output().expect("run leakscan");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// What bash offers after `words` (the last one being completed).
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("leakscan.bash");
    std::fs::write(&file, script).expect("write");
    let words_list: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_leakscan leakscan '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display(),
        words_list.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_flags() {
    let script = stdout(&["completions", "bash"]);
    let commands = bash_completes(&script, &["leakscan", ""]);
    for c in COMMANDS {
        assert!(
            commands.iter().any(|w| w == c),
            "{c} not offered: {commands:?}"
        );
    }
    assert_eq!(bash_completes(&script, &["leakscan", "rev"]), ["revoke"]);
    let flags = bash_completes(&script, &["leakscan", "scan", "--verify-"]);
    for f in ["--verify-timeout", "--verify-host", "--verify-baseline"] {
        assert!(flags.iter().any(|w| w == f), "{f} not offered: {flags:?}");
    }
    let formats = bash_completes(&script, &["leakscan", "scan", "--format", ""]);
    for f in ["text", "json", "jsonl", "sarif", "gitlab"] {
        assert!(
            formats.iter().any(|w| w == f),
            "{f} not offered: {formats:?}"
        );
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for (shell, marker) in [
        ("bash", "complete -F _leakscan"),
        ("zsh", "#compdef leakscan"),
        ("fish", "complete -c leakscan"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[leakscan]"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for c in COMMANDS {
            assert!(script.contains(c), "{shell}: {c} missing");
        }
    }
    let out = leakscan()
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(
        common::exit_code(&out.status),
        2,
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_renders_and_names_every_command() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH leakscan 1"), "{page}");
    for c in COMMANDS {
        assert!(
            page.contains(&format!("leakscan\\-{}(1)", c.replace('-', "\\-"))),
            "{c}"
        );
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = leakscan()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(out.status.success());
    for c in [
        "leakscan",
        "leakscan-scan",
        "leakscan-revoke",
        "leakscan-rules-check",
    ] {
        let p = dir.path().join(format!("{c}.1"));
        assert!(p.is_file(), "{} missing", p.display());
    }
    let scan = std::fs::read_to_string(dir.path().join("leakscan-scan.1")).expect("read");
    assert!(
        scan.contains("\\-\\-verify\\-baseline"),
        "the scan page lists its flags"
    );
    // groff, when the machine has it, renders the page without a warning.
    if let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(dir.path().join("leakscan-scan.1"))
        .output()
    {
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
