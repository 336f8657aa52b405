//! Releases: ci/build-release.sh (names, layout, SHA256SUMS, the cargo command), that the
//! GitHub Action's install.sh downloads and accepts exactly what it makes, the release
//! workflow (.github/workflows/release.yml), and the container image (Dockerfile,
//! .dockerignore). No real build runs here: a stand-in `cargo` or an already built stand-in
//! binary takes its place.

mod common;

use common::yaml::{get, text};
use serde_yaml_ng::Value as Yaml;
use sha2::Digest;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The five release targets, with the `RUNNER_OS`/`RUNNER_ARCH` GitHub gives each and the
/// runner the release workflow builds it on.
const TARGETS: &[(&str, &str, &str, &str)] = &[
    ("x86_64-unknown-linux-musl", "Linux", "X64", "ubuntu-latest"),
    (
        "aarch64-unknown-linux-musl",
        "Linux",
        "ARM64",
        "ubuntu-latest",
    ),
    ("aarch64-apple-darwin", "macOS", "ARM64", "macos-latest"),
    ("x86_64-apple-darwin", "macOS", "X64", "macos-latest"),
    ("x86_64-pc-windows-msvc", "Windows", "X64", "windows-latest"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> toml::Value {
    let text = fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    toml::from_str(&text).expect("Cargo.toml is TOML")
}

fn package(key: &str) -> String {
    manifest()["package"][key]
        .as_str()
        .unwrap_or_else(|| panic!("package.{key}"))
        .to_string()
}

fn version() -> String {
    package("version")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `bash SCRIPT ARGS` from the repository root, with a clean environment plus `env`.
fn script(path: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("bash");
    c.arg(root().join(path))
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bash")
}

fn print_name(target: &str) -> String {
    let out = script("ci/build-release.sh", &["--print-name", target], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, body).expect("write script");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A stand-in for a built binary: `--version` prints `leakscan VERSION`.
fn stub_binary(dir: &Path, version: &str) -> PathBuf {
    let p = dir.join("stub-leakscan");
    write_script(
        &p,
        &format!("#!/bin/sh\n[ \"$1\" = --version ] && echo \"leakscan {version}\"\nexit 0\n"),
    );
    p
}

/// The docs every archive carries beside the binary: those the repository has.
fn docs() -> Vec<&'static str> {
    ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "CHANGELOG.md"]
        .into_iter()
        .filter(|d| root().join(d).is_file())
        .collect()
}

/// Packs the stub binary for `target` into `dist` with the release script.
fn pack(stub: &Path, target: &str, dist: &Path) {
    let out = script(
        "ci/build-release.sh",
        &[
            "--binary",
            stub.to_str().expect("utf-8"),
            target,
            dist.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn archive_names_are_the_ones_install_sh_downloads() {
    let v = version();
    for &(target, os, arch, _) in TARGETS {
        let ext = if os == "Windows" { "zip" } else { "tar.gz" };
        let name = print_name(target);
        assert_eq!(name, format!("leakscan-{v}-{target}.{ext}"));

        let env = [("RUNNER_OS", os), ("RUNNER_ARCH", arch)];
        let out = script("ci/action/install.sh", &["--print-target"], &env);
        assert!(out.status.success(), "{os}/{arch}: {}", stderr(&out));
        assert_eq!(stdout(&out), target, "{os}/{arch}");
        for wanted in [v.clone(), format!("v{v}")] {
            let out = script("ci/action/install.sh", &["--print-archive", &wanted], &env);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(stdout(&out), name, "{os}/{arch} {wanted}");
        }
    }
    // Platforms without an archive: no name, exit 1 (install.sh builds from source there).
    for (os, arch) in [
        ("Linux", "ARM"),
        ("Windows", "ARM64"),
        ("FreeBSD", "X64"),
        ("", ""),
    ] {
        let env = [("RUNNER_OS", os), ("RUNNER_ARCH", arch)];
        let out = script("ci/action/install.sh", &["--print-target"], &env);
        assert_eq!(out.status.code(), Some(1), "{os}/{arch}");
        assert_eq!(stdout(&out), "", "{os}/{arch}");
    }
    // Bad calls of build-release.sh are refused, not taken for a target.
    for args in [
        &[][..],
        &["--print-name"],
        &["--bogus", "x"],
        &["a", "b", "c"],
    ] {
        let out = script("ci/build-release.sh", args, &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("usage:"), "{args:?}");
    }
}

#[test]
fn build_release_runs_cargo_build_and_packs_its_binary() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let v = version();
    let target = "x86_64-unknown-linux-musl";
    // A cargo that records its arguments and leaves a binary where cargo build would.
    let calls = tmp.path().join("cargo-calls");
    let cargo = tmp.path().join("fake-cargo");
    write_script(
        &cargo,
        &format!(
            "#!/bin/sh\necho \"$PWD $*\" >>'{calls}'\nt=\nfor a; do [ \"$prev\" = --target ] && t=$a; prev=$a; done\nmkdir -p \"$CARGO_TARGET_DIR/$t/release\"\nprintf '#!/bin/sh\\necho \"leakscan {v}\"\\n' >\"$CARGO_TARGET_DIR/$t/release/leakscan\"\n",
            calls = calls.display()
        ),
    );
    let target_dir = tmp.path().join("target");
    let out_dir = tmp.path().join("dist");
    let out = script(
        "ci/build-release.sh",
        &[target, out_dir.to_str().expect("utf-8 path")],
        &[
            ("LEAKSCAN_CARGO", cargo.to_str().expect("utf-8")),
            ("CARGO_TARGET_DIR", target_dir.to_str().expect("utf-8")),
            ("TMPDIR", tmp.path().to_str().expect("utf-8")),
            ("LEAKSCAN_FEATURES", "zlib-ng"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&calls).expect("cargo was called"),
        format!(
            "{} build --release --locked --target {target} --features zlib-ng\n",
            root().display()
        )
    );
    let name = print_name(target);
    let archive = out_dir.join(&name);
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .expect("tar");
    assert!(listing.status.success());
    let dir = format!("leakscan-{v}-{target}");
    let mut have: Vec<String> = stdout(&listing)
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .collect();
    have.sort();
    let mut want: Vec<String> = std::iter::once(dir.clone())
        .chain(std::iter::once(format!("{dir}/leakscan")))
        .chain(docs().into_iter().map(|d| format!("{dir}/{d}")))
        .collect();
    want.sort();
    assert_eq!(have, want);
    let sums = fs::read_to_string(out_dir.join("SHA256SUMS")).expect("SHA256SUMS");
    assert_eq!(
        sums,
        format!(
            "{}  {name}\n",
            sha256_hex(&fs::read(&archive).expect("archive"))
        )
    );
    // Nothing left behind in the temp dir but what the test made.
    let mut left: Vec<String> = fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["cargo-calls", "dist", "fake-cargo", "target"]);
}

/// Installs from `release` (a file:// URL) with install.sh as the action runs it, on a
/// PATH without leakscan and with a `cargo` that fails; returns (output, runner temp).
fn install_from(release: &Path, os: &str, arch: &str, tmp: &Path) -> (Output, PathBuf) {
    let stubs = tmp.join("stubs");
    fs::create_dir_all(&stubs).expect("mkdir");
    write_script(
        &stubs.join("cargo"),
        "#!/bin/sh\necho 'cargo must not run: the release has this archive' >&2\nexit 101\n",
    );
    let path: Vec<PathBuf> = std::iter::once(stubs)
        .chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .filter(|d| !d.join("leakscan").exists()),
        )
        .collect();
    let runner_temp = tmp.join(format!("runner-{os}"));
    fs::create_dir_all(&runner_temp).expect("mkdir");
    let (github_path, github_output) = (runner_temp.join("path"), runner_temp.join("output"));
    let out = Command::new("bash")
        .arg(root().join("ci/action/install.sh"))
        .env_clear()
        .env("PATH", std::env::join_paths(path).expect("PATH"))
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TEMP", &runner_temp)
        .env("GITHUB_PATH", &github_path)
        .env("GITHUB_OUTPUT", &github_output)
        .env("LEAKSCAN_INPUT_VERSION", version())
        .env(
            "LEAKSCAN_INPUT_RELEASE_URL",
            format!("file://{}", release.display()),
        )
        .output()
        .expect("run install.sh");
    (out, runner_temp)
}

#[test]
fn install_sh_installs_what_build_release_packs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let v = version();
    let release = tmp.path().join("release");
    let dist = release.join(format!("v{v}"));
    let stub = stub_binary(tmp.path(), &v);
    for target in ["x86_64-unknown-linux-musl", "x86_64-pc-windows-msvc"] {
        pack(&stub, target, &dist);
    }
    // Packing again replaces the archive's line instead of adding one.
    let out = script(
        "ci/build-release.sh",
        &[
            "--binary",
            stub.to_str().expect("utf-8"),
            "x86_64-unknown-linux-musl",
            dist.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).expect("SHA256SUMS");
    let mut names: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("<sha256>  <name>").1)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            print_name("x86_64-pc-windows-msvc"),
            print_name("x86_64-unknown-linux-musl")
        ]
    );
    // The format `sha256sum -c` reads, as the README tells users to check.
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .expect("sha256sum");
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        stdout(&check)
            .lines()
            .filter(|l| l.ends_with(": OK"))
            .count(),
        2
    );

    for (os, arch, exe) in [
        ("Linux", "X64", "leakscan"),
        ("Windows", "X64", "leakscan.exe"),
    ] {
        let (out, runner_temp) = install_from(&release, os, arch, tmp.path());
        assert!(out.status.success(), "{os}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("checksum verified"),
            "{}",
            stderr(&out)
        );
        let bin = runner_temp.join(format!("leakscan-{v}/bin/{exe}"));
        let run = Command::new(&bin)
            .arg("--version")
            .output()
            .expect("run it");
        assert_eq!(stdout(&run), format!("leakscan {v}"));
        assert_eq!(
            fs::read_to_string(runner_temp.join("path")).expect("GITHUB_PATH"),
            format!("{}\n", bin.parent().expect("dir").display())
        );
        let outputs = fs::read_to_string(runner_temp.join("output")).expect("GITHUB_OUTPUT");
        assert_eq!(outputs, format!("bin={}\nversion={v}\n", bin.display()));
    }

    // An archive changed after it was summed is refused.
    let name = print_name("x86_64-unknown-linux-musl");
    let mut bytes = fs::read(dist.join(&name)).expect("archive");
    bytes.extend_from_slice(b"tampered");
    fs::write(dist.join(&name), bytes).expect("write");
    let (out, runner_temp) = install_from(&release, "Linux", "X64", &tmp.path().join("again"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!(
        "::error title=leakscan install::checksum mismatch for {name}"
    )));
    assert!(!stderr(&out).contains("cargo must not run"));
    assert!(!runner_temp
        .join(format!("leakscan-{v}/bin/leakscan"))
        .exists());
}

