//! Secrets in encoded and packed content: a Kubernetes Secret (base64), a Docker config
//! (`auth`, base64 of user:token), a UTF-16LE PowerShell script, a zip holding a `.env`, and
//! a JSON string with `\u` escapes are each reported once, at the right place, with
//! `decoded` or the `!` member path, in every format, redacted unless asked, from files and
//! from history. And hostile archives and encodings end in a warning, not a failure.

mod common;

use common::git::{leakscan_json, Repo};
use common::{base64, github_pat, leakscan, sarif_schema, str_field, u64_field, Tree};
use serde_json::Value;
use std::io::Write;

/// One encoded file: `(path, content, token, line, decoded)`, the token it hides and where it
/// must be reported.
type Encoded = (&'static str, Vec<u8>, String, u64, Option<&'static str>);

/// The five files.
fn encoded_files() -> Vec<Encoded> {
    let k8s = github_pat(1301);
    let docker = github_pat(1302);
    let ps = github_pat(1303);
    let zipped = github_pat(1304);
    let escaped = github_pat(1305);
    let secret_yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  token: {}\n",
        base64(k8s.as_bytes())
    );
    let dockercfg = format!(
        "{{\n  \"auths\": {{\n    \"registry.example.com\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n",
        base64(format!("builder:{docker}").as_bytes())
    );
    let script = format!("# deploy\r\n$env:GH_TOKEN = \"{ps}\"\r\nWrite-Host done\r\n");
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(script.encode_utf16().flat_map(u16::to_le_bytes));
    let env = format!("A=1\nGITHUB_TOKEN={zipped}\n");
    let zip = zip_of(&[("config/.env", env.as_bytes())]);
    let esc: String = escaped
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < 3 {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect();
    let json = format!("{{\n  \"name\": \"app\",\n  \"config\": {{\"token\": \"{esc}\"}}\n}}\n");
    vec![
        (
            "k8s/secret.yaml",
            secret_yaml.into_bytes(),
            k8s,
            7,
            Some("base64"),
        ),
        (
            ".dockerconfigjson",
            dockercfg.into_bytes(),
            docker,
            4,
            Some("base64"),
        ),
        ("deploy.ps1", utf16, ps, 2, Some("utf-16le")),
        ("dist/bundle.zip", zip, zipped, 2, None),
        (
            "package.json",
            json.into_bytes(),
            escaped,
            3,
            Some("escape"),
        ),
    ]
}

/// `(path, secret)` of each finding, sorted.
fn paths_and_secrets(findings: &[Value]) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = findings
        .iter()
        .map(|f| (str_field(f, "path"), str_field(f, "secret")))
        .collect();
    got.sort();
    got
}

/// A zip of `(name, content)` members, deflated.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in members {
        w.start_file(*name, opts).expect("zip member");
        w.write_all(content).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A gzip stream of `content`.
fn gzip_of(content: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(content).expect("gzip");
    e.finish().expect("gzip finish")
}

/// Checks that each encoded file gave its token once, where it should, and nothing else.
fn check_found(findings: &[Value], files: &[Encoded]) {
    assert_eq!(findings.len(), files.len(), "{findings:#?}");
    for (path, _, token, line, decoded) in files {
        let hits: Vec<&Value> = findings.iter().filter(|f| f["secret"] == **token).collect();
        assert_eq!(hits.len(), 1, "{path}: {findings:#?}");
        let f = hits[0];
        let want_path = if path.ends_with(".zip") {
            format!("{path}!config/.env")
        } else {
            path.to_string()
        };
        assert_eq!(str_field(f, "path"), want_path);
        assert_eq!(u64_field(f, "line"), *line, "{path}");
        assert_eq!(str_field(f, "rule_id"), "github-pat-classic");
        match decoded {
            Some(d) => assert_eq!(f["decoded"], serde_json::json!([d]), "{path}"),
            None => assert!(f.get("decoded").is_none(), "{path}: {f}"),
        }
    }
}

/// Every form in which a token could leak from the files: itself, and its encodings.
fn leaked_forms(files: &[Encoded]) -> Vec<String> {
    let mut forms = Vec::new();
    for (_, _, token, _, _) in files {
        forms.push(token.clone());
        forms.push(token[4..].to_string());
        forms.push(base64(token.as_bytes()).trim_end_matches('=').to_string());
        forms.push(base64(format!("builder:{token}").as_bytes())[12..].to_string());
    }
    forms
}

