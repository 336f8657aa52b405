#!/usr/bin/env bash
# Installs leakscan for the GitHub Action (action.yml, step "install").
#
# 1. A leakscan already on PATH is used when its version is the one wanted (or when any
#    version will do: LEAKSCAN_INPUT_VERSION empty or `any`).
# 2. Otherwise the release archive for this runner is downloaded with its SHA256SUMS and
#    verified. A checksum that does not match, or an archive SHA256SUMS does not list, stops
#    here: that may be tampering, and nothing is installed.
# 3. When there is no release archive for this platform or version (unknown platform, a
#    download that fails), leakscan is built from source with `cargo install --locked`.
#
# Inputs (environment; action.yml passes every input this way, never by interpolation):
#   LEAKSCAN_INPUT_VERSION      wanted version, `0.2.0` or `v0.2.0`; empty or `any` for any
#   LEAKSCAN_INPUT_RELEASE_URL  base of the release downloads, https:// (file:// for tests);
#                               files are read from <url>/v<version>/
#   LEAKSCAN_REPOSITORY         git repository for the last fallback (default below)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT   as GitHub sets them
#
# Outputs: `bin=` (path of the leakscan binary) and `version=` in $GITHUB_OUTPUT; the
# directory of a binary it installed is appended to $GITHUB_PATH for later steps.
#
# `install.sh --print-target` prints the release target of this runner (or nothing, exit 1,
# for a platform without release archives) and `install.sh --print-archive VERSION` the
# archive name it would download; both do nothing else.
set -euo pipefail

repository=${LEAKSCAN_REPOSITORY:-https://github.com/leakscan/leakscan}

log() { printf 'leakscan install: %s\n' "$*" >&2; }
die() {
  # `::error::` makes GitHub show the message as an annotation on the run.
  printf '::error title=leakscan install::%s\n' "$*" >&2
  exit 1
}

# The release target for RUNNER_OS/RUNNER_ARCH (as GitHub names them); empty when the
# release has no archive for this platform.
release_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# The archive name ci/build-release.sh gives VERSION for TARGET.
archive_name() {
  local version=$1 target=$2
  case "$target" in
    *-windows-*) echo "leakscan-${version}-${target}.zip" ;;
    *) echo "leakscan-${version}-${target}.tar.gz" ;;
  esac
}

# Writes one `name=value` line to $GITHUB_OUTPUT (when set); a value with a newline would
# forge other outputs, so it is refused.
set_output() {
  local name=$1 value=$2
  [[ $value != *$'\n'* ]] || die "output $name would hold a newline"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$name" "$value" >>"$GITHUB_OUTPUT"
  fi
}

# The version a leakscan binary reports: `leakscan 0.2.0` -> `0.2.0`.
version_of() {
  local line
  line=$("$1" --version 2>/dev/null) || return 1
  line=${line%%$'\n'*}
  printf '%s\n' "${line##* }"
}

# SHA-256 of a file in hex (both tools print lowercase): sha256sum (Linux, Git Bash) or
# shasum (macOS).
sha256_of() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum "$1")
  elif command -v shasum >/dev/null 2>&1; then
    out=$(shasum -a 256 "$1")
  else
    die "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
  printf '%s\n' "${out%% *}"
}

# Downloads URL to FILE. https only (file:// is allowed so that tests can serve a fake
# release from disk); redirects may only go to https; TLS 1.2 or later.
download() {
  curl --fail --silent --show-error --location \
    --proto '=https,file' --proto-redir '=https' --tlsv1.2 \
    --retry 3 --connect-timeout 30 \
    --output "$2" "$1"
}

# Marks the directory holding the binary for later steps and records the outputs.
publish() {
  local bin=$1 version=$2 dir
  dir=$(dirname "$bin")
  if [[ -n ${GITHUB_PATH:-} ]]; then
    # The runner reads $GITHUB_PATH with the platform's own path syntax.
    if command -v cygpath >/dev/null 2>&1; then
      cygpath -w "$dir" >>"$GITHUB_PATH"
    else
      printf '%s\n' "$dir" >>"$GITHUB_PATH"
    fi
  fi
  set_output bin "$bin"
  set_output version "$version"
}

case "${1:-}" in
  --print-target)
    target=$(release_target)
    [[ -n $target ]] || exit 1
    echo "$target"
    exit 0
    ;;
  --print-archive)
    [[ -n ${2:-} ]] || die "usage: install.sh --print-archive VERSION"
    target=$(release_target)
    [[ -n $target ]] || exit 1
    archive_name "${2#v}" "$target"
    exit 0
    ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

