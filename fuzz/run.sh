#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), one after the other:
#
#   fuzz/run.sh [SECONDS]
#
# Needs the nightly toolchain (`rustup toolchain install nightly`); installs cargo-fuzz when
# `cargo fuzz` is missing. Each target starts from its corpus in fuzz/corpus/<target>/ (kept,
# not committed) and the committed seeds in fuzz/seeds/<target>/, with the dictionary
# fuzz/dicts/<target>.dict when there is one. Exits 1 naming every target that crashed; the
# input that crashed it is in fuzz/artifacts/<target>/, the whole log in fuzz/target/logs/.
#
# Built without a sanitizer (leakscan has no unsafe code; what the targets look for are panics
# and broken assertions), with debug assertions and overflow checks on (cargo-fuzz's default):
# that builds in half the time and runs 4-5 times faster than under AddressSanitizer.
#
# LEAKSCAN_FUZZ_SANITIZER: address, leak, memory, thread or none (the default).
# LEAKSCAN_FUZZ_TARGET_DIR: where the fuzz build goes (default fuzz/target); point it outside
# a throw-away checkout to reuse the build next time.
set -euo pipefail
cd "$(dirname "$0")/.."   # the repository root: cargo fuzz looks for fuzz/ from here

secs="${1:-60}"
case "$secs" in
  '' | *[!0-9]* | 0)
    echo "usage: fuzz/run.sh [SECONDS]  (seconds per target, default 60)" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo fuzz is missing; cargo install cargo-fuzz --locked"
  cargo install cargo-fuzz --locked
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 2
fi

target_dir="${LEAKSCAN_FUZZ_TARGET_DIR:-fuzz/target}"
# The same flags for build and run, so that run finds the build up to date.
build=(--target-dir "$target_dir" --sanitizer "${LEAKSCAN_FUZZ_SANITIZER:-none}")
logs="$target_dir/logs"
mkdir -p "$logs"

mapfile -t targets < <(cargo +nightly fuzz list)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 2
fi

start=$SECONDS
echo "fuzz: building ${targets[*]}"
if ! cargo +nightly fuzz build "${build[@]}" >"$logs/build.log" 2>&1; then
  tail -n 40 "$logs/build.log" >&2
  echo "fuzz: the fuzz targets do not build (log: $logs/build.log)" >&2
  exit 1
fi
echo "fuzz: built in $((SECONDS - start)) s"

# What libFuzzer's final stats say, e.g. stat average_exec_per_sec.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

failed=()
for t in "${targets[@]}"; do
  corpus=(fuzz/corpus/"$t")
  mkdir -p "${corpus[0]}"
  [ -d fuzz/seeds/"$t" ] && corpus+=(fuzz/seeds/"$t")
  args=(-max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=60 -print_final_stats=1)
  [ -f fuzz/dicts/"$t".dict ] && args+=(-dict=fuzz/dicts/"$t".dict)
  log="$logs/$t.log"
  t0=$SECONDS
  echo "fuzz: $t for ${secs} s"
  if cargo +nightly fuzz run "${build[@]}" "$t" "${corpus[@]}" -- "${args[@]}" >"$log" 2>&1; then
    echo "fuzz: $t ok: $(stat number_of_executed_units "$log") runs in $((SECONDS - t0)) s," \
      "$(stat average_exec_per_sec "$log") exec/s, peak RSS $(stat peak_rss_mb "$log") MB," \
      "corpus $(find "${corpus[0]}" -type f | wc -l) inputs"
  else
    failed+=("$t")
    echo "fuzz: $t FAILED; from its log ($log):" >&2
    # From the panic (or libFuzzer's error: timeout, out of memory) on, else the end.
    # (awk, not a pipe into head: under pipefail a reader that leaves early fails the pipe.)
    if grep -qE "panicked at|ERROR: libFuzzer" "$log"; then
      awk '/panicked at|ERROR: libFuzzer/ { p = 1 } p && n++ < 80' "$log" >&2
    else
      tail -n 60 "$log" >&2
    fi
    sed -n 's/.*Test unit written to \(.*\)$/fuzz: crashing input: \1/p' "$log" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]} (inputs in fuzz/artifacts/<target>/;" \
    "minimise with: cargo +nightly fuzz tmin <target> <input>)" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran clean for ${secs} s each ($((SECONDS - start)) s in all)"
