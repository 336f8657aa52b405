#!/usr/bin/env bash
# Runs leakscan for the GitHub Action (action.yml, step "scan").
#
# This step never fails the job by itself: it records leakscan's exit code in $GITHUB_OUTPUT
# (`exit-code=`), so that the SARIF report can be uploaded first; the action's last step
# then exits with that code. It exits non-zero only when it cannot run at all.
#
# Inputs (environment; action.yml passes every input this way, never by interpolation):
#   LEAKSCAN_BIN                the binary (install step's output; default: leakscan on PATH)
#   LEAKSCAN_INPUT_COMMAND      scan | history
#   LEAKSCAN_INPUT_PATH         the path to scan, or the repository for history
#   LEAKSCAN_INPUT_RANGE        history only: A..B; empty = what the pull request or push adds
#   LEAKSCAN_INPUT_FORMAT       text | json | jsonl | sarif | gitlab (leakscan checks it)
#   LEAKSCAN_INPUT_OUTPUT       report file
#   LEAKSCAN_INPUT_BASELINE     baseline file (optional)
#   LEAKSCAN_INPUT_CONFIG       config file (optional)
#   LEAKSCAN_INPUT_EXIT_CODE    exit code when findings remain
#   LEAKSCAN_INPUT_ARGS         extra arguments, split on whitespace (no quoting, no globbing)
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_BASE_REF, GITHUB_OUTPUT,
#   GITHUB_STEP_SUMMARY         as GitHub sets them
#
# Outputs: `sarif=` (the report's path; empty when leakscan failed and wrote none),
# `exit-code=` (leakscan's exit code; 2 for a bad input of this action), `findings=` (the
# number of findings, read from a json, jsonl, sarif or gitlab report; empty for text).
set -euo pipefail

log() { printf 'leakscan: %s\n' "$*" >&2; }

# Writes one `name=value` line to $GITHUB_OUTPUT (when set). A value with a newline would
# forge other outputs: the script stops instead.
set_output() {
  local name=$1 value=$2
  if [[ $value == *$'\n'* ]]; then
    printf '::error title=leakscan::output %s would hold a newline\n' "$name" >&2
    exit 1
  fi
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$name" "$value" >>"$GITHUB_OUTPUT"
  fi
}

# An input the action cannot run with: the same outcome as leakscan's own exit 2 (the scan
# could not be done as asked), recorded for the last step, which fails the job with it.
input_error() {
  printf '::error title=leakscan::%s\n' "$*" >&2
  set_output sarif ""
  set_output exit-code 2
  set_output findings ""
  exit 0
}

# Reads a JSON file with jq, or with Python where jq is missing, and prints one value:
#   json_query count-sarif FILE    the number of results in all runs of a SARIF log
#   json_query count-array FILE    the length of a JSON array (a json report)
#   json_query count-gitlab FILE   the vulnerabilities of a GitLab secret-detection report
#   json_query field FILE NAME     the top-level string field NAME, empty when absent
# Fails when neither tool is there or FILE is not JSON.
json_query() {
  local mode=$1 file=$2 name=${3:-} py
  if command -v jq >/dev/null 2>&1; then
    case "$mode" in
      count-sarif) jq -r '[.runs[]?.results // [] | length] | add // 0' "$file" ;;
      count-array) jq -r 'length' "$file" ;;
      count-gitlab) jq -r '.vulnerabilities | length' "$file" ;;
      field) jq -r --arg n "$name" '.[$n] // empty' "$file" ;;
    esac
    return
  fi
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c '
import json, sys
mode, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    d = json.load(f)
if mode == "count-sarif":
    print(sum(len(r.get("results") or []) for r in d.get("runs") or []))
elif mode == "count-array":
    print(len(d))
elif mode == "count-gitlab":
    print(len(d.get("vulnerabilities") or []))
else:
    v = d.get(sys.argv[3])
    print(v if isinstance(v, str) else "")
' "$mode" "$file" "$name"
      return
    fi
  done
  return 1
}

# A string field of the event payload ($GITHUB_EVENT_PATH), empty when absent.
event_field() {
  [[ -n ${GITHUB_EVENT_PATH:-} && -f $GITHUB_EVENT_PATH ]] || return 0
  json_query field "$GITHUB_EVENT_PATH" "$1" ||
    log "warning: cannot read $1 from the event payload (jq or python3 needed)"
}

zeros=0000000000000000000000000000000000000000

# Whether commit $2 is present in repository $1.
have_commit() { git -C "$1" cat-file -e "$2^{commit}" 2>/dev/null; }

