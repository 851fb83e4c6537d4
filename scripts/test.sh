#!/usr/bin/env bash
# The one test command (npm test): bootstrap (npm dependencies, PostgreSQL 15; see scripts/bootstrap.sh),
# type check, lint, unit tests, then integration tests on the real local control plane and a real
# PostgreSQL (both started if not running, stopped at the end). Arguments go to the integration mocha run.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
declare -a timings=()
stage() {
  local name=$1; shift
  echo; echo "== $name"
  local s0; s0=$(date +%s)
  "$@"
  timings+=("$(printf '%-18s %5d s' "$name" $(( $(date +%s) - s0 )))")
}
stage "bootstrap" bash scripts/bootstrap.sh --for test
# Only the repository's own tools (never fetched on the fly).
export PATH="$PWD/node_modules/.bin:$PATH"
stage "type check" tsc --noEmit -p .
stage "lint" eslint .
stage "unit tests" mocha
stage "integration tests" mocha --config .mocharc.integration.cjs "$@"
echo; printf '  %s\n' "${timings[@]}"
echo "== all tests passed in $(( $(date +%s) - t0 )) s"