#[test]
fn encoded_secrets_are_found_once_at_the_right_place_in_every_format() {
    let t = Tree::new();
    let files = encoded_files();
    for (path, content, ..) in &files {
        t.write(path, content);
    }
    let (code, findings, stderr) = common::scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    check_found(&findings, &files);
    // The encoded span is what is located: the Kubernetes value starts after `token: `.
    let k8s = findings.iter().find(|f| f["path"] == "k8s/secret.yaml");
    assert_eq!(k8s.map(|f| u64_field(f, "column")), Some(10));
    assert!(
        stderr.contains("archives: 1 member scanned, 0 warnings"),
        "{stderr}"
    );

    // Redacted everywhere unless asked: the token and its encodings, in every format.
    let forms = leaked_forms(&files);
    for format in ["text", "json", "jsonl", "sarif"] {
        let out = leakscan()
            .args(["scan", "--format", format])
            .arg(t.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for form in &forms {
            assert!(
                !stdout.contains(form.as_str()),
                "{format} leaks {form}:\n{stdout}"
            );
            assert!(!stderr.contains(form.as_str()), "stderr leaks {form}");
        }
        assert!(stdout.contains("dist/bundle.zip!config/.env"), "{format}");
        match format {
            "text" => {
                assert!(stdout.contains("found in base64-decoded content"));
                assert!(stdout.contains("found in utf-16le-decoded content"));
            }
            "sarif" => {
                let log: Value = serde_json::from_str(&stdout).expect("sarif json");
                let schema = sarif_schema();
                let validator = jsonschema::validator_for(&schema).expect("schema");
                assert!(validator.is_valid(&log), "SARIF breaks the schema");
                let results = log["runs"][0]["results"].as_array().expect("results");
                assert_eq!(results.len(), files.len());
                let k8s = results
                    .iter()
                    .find(|r| {
                        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                            == "k8s/secret.yaml"
                    })
                    .expect("k8s result");
                let msg = str_field(&k8s["message"], "text");
                assert!(msg.contains("found in base64-decoded content"), "{msg}");
                assert_eq!(k8s["properties"]["decoded"], serde_json::json!(["base64"]));
            }
            _ => {}
        }
    }
}

#[test]
fn encoded_secrets_committed_are_found_in_history() {
    let repo = Repo::new();
    let files = encoded_files();
    repo.write("README.md", "app\n");
    repo.commit("start");
    for (path, content, ..) in &files {
        repo.write(path, content);
    }
    let added = repo.commit("add deployment files");
    let run = leakscan_json(&repo.dir, &["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    check_found(&run.json, &files);
    for f in &run.json {
        assert_eq!(str_field(&f["commit"], "id"), added);
    }
    // And the staged check of the same files, before they were committed.
    let repo2 = Repo::new();
    for (path, content, ..) in &files {
        repo2.write(path, content);
    }
    repo2.git(&["add", "-A"]);
    let staged = leakscan_json(&repo2.dir, &["staged"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    check_found(&staged.json, &files);
}

#[test]
fn no_archives_skips_archives_as_binary() {
    let t = Tree::new();
    let token = github_pat(1310);
    t.write(
        "a.zip",
        zip_of(&[(".env", format!("T={token}\n").as_bytes())]),
    );
    let (code, findings, stderr) = common::scan_json(t.path(), &["--no-archives"]);
    assert_eq!((code, findings.len()), (0, 0), "{stderr}");
    assert!(stderr.contains("1 binary"), "{stderr}");
    let (code, findings, _) = common::scan_json(t.path(), &[]);
    assert_eq!((code, findings.len()), (1, 1));
}

#[test]
fn nested_archives_are_named_by_their_whole_path_and_the_depth_is_bounded() {
    let token = github_pat(1320);
    let props = format!("github.token={token}\n");
    let jar = zip_of(&[("WEB-INF/app.properties", props.as_bytes())]);
    let war = zip_of(&[("lib/app.jar", &jar)]);
    let tgz = gzip_of(&tar_of(&[("release/app.war", &war)]));
    let t = Tree::new();
    t.write("backup.tgz", &tgz);
    let (code, findings, stderr) = common::scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        str_field(&findings[0], "path"),
        "backup.tgz!release/app.war!lib/app.jar!WEB-INF/app.properties"
    );
    // One level more than the limit: a warning names what was not opened.
    t.write(".leakscan.toml", "[limits]\narchive_depth = 2\n");
    let (code, findings, stderr) = common::scan_json(t.path(), &[]);
    assert_eq!((code, findings.len()), (0, 0), "{stderr}");
    assert!(
        stderr.contains("backup.tgz!release/app.war!lib/app.jar: an archive nested 3 deep"),
        "{stderr}"
    );
    assert!(stderr.contains("1 warning"), "{stderr}");
}

/// A tar of `(name, content)` regular files.
fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, name, *content).expect("tar member");
    }
    b.into_inner().expect("tar finish")
}

#[test]
fn bombs_truncated_and_encrypted_archives_warn_and_the_scan_goes_on() {
    let t = Tree::new();
    let zeros = vec![0u8; 24 << 20];
    let after = github_pat(1330);
    // A zip bomb: a member a thousand times its compressed size, then a member with a token.
    t.write(
        "bomb.zip",
        zip_of(&[
            ("zeros.bin", &zeros),
            ("after.env", format!("T={after}\n").as_bytes()),
        ]),
    );
    // A gzip bomb.
    t.write("bomb.gz", gzip_of(&zeros));
    // A truncated zip: the central directory is cut off; the first member is still read.
    let first = github_pat(1331);
    let whole = zip_of(&[
        ("a.env", format!("T={first}\n").as_bytes()),
        ("b.env", b"B=2\n"),
    ]);
    t.write("cut.zip", &whole[..whole.len() - 30]);
    // An encrypted member (the flag set in its headers), beside a readable one.
    let open = github_pat(1332);
    let mut enc = zip_of(&[
        ("secret.env", b"S=1\n"),
        ("open.env", format!("T={open}\n").as_bytes()),
    ]);
    set_encrypted(&mut enc, "secret.env");
    t.write("locked.zip", &enc);
    // A plain file with a token: found whatever the archives do.
    let plain = github_pat(1333);
    t.write("app.env", format!("T={plain}\n"));

    let (code, findings, stderr) = common::scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let got = paths_and_secrets(&findings);
    let mut want = vec![
        ("app.env".to_string(), plain),
        ("bomb.zip!after.env".to_string(), after),
        ("cut.zip!a.env".to_string(), first),
        ("locked.zip!open.env".to_string(), open),
    ];
    want.sort();
    assert_eq!(got, want, "{stderr}");
    for warning in [
        "bomb.zip!zeros.bin: expands more than limits.compression_ratio 100 times",
        "bomb.gz: expands more than limits.compression_ratio 100 times",
        "cut.zip: not a complete zip",
        "locked.zip!secret.env: encrypted",
    ] {
        assert!(
            stderr.contains(warning),
            "no warning {warning:?} in {stderr}"
        );
    }
    assert!(stderr.contains("4 warnings"), "{stderr}");
}

/// Sets the "encrypted" flag of member `name` in its local and central headers.
fn set_encrypted(zip: &mut [u8], name: &str) {
    let mut set = 0;
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let name_at = if sig[2] == 3 { 30 } else { 46 };
        let flags_at = if sig[2] == 3 { 6 } else { 8 };
        let mut i = 0;
        while let Some(p) = zip[i..].windows(4).position(|w| w == sig) {
            let at = i + p;
            if zip[at + name_at..].starts_with(name.as_bytes()) {
                zip[at + flags_at] |= 1;
                set += 1;
            }
            i = at + 4;
        }
    }
    assert_eq!(set, 2, "both headers of {name} found");
}