# The range `history` scans when the input gives none, from the event; empty = all history.
# Fetches what it needs that a shallow or single-branch checkout lacks.
event_range() {
  local repo=$1 before after
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request)
      local base=${GITHUB_BASE_REF:-}
      if [[ -z $base ]] || ! git check-ref-format --branch "$base" >/dev/null 2>&1; then
        log "pull_request without a usable GITHUB_BASE_REF ('$base'); scanning all history"
        return 0
      fi
      if ! git -C "$repo" rev-parse --verify --quiet "refs/remotes/origin/$base" >/dev/null; then
        log "origin/$base is missing; fetching it"
        git -C "$repo" fetch --no-tags origin "+refs/heads/$base:refs/remotes/origin/$base" >&2 ||
          log "warning: could not fetch $base from origin"
      fi
      printf '%s\n' "origin/$base..HEAD"
      ;;
    push)
      before=$(event_field before)
      after=$(event_field after)
      if [[ -z $after || $after == "$zeros" ]]; then
        after=HEAD
      fi
      if [[ -z $before || $before == "$zeros" ]]; then
        log "push of a new branch or tag: scanning all history"
        return 0
      fi
      if ! have_commit "$repo" "$before"; then
        git -C "$repo" fetch --no-tags --quiet origin "$before" >&2 || true
      fi
      if ! have_commit "$repo" "$before"; then
        # A force-push can leave `before` unreachable; all history is a safe superset.
        log "warning: the push's previous commit $before is not in this clone; scanning all history"
        return 0
      fi
      printf '%s\n' "$before..$after"
      ;;
    *)
      log "event ${GITHUB_EVENT_NAME:-(none)}: scanning all history"
      ;;
  esac
}

bin=${LEAKSCAN_BIN:-leakscan}
command=${LEAKSCAN_INPUT_COMMAND:-scan}
path=${LEAKSCAN_INPUT_PATH:-.}
range=${LEAKSCAN_INPUT_RANGE:-}
format=${LEAKSCAN_INPUT_FORMAT:-sarif}
output=${LEAKSCAN_INPUT_OUTPUT:-leakscan.sarif}
baseline=${LEAKSCAN_INPUT_BASELINE:-}
config=${LEAKSCAN_INPUT_CONFIG:-}
exit_code=${LEAKSCAN_INPUT_EXIT_CODE:-1}

# Extra arguments: split on blanks and newlines into an array; `read` does no globbing and
# runs nothing. It returns 1 at the end of input, which is not an error here.
extra=()
read -r -d '' -a extra <<<"${LEAKSCAN_INPUT_ARGS:-}" || true

case "$command" in
  scan | history) ;;
  *) input_error "input command must be scan or history, not '$command'" ;;
esac
[[ -n $output ]] || input_error "input output (the report file) is empty"
if [[ $command == scan && -n $range ]]; then
  input_error "input range is for command: history; command: scan reads files on disk, not commits"
fi

# Options as `--name=value`, so that a value starting with `-` is never read as a flag.
args=("$command" "--format=$format" "--output=$output" "--exit-code=$exit_code")
[[ -z $baseline ]] || args+=("--baseline=$baseline")
[[ -z $config ]] || args+=("--config=$config")
if [[ $command == history ]]; then
  if [[ $(git -C "$path" rev-parse --is-shallow-repository 2>/dev/null || true) == true ]]; then
    printf '::warning title=leakscan::%s\n' "$path is a shallow clone: history sees only the fetched commits; use actions/checkout with fetch-depth: 0"
  fi
  [[ -n $range ]] || range=$(event_range "$path")
  [[ -z $range ]] || args+=("--range=$range")
fi
# ${extra[@]+...}: an empty array is "unbound" under `set -u` in bash 3 (macOS).
args+=(${extra[@]+"${extra[@]}"} -- "$path")

log "running: $bin ${args[*]}"
rc=0
"$bin" "${args[@]}" || rc=$?

# The report is published (and uploaded) only when leakscan ran: exit 2 means it could not
# scan as asked, and the file may be missing or an older run's.
report=""
findings=""
if [[ $rc != 2 && $rc -lt 126 && -f $output ]]; then
  report=$output
  case "$format" in
    sarif)
      findings=$(json_query count-sarif "$output") || findings=""
      ;;
    json)
      findings=$(json_query count-array "$output") || findings=""
      ;;
    jsonl)
      findings=$(grep -c . "$output" || true)
      ;;
    gitlab)
      findings=$(json_query count-gitlab "$output") || findings=""
      ;;
  esac
fi

set_output sarif "$report"
set_output exit-code "$rc"
set_output findings "$findings"

what="$command ${path}"
[[ -z ${range:-} ]] || what="$what, range $range"
[[ $command != history || -n ${range:-} ]] || what="$what, all history"
case "$rc" in
  0) verdict="passed" ;;
  2) verdict="could not scan (exit code 2)" ;;
  *) verdict="failed (exit code $rc)" ;;
esac
summary="leakscan ${verdict}: ${findings:-?} finding(s) in $what; report: ${report:-none}"
printf '%s\n' "$summary"
if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  # shellcheck disable=SC2016 # the backticks are markdown, not a command
  printf '**leakscan** %s: %s finding(s) in `%s`; report `%s`\n' \
    "$verdict" "${findings:-?}" "$what" "${report:-none}" >>"$GITHUB_STEP_SUMMARY"
fi
exit 0