wanted=${LEAKSCAN_INPUT_VERSION:-}
wanted=${wanted#v}
release_url=${LEAKSCAN_INPUT_RELEASE_URL:-https://github.com/leakscan/leakscan/releases/download}
release_url=${release_url%/}

# 1. A leakscan on PATH.
if existing=$(command -v leakscan 2>/dev/null); then
  have=$(version_of "$existing" || true)
  if [[ -z $wanted || $wanted == any || $have == "$wanted" ]]; then
    log "using leakscan ${have:-(unknown version)} at $existing"
    set_output bin "$existing"
    set_output version "$have"
    exit 0
  fi
  log "leakscan $have at $existing is not the wanted $wanted; installing $wanted"
fi

# Where an installed binary goes: <root>/bin, the layout `cargo install --root` uses too.
root="${RUNNER_TEMP:-/tmp}/leakscan-${wanted:-latest}"
bindir="$root/bin"
exe=""
[[ ${RUNNER_OS:-} == Windows ]] && exe=.exe

# 3. (used below) Build from source: the crate at that version, then the repository's tag.
install_with_cargo() {
  command -v cargo >/dev/null 2>&1 ||
    die "no release archive could be used and cargo is not installed: install Rust (for example dtolnay/rust-toolchain) before this action, or put leakscan on PATH"
  local args=(install --locked --root "$root")
  if [[ -z $wanted || $wanted == any ]]; then
    log "falling back to cargo install --locked leakscan (latest version)"
    cargo "${args[@]}" leakscan || die "cargo install leakscan failed"
  else
    log "falling back to cargo install --locked leakscan --version $wanted"
    if ! cargo "${args[@]}" leakscan --version "$wanted"; then
      log "cargo install from the registry failed; building tag v$wanted of $repository"
      cargo "${args[@]}" --git "$repository" --tag "v$wanted" leakscan ||
        die "cargo install --git $repository --tag v$wanted failed"
    fi
  fi
  local have
  have=$(version_of "$bindir/leakscan$exe") || die "cargo installed no working leakscan in $bindir"
  log "installed leakscan $have with cargo into $bindir"
  publish "$bindir/leakscan$exe" "$have"
  exit 0
}

if [[ -z $wanted || $wanted == any ]]; then
  # No version to download: only a build from source can choose one.
  install_with_cargo
fi

target=$(release_target)
if [[ -z $target ]]; then
  log "no release archive for ${RUNNER_OS:-unknown OS}/${RUNNER_ARCH:-unknown arch}"
  install_with_cargo
fi
archive=$(archive_name "$wanted" "$target")

# 2. The release archive, verified before it is unpacked.
stage=$(mktemp -d "${RUNNER_TEMP:-/tmp}/leakscan-download.XXXXXX")
trap 'rm -rf "$stage"' EXIT

base="$release_url/v$wanted"
log "downloading $base/$archive"
if ! download "$base/SHA256SUMS" "$stage/SHA256SUMS" ||
  ! download "$base/$archive" "$stage/$archive"; then
  log "no release download for leakscan $wanted on $target"
  install_with_cargo
fi

# Every SHA256SUMS line naming the archive (`<hex>  <name>`, or `<hex> *<name>`): all
# must agree, and there must be one.
expected=$(awk -v f="$archive" '{ n = $2; sub(/^\*/, "", n) } n == f { print tolower($1) }' \
  "$stage/SHA256SUMS" | sort -u)
if [[ -z $expected ]]; then
  die "checksum missing: SHA256SUMS of v$wanted does not list $archive; refusing to install it (no fallback: the release may have been tampered with)"
fi
if [[ $expected == *$'\n'* || ! $expected =~ ^[0-9a-f]{64}$ ]]; then
  die "checksum unusable: SHA256SUMS of v$wanted lists $archive with several or malformed checksums; refusing to install it"
fi
actual=$(sha256_of "$stage/$archive")
if [[ $actual != "$expected" ]]; then
  die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install it (no fallback: the download may have been tampered with)"
fi
log "checksum verified: $archive sha256 $actual"

# The archive holds one directory, leakscan-<version>-<target>/, with the binary in it.
mkdir "$stage/unpacked"
case "$archive" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$stage/$archive" -d "$stage/unpacked"
    elif command -v 7z >/dev/null 2>&1; then
      7z x -y -bd "-o$stage/unpacked" "$stage/$archive" >/dev/null
    elif command -v python3 >/dev/null 2>&1; then
      python3 -m zipfile -e "$stage/$archive" "$stage/unpacked"
    else
      die "none of unzip, 7z or python3 is installed to unpack $archive"
    fi
    ;;
  *) tar -xzf "$stage/$archive" -C "$stage/unpacked" --no-same-owner ;;
esac
inner="leakscan-${wanted}-${target}/leakscan$exe"
unpacked="$stage/unpacked/$inner"
[[ -f $unpacked ]] || die "$archive has no $inner"

mkdir -p "$bindir"
cp "$unpacked" "$bindir/leakscan$exe"
chmod 755 "$bindir/leakscan$exe"
have=$(version_of "$bindir/leakscan$exe" || true)
if [[ $have != "$wanted" ]]; then
  rm -f "$bindir/leakscan$exe"
  die "the binary in $archive says it is version '${have}', not $wanted; not installed"
fi
log "installed leakscan $have ($target) into $bindir"
publish "$bindir/leakscan$exe" "$have"
