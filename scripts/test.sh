#!/usr/bin/env bash
# The one test command (npm test): type check, unit tests, then integration tests on the real local
# control plane and a real PostgreSQL (both started if not running, stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { echo; echo "== $1"; }
t0=$(date +%s)
stage "type check"; npx tsc --noEmit -p .
stage "unit tests"; npx mocha
stage "integration tests"; npx mocha --config .mocharc.integration.cjs "$@"
echo "== all tests passed in $(( $(date +%s) - t0 )) s"