// ---- the release workflow ----

fn workflow() -> Yaml {
    let text =
        fs::read_to_string(root().join(".github/workflows/release.yml")).expect("read release.yml");
    serde_yaml_ng::from_str(&text).expect("release.yml is valid YAML")
}

fn job<'a>(w: &'a Yaml, name: &str) -> &'a Yaml {
    get(get(w, "jobs"), name)
}

fn job_steps(job: &Yaml) -> &Vec<Yaml> {
    get(job, "steps").as_sequence().expect("steps list")
}

/// The step of `job` whose string `key` satisfies `matches` (`what` names it on failure).
fn step_where<'a>(
    job: &'a Yaml,
    key: &str,
    what: &str,
    matches: impl Fn(&str) -> bool,
) -> &'a Yaml {
    job_steps(job)
        .iter()
        .find(|s| s.get(key).and_then(Yaml::as_str).is_some_and(&matches))
        .unwrap_or_else(|| panic!("no step {what}"))
}

/// The step of `job` whose `run:` contains `needle`.
fn run_step<'a>(job: &'a Yaml, needle: &str) -> &'a Yaml {
    step_where(job, "run", &format!("runs {needle:?}"), |r| {
        r.contains(needle)
    })
}

fn uses_step<'a>(job: &'a Yaml, action: &str) -> &'a Yaml {
    step_where(job, "uses", &format!("uses {action}"), |u| {
        u.split('@').next() == Some(action)
    })
}

