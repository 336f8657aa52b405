//! Golden outputs per format: a fixed tree scanned in every format must print exactly
//! `tests/golden/scan.<format>`. Regenerate deliberately with `LEAKSCAN_BLESS=1 cargo test
//! --test golden`, and review the diff.

mod common;

use common::{github_pat, leakscan, Tree};

fn fixed_tree() -> Tree {
    let t = Tree::new();
    t.write(
        "app/config.py",
        format!(
            "import os\n\nGITHUB_TOKEN = \"{}\"\nAWS_KEY = \"AKIA{}\"\n",
            github_pat(7),
            "QX3VTN7RLBM2WKPE"
        ),
    );
    t.write(
        ".npmrc",
        format!(
            "//registry.npmjs.org/:_authToken={}\r\n",
            leakscan::engine::validate::make_crc32_token("npm_", &common::payload(8))
        ),
    );
    t.write("README.md", "nothing to see\n");
    t
}

#[test]
fn every_format_matches_its_golden_file() {
    let t = fixed_tree();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("LEAKSCAN_BLESS").is_some();
    for (format, ext) in [
        ("text", "txt"),
        ("json", "json"),
        ("jsonl", "jsonl"),
        ("sarif", "sarif"),
    ] {
        let out = leakscan()
            .args(["scan", "--color", "never", "--format", format])
            .arg(t.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let golden = dir.join(format!("scan.{ext}"));
        if bless {
            std::fs::write(&golden, &out.stdout).expect("write golden");
            continue;
        }
        let want = std::fs::read(&golden)
            .unwrap_or_else(|e| panic!("{}: {e}; run with LEAKSCAN_BLESS=1", golden.display()));
        assert!(
            out.stdout == want,
            "{format} output differs from {}:\n{}",
            golden.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