#[test]
fn long_base64_odd_utf16_and_noise_finish() {
    let t = Tree::new();
    // Several megabytes of base64 text with a token deep inside.
    let deep = github_pat(1340);
    let mut text = "lorem ipsum dolor sit amet\n".repeat(120_000);
    text.push_str(&format!("token={deep}\n"));
    t.write(
        "blob.b64",
        format!("payload: {}\n", base64(text.as_bytes())),
    );
    // UTF-16 of odd length, with a token.
    let odd = github_pat(1341);
    let mut u = vec![0xff, 0xfe];
    u.extend(
        format!("t = '{odd}'\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    u.push(b'x');
    t.write("odd.txt", &u);
    // Random bytes behind a UTF-16 byte-order mark.
    let mut noise = vec![0xff, 0xfe];
    noise.extend(leakscan::testing::Rng::new(5).bytes(1 << 16));
    t.write("noise.bin", &noise);
    let (code, findings, stderr) = common::scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let got = paths_and_secrets(&findings);
    assert_eq!(
        got,
        vec![("blob.b64".to_string(), deep), ("odd.txt".to_string(), odd)],
        "{stderr}"
    );
    let b64 = findings.iter().find(|f| f["path"] == "blob.b64");
    assert_eq!(
        b64.map(|f| f["decoded"].clone()),
        Some(serde_json::json!(["base64"]))
    );
}

#[test]
fn stdin_is_decoded_like_a_file() {
    let token = github_pat(1350);
    let out = leakscan()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(format!("data:\n  token: {}\n", base64(token.as_bytes())))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings.len(), 1);
    assert_eq!(str_field(&findings[0], "path"), "-");
    assert_eq!(findings[0]["decoded"], serde_json::json!(["base64"]));
    let zip = zip_of(&[("x.env", format!("T={token}\n").as_bytes())]);
    let out = leakscan()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(zip)
        .output()
        .expect("run");
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings.len(), 1);
    assert_eq!(str_field(&findings[0], "path"), "-!x.env");
}