fn permissions(job: &Yaml) -> Vec<(String, String)> {
    get(job, "permissions")
        .as_mapping()
        .expect("permissions map")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().expect("scope").to_string(),
                v.as_str().expect("level").to_string(),
            )
        })
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn release_workflow_builds_every_target_with_the_release_script() {
    let w = workflow();
    // serde_yaml_ng reads the key `on` as the string "on" (YAML 1.2), as GitHub does.
    let tags: Vec<&str> = get(get(get(&w, "on"), "push"), "tags")
        .as_sequence()
        .expect("tags list")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(tags.first(), Some(&"v*"), "{tags:?}");
    assert!(get(get(&w, "on"), "push").get("branches").is_none());
    // Nothing by default: every job names its permissions.
    assert_eq!(
        get(&w, "permissions").as_mapping().map(|m| m.len()),
        Some(0)
    );

    let build = job(&w, "build");
    let include = get(get(get(build, "strategy"), "matrix"), "include")
        .as_sequence()
        .expect("matrix.include");
    let mut matrix: Vec<(String, String)> = include
        .iter()
        .map(|e| (text(e, "target").to_string(), text(e, "os").to_string()))
        .collect();
    matrix.sort();
    let mut want: Vec<(String, String)> = TARGETS
        .iter()
        .map(|(t, _, _, os)| (t.to_string(), os.to_string()))
        .collect();
    want.sort();
    assert_eq!(matrix, want);
    assert_eq!(text(build, "runs-on"), "${{ matrix.os }}");
    assert_eq!(permissions(build), pairs(&[("contents", "read")]));

    let step = run_step(build, "ci/build-release.sh");
    assert_eq!(
        text(step, "run").trim(),
        "bash ci/build-release.sh \"$TARGET\" dist"
    );
    assert_eq!(text(step, "shell"), "bash", "bash on Windows too");
    assert_eq!(text(get(step, "env"), "TARGET"), "${{ matrix.target }}");
    assert_eq!(
        text(get(step, "env"), "LEAKSCAN_CARGO"),
        "${{ matrix.cargo }}"
    );
    // The musl targets: the host's musl toolchain for x86_64, cross for aarch64.
    for e in include {
        let want = if text(e, "target") == "aarch64-unknown-linux-musl" {
            "cross"
        } else {
            "cargo"
        };
        assert_eq!(text(e, "cargo"), want, "{e:?}");
    }
    assert!(text(uses_step(build, "taiki-e/install-action"), "if").contains("'cross'"));
    assert!(text(run_step(build, "musl-tools"), "if").contains("x86_64-unknown-linux-musl"));
    let toolchain = uses_step(build, "dtolnay/rust-toolchain");
    assert_eq!(
        text(get(toolchain, "with"), "targets"),
        "${{ matrix.target }}"
    );
    let upload = uses_step(build, "actions/upload-artifact");
    assert_eq!(text(get(upload, "with"), "path"), "dist/");
    assert_eq!(
        text(get(upload, "with"), "name"),
        "dist-${{ matrix.target }}"
    );

    let release = job(&w, "release");
    assert_eq!(text(release, "needs"), "build");
    assert_eq!(permissions(release), pairs(&[("contents", "write")]));
    let create = run_step(release, "gh release create");
    assert_eq!(text(get(create, "env"), "GH_TOKEN"), "${{ github.token }}");
    assert!(text(create, "run").contains("release/*"));
    let download = uses_step(release, "actions/download-artifact");
    assert_eq!(text(get(download, "with"), "pattern"), "dist-*");
    assert_eq!(text(get(download, "with"), "path"), "artifacts");

    let image = job(&w, "image");
    assert_eq!(
        permissions(image),
        pairs(&[("contents", "read"), ("packages", "write")])
    );
    let push = uses_step(image, "docker/build-push-action");
    let with = get(push, "with");
    assert_eq!(text(with, "platforms"), "linux/amd64,linux/arm64");
    assert_eq!(get(with, "push").as_bool(), Some(true));
    assert_eq!(text(with, "context"), ".");
    assert_eq!(
        text(
            get(uses_step(image, "docker/login-action"), "with"),
            "registry"
        ),
        "ghcr.io"
    );
    let meta = uses_step(image, "docker/metadata-action");
    assert_eq!(
        text(get(meta, "with"), "images"),
        "ghcr.io/${{ github.repository }}"
    );
    uses_step(image, "docker/setup-qemu-action");

    let publish = job(&w, "publish");
    assert_eq!(permissions(publish), pairs(&[("contents", "read")]));
    assert_eq!(
        text(get(publish, "env"), "CARGO_REGISTRY_TOKEN"),
        "${{ secrets.CARGO_REGISTRY_TOKEN }}"
    );
    assert_eq!(
        text(run_step(publish, "cargo publish --"), "run"),
        "cargo publish --locked"
    );
    // Every step is gated on the secret: without it, only the notice that says so runs.
    for s in job_steps(publish) {
        let cond = text(s, "if");
        assert!(
            cond == "env.CARGO_REGISTRY_TOKEN != ''" || cond == "env.CARGO_REGISTRY_TOKEN == ''",
            "{s:?}"
        );
        if cond.contains("==") {
            assert!(text(s, "run").contains("::notice::"));
        }
    }

    // Only the release job writes to the repository; no script interpolates an expression.
    for (name, j) in get(&w, "jobs").as_mapping().expect("jobs") {
        let name = name.as_str().expect("job name");
        for (scope, level) in permissions(j) {
            assert!(
                level == "read"
                    || (name, scope.as_str()) == ("release", "contents")
                    || (name, scope.as_str()) == ("image", "packages"),
                "job {name}: {scope}: {level}"
            );
        }
        for s in job_steps(j) {
            if let Some(run) = s.get("run").and_then(Yaml::as_str) {
                assert!(
                    !run.contains("${{"),
                    "job {name} interpolates into a script: {run}"
                );
            }
            if let Some(uses) = s.get("uses").and_then(Yaml::as_str) {
                assert!(
                    uses.contains('@'),
                    "job {name}: {uses} is not pinned to a version"
                );
            }
        }
    }
}

