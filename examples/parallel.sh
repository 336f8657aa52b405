#!/usr/bin/env bash
# An audit of many repositories on one machine, N shards at a time, then one merged report:
#
#   examples/parallel.sh repos.txt 8 audit.sarif
#
# With GNU parallel when it is installed, else with xargs -P. Each shard keeps its own
# cache (mirrors and state files), so a second run fetches and reads only what changed.
set -euo pipefail
repos=${1:?usage: parallel.sh REPOS_FILE [SHARDS] [OUTPUT.sarif]}
shards=${2:-$(nproc 2>/dev/null || echo 4)}
output=${3:-audit.sarif}
work=${LEAKSCAN_AUDIT_DIR:-leakscan-audit}
mkdir -p "$work"

one_shard() { # shard index. Exit 0, 1 (findings) and 3 (partial) leave a report, and so
  # does 2 when every repository of the shard failed (their status records are in it);
  # 2 without them (a bad list or flag) fails the shard.
  local code=0
  leakscan audit --repos "$repos" --shard "$1/$shards" --cache "$work/cache-$1" \
    -f jsonl -o "$work/shard-$1.jsonl" -q || code=$?
  [ "$code" -ne 2 ] || grep -q '"status"' "$work/shard-$1.jsonl"
}
export -f one_shard
export repos shards work

if command -v parallel >/dev/null; then
  seq 0 $((shards - 1)) | parallel -j "$shards" --halt now,fail=1 one_shard {}
else
  seq 0 $((shards - 1)) | xargs -P "$shards" -I{} bash -c 'one_shard {}'
fi

reports=()
for i in $(seq 0 $((shards - 1))); do reports+=("$work/shard-$i.jsonl"); done
code=0
leakscan merge "${reports[@]}" -f sarif -o "$output" || code=$?
echo "parallel.sh: $shards shards merged into $output (exit $code)" >&2
exit "$code"
