#!/usr/bin/env bash
# The one test command (npm test): bootstrap (npm dependencies, PostgreSQL 15; see scripts/bootstrap.sh),
# type check, lint, unit tests, then integration tests on the real local control plane and a real
# PostgreSQL (both started if not running, stopped at the end). Arguments go to the integration mocha run.
# Prints each stage's seconds at the end, also when a stage fails.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
declare -a timings=()
current=""
report() {
  local rc=$?
  [ -z "$current" ] || timings+=("$(printf '%-18s %5d s  FAILED' "$current" $(( $(date +%s) - s0 )))")
  echo; printf '  %s\n' "${timings[@]}"
  if [ "$rc" = 0 ]; then echo "== all tests passed in $(( $(date +%s) - t0 )) s"
  else echo "== $current failed (exit $rc) after $(( $(date +%s) - t0 )) s"; fi
}
trap report EXIT
stage() {
  current=$1; shift
  echo; echo "== $current"
  s0=$(date +%s)
  "$@"
  timings+=("$(printf '%-18s %5d s' "$current" $(( $(date +%s) - s0 )))")
  current=""
}
stage "bootstrap" bash scripts/bootstrap.sh --for test
# Only the repository's own tools (never fetched on the fly).
export PATH="$PWD/node_modules/.bin:$PATH"
stage "type check" tsc --noEmit -p .
stage "lint" eslint .
stage "unit tests" mocha
stage "integration tests" mocha --config .mocharc.integration.cjs "$@"