#[test]
fn the_version_job_refuses_a_tag_that_is_not_the_crate_version() {
    let w = workflow();
    let step = run_step(job(&w, "version"), "--print-name");
    let run = |tag: &str| {
        Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", text(step, "run")])
            .current_dir(root())
            .env("TAG", tag)
            .output()
            .expect("run bash")
    };
    let out = run(&format!("v{}", version()));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run("v99.0.0");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("::error::tag v99.0.0 does not match Cargo.toml's version"));
}

#[test]
fn the_release_job_merges_the_sums_of_all_builds() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let v = version();
    let stub = stub_binary(tmp.path(), &v);
    // What the download step leaves: artifacts/dist-TARGET/, as each build uploaded dist/.
    for &(target, ..) in TARGETS {
        let dist = tmp.path().join(format!("artifacts/dist-{target}"));
        pack(&stub, target, &dist);
    }
    let w = workflow();
    let merge = text(run_step(job(&w, "release"), "SHA256SUMS"), "run").to_string();
    let run = |dir: &Path| {
        Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &merge])
            .current_dir(dir)
            .output()
            .expect("run bash")
    };
    let out = run(tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let sums = fs::read_to_string(tmp.path().join("release/SHA256SUMS")).expect("SHA256SUMS");
    let listed: BTreeSet<String> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("<sha256>  <name>").1.to_string())
        .collect();
    let names: BTreeSet<String> = TARGETS.iter().map(|(t, ..)| print_name(t)).collect();
    assert_eq!(listed, names);
    let files: BTreeSet<String> = fs::read_dir(tmp.path().join("release"))
        .expect("ls release")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    assert_eq!(files, names, "the release holds every archive");
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").expect("line");
        let bytes = fs::read(tmp.path().join("release").join(name)).expect("archive");
        assert_eq!(sum, sha256_hex(&bytes), "{name}");
    }

    // A build missing from the artifacts fails the job instead of releasing four.
    let again = tmp.path().join("again");
    fs::create_dir_all(again.join("artifacts")).expect("mkdir");
    for &(target, ..) in &TARGETS[1..] {
        let from = tmp.path().join(format!("artifacts/dist-{target}"));
        let to = again.join(format!("artifacts/dist-{target}"));
        fs::create_dir(&to).expect("mkdir");
        for e in fs::read_dir(from).expect("ls") {
            let e = e.expect("entry");
            fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
    let out = run(&again);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
}

// ---- the container image ----

/// The Dockerfile's instructions: comments dropped, continuation lines joined; each as
/// (INSTRUCTION, arguments).
fn dockerfile() -> Vec<(String, String)> {
    let text = fs::read_to_string(root().join("Dockerfile")).expect("read Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(part) = trimmed.strip_suffix('\\') {
            current.push_str(part);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (instr, args) = current.split_once(' ').unwrap_or((&current, ""));
        out.push((instr.to_uppercase(), args.trim().to_string()));
        current.clear();
    }
    assert!(current.is_empty(), "the Dockerfile ends in a continuation");
    out
}

/// The instructions of each stage, split at FROM.
fn stages() -> Vec<Vec<(String, String)>> {
    let mut stages: Vec<Vec<(String, String)>> = Vec::new();
    for (instr, args) in dockerfile() {
        if instr == "FROM" {
            stages.push(Vec::new());
        }
        stages
            .last_mut()
            .expect("an instruction before the first FROM")
            .push((instr, args));
    }
    stages
}

fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("not the exec (JSON) form ({e}): {args}"))
}

