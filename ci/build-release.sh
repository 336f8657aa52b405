#!/usr/bin/env bash
# Builds and packs one release archive: the one build command of a release, run by
# .github/workflows/release.yml for each target and by the Dockerfile.
#
#   ci/build-release.sh TARGET [OUT_DIR]     build, pack into OUT_DIR (default dist/), and
#                                            append the archive's line to OUT_DIR/SHA256SUMS
#   ci/build-release.sh --print-name TARGET  print the archive's name; build nothing
#   ci/build-release.sh --binary FILE TARGET [OUT_DIR]
#                                            pack FILE, an already built binary for TARGET,
#                                            instead of building (tests; other build tools)
#
# The archive, leakscan-<version>-<TARGET>.tar.gz (.zip for Windows targets), holds one
# directory of the same name with the binary (leakscan, or leakscan.exe), README.md,
# LICENSE-MIT, LICENSE-APACHE and CHANGELOG.md (those present). SHA256SUMS gets
# `<sha256>  <archive>`, the format `sha256sum -c` reads. The version is Cargo.toml's.
#
# Environment: LEAKSCAN_CARGO, the cargo to build with (default cargo; `cross` for targets
# the runner cannot link); CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

die() {
  printf 'build-release: %s\n' "$*" >&2
  exit 1
}
usage() {
  die "usage: ci/build-release.sh TARGET [OUT_DIR] | --print-name TARGET | --binary FILE TARGET [OUT_DIR]"
}

# The package version: the first `version = "..."` of Cargo.toml's [package] table.
crate_version() {
  awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version[ \t]*=/ {
      sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit
    }' "$root/Cargo.toml"
}

archive_name() {
  case "$1" in
    *-windows-*) echo "leakscan-${version}-$1.zip" ;;
    *) echo "leakscan-${version}-$1.tar.gz" ;;
  esac
}

sha256_of() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum "$1")
  else
    out=$(shasum -a 256 "$1")
  fi
  # Git Bash's sha256sum prints `\<hash>` for some names and `*name` in binary mode: keep
  # the hash alone.
  out=${out#\\}
  printf '%s\n' "${out%% *}"
}

version=$(crate_version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "no version in $root/Cargo.toml"

binary=""
case "${1:-}" in
  --print-name)
    [[ $# -eq 2 ]] || usage
    archive_name "$2"
    exit 0
    ;;
  --binary)
    [[ $# -ge 3 && $# -le 4 ]] || usage
    binary=$2
    shift 2
    ;;
  "" | -*) usage ;;
esac
[[ $# -ge 1 && $# -le 2 ]] || usage
target=$1
out_dir=${2:-dist}
[[ $target =~ ^[A-Za-z0-9_.-]+$ ]] || die "not a target triple: $target"

exe=""
[[ $target == *-windows-* ]] && exe=.exe

if [[ -z $binary ]]; then
  # musl targets link statically by default (crt-static): no RUSTFLAGS needed.
  cargo=${LEAKSCAN_CARGO:-cargo}
  # The profile keeps line tables for profiling; a release archive carries the symbols only
  # (57 MB to 15 MB on x86-64 Linux), so panics still name their functions.
  export CARGO_PROFILE_RELEASE_STRIP=${CARGO_PROFILE_RELEASE_STRIP:-debuginfo}
  # libgit2 against zlib-ng (history scans inflate faster) wherever cmake is there to build
  # it; LEAKSCAN_FEATURES overrides (empty: the default features only).
  features=${LEAKSCAN_FEATURES-$(command -v cmake >/dev/null && echo zlib-ng)}
  echo "build-release: $cargo build --release --locked --target $target --features '$features'" >&2
  (cd "$root" && "$cargo" build --release --locked --target "$target" --features "$features")
  binary="${CARGO_TARGET_DIR:-$root/target}/$target/release/leakscan$exe"
fi
[[ -f $binary ]] || die "no binary at $binary"

name=$(archive_name "$target")
dir=${name%.tar.gz}
dir=${dir%.zip}

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/leakscan-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir "$stage/$dir"
cp "$binary" "$stage/$dir/leakscan$exe"
chmod 755 "$stage/$dir/leakscan$exe"
for doc in README.md LICENSE-MIT LICENSE-APACHE CHANGELOG.md; do
  if [[ -f $root/$doc ]]; then
    cp "$root/$doc" "$stage/$dir/"
  else
    echo "build-release: warning: $doc is missing; the archive goes without it" >&2
  fi
done

rm -f "$out_dir/$name"
case "$name" in
  *.zip)
    if command -v zip >/dev/null 2>&1; then
      (cd "$stage" && zip -q -r "$out_dir/$name" "$dir")
    elif command -v 7z >/dev/null 2>&1; then
      # Windows runners have 7-Zip but no zip.
      (cd "$stage" && 7z a -tzip -bd "$out_dir/$name" "$dir" >/dev/null)
    elif command -v python3 >/dev/null 2>&1; then
      (cd "$stage" && python3 -m zipfile -c "$out_dir/$name" "$dir")
    else
      die "none of zip, 7z or python3 is installed to make $name"
    fi
    ;;
  *) (cd "$stage" && tar -czf "$out_dir/$name" "$dir") ;;
esac

sum=$(sha256_of "$out_dir/$name")
# A rebuild replaces the archive's earlier line rather than adding a second one.
sums="$out_dir/SHA256SUMS"
if [[ -f $sums ]]; then
  awk -v f="$name" '{ n = $2; sub(/^\*/, "", n) } n != f' "$sums" >"$stage/SHA256SUMS"
  cat "$stage/SHA256SUMS" >"$sums"
fi
printf '%s  %s\n' "$sum" "$name" >>"$sums"
echo "build-release: $out_dir/$name ($sum)" >&2