#[test]
fn dockerfile_builds_with_the_release_script_and_runs_unprivileged() {
    let stages = stages();
    assert_eq!(stages.len(), 2, "{stages:?}");
    let (build, image) = (&stages[0], &stages[1]);
    assert_eq!(build[0].1, "rust:1-alpine AS build");
    let runs: Vec<&str> = build
        .iter()
        .filter(|(i, _)| i == "RUN")
        .map(|(_, a)| a.as_str())
        .collect();
    let apk = runs
        .iter()
        .find(|r| r.contains("apk add"))
        .expect("an apk add");
    for pkg in ["bash", "build-base"] {
        assert!(
            apk.split_whitespace().any(|w| w == pkg),
            "{apk} lacks {pkg}"
        );
    }
    let release = runs
        .iter()
        .find(|r| r.contains("ci/build-release.sh"))
        .expect("the build stage runs ci/build-release.sh");
    assert!(
        release.contains("bash ci/build-release.sh \"$(uname -m)-unknown-linux-musl\" /dist"),
        "{release}"
    );
    // The archive it unpacks is the one build-release.sh names for this platform.
    for target in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"] {
        let name = print_name(target);
        assert!(
            name.starts_with("leakscan-") && name.ends_with(".tar.gz"),
            "{name}"
        );
    }
    assert!(
        release.contains("tar -xzf /dist/leakscan-*.tar.gz -C /dist"),
        "{release}"
    );
    assert!(
        release.contains("cp /dist/leakscan-*/leakscan /dist/leakscan"),
        "{release}"
    );

    // A minimal base with git (audit clones with it), not an empty one.
    assert!(image[0].1.starts_with("alpine:"), "{}", image[0].1);
    let find = |instr: &str| -> Vec<&str> {
        image
            .iter()
            .filter(|(i, _)| i == instr)
            .map(|(_, a)| a.as_str())
            .collect()
    };
    assert_eq!(
        find("COPY"),
        ["--from=build /dist/leakscan /usr/local/bin/leakscan"]
    );
    assert!(
        find("RUN")
            .iter()
            .any(|r| r.contains("apk add --no-cache git")),
        "git for audit"
    );
    let user = find("USER");
    assert_eq!(user.len(), 1, "{user:?}");
    let uid = user[0].split(':').next().expect("uid");
    assert_eq!(uid, "65532");
    assert!(user[0]
        .split(':')
        .all(|id| id.parse::<u32>().is_ok_and(|n| n != 0)));
    assert_eq!(
        exec_form(find("ENTRYPOINT")[0]),
        ["/usr/local/bin/leakscan"]
    );
    assert_eq!(exec_form(find("CMD")[0]), ["scan", "."]);
    assert_eq!(find("WORKDIR"), ["/src"]);
    // USER comes before ENTRYPOINT, and the binary is proven static while building.
    let pos = |instr: &str| image.iter().position(|(i, _)| i == instr).expect(instr);
    assert!(pos("USER") < pos("ENTRYPOINT"));
    assert!(find("RUN")
        .iter()
        .any(|r| r.starts_with('[') && exec_form(r) == ["/usr/local/bin/leakscan", "--version"]));

    let labels = find("LABEL").join(" ");
    for (key, value) in [
        ("source", package("repository")),
        ("licenses", package("license")),
        ("description", package("description")),
    ] {
        let want = format!("org.opencontainers.image.{key}=\"{value}\"");
        assert!(labels.contains(&want), "{labels} lacks {want}");
    }
}

/// Whether a .dockerignore pattern (`*` within one path component, a leading `**/`, a
/// trailing `/`) excludes `path` or a directory above it.
fn ignores(pattern: &str, path: &str) -> bool {
    fn glob(p: &str, s: &str) -> bool {
        match p.split_once('*') {
            None => p == s,
            Some((head, tail)) => {
                s.starts_with(head) && (head.len()..=s.len()).any(|i| glob(tail, &s[i..]))
            }
        }
    }
    let pattern = pattern.trim_end_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    let (anywhere, pattern) = match pattern.strip_prefix("**/") {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let pat: Vec<&str> = pattern.split('/').collect();
    let starts: Vec<usize> = if anywhere {
        (0..parts.len()).collect()
    } else {
        vec![0]
    };
    starts.into_iter().any(|start| {
        parts.len() >= start + pat.len() && pat.iter().zip(&parts[start..]).all(|(p, s)| glob(p, s))
    })
}

#[test]
fn dockerignore_keeps_build_output_out_and_every_build_input_in() {
    let text = fs::read_to_string(root().join(".dockerignore")).expect("read .dockerignore");
    let patterns: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!patterns.iter().any(|p| p.starts_with('!')));
    for out in [
        "target/debug/leakscan",
        ".git/config",
        "fuzz/target/x",
        "dist/SHA256SUMS",
    ] {
        assert!(
            patterns.iter().any(|p| ignores(p, out)),
            "{out} is sent to the build"
        );
    }
    // What ci/build-release.sh needs: the manifest and its targets, the sources it
    // compiles, and the docs it packs.
    let mut inputs = vec![
        "Cargo.toml".to_string(),
        "Cargo.lock".into(),
        "build.rs".into(),
        "src/main.rs".into(),
        "src/lib.rs".into(),
        "ci/build-release.sh".into(),
        "benches/engine.rs".into(),
    ];
    for rule in fs::read_dir(root().join("rules")).expect("rules/") {
        inputs.push(format!(
            "rules/{}",
            rule.expect("entry").file_name().to_string_lossy()
        ));
    }
    inputs.extend(docs().into_iter().map(String::from));
    for input in &inputs {
        assert!(
            root().join(input).exists(),
            "{input} is not in the repository"
        );
        for p in &patterns {
            assert!(!ignores(p, input), "{p} keeps {input} out of the build");
        }
    }
    // The matcher itself.
    assert!(ignores("**/*.sarif", "a/b/leakscan.sarif") && ignores("target/", "target"));
    assert!(!ignores("target/", "src/target.rs") && !ignores("fuzz/target/", "fuzz/src/x.rs"));
}

#[test]
fn release_scripts_are_executable_bash() {
    use std::os::unix::fs::PermissionsExt;
    for script in [
        "ci/build-release.sh",
        "ci/action/install.sh",
        "ci/action/scan.sh",
    ] {
        let p = root().join(script);
        let mode = fs::metadata(&p).expect(script).permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is not executable ({mode:o})");
        let out = Command::new("bash")
            .arg("-n")
            .arg(&p)
            .output()
            .expect("bash -n");
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        let body = fs::read_to_string(&p).expect(script);
        assert!(
            body.starts_with("#!/usr/bin/env bash\n") && body.contains("\nset -euo pipefail\n")
        );
    }
    // The version build-release.sh reads is Cargo.toml's, whatever else says `version`.
    assert_eq!(print_name("t"), format!("leakscan-{}-t.tar.gz", version()));
}
