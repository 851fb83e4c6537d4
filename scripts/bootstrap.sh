#!/usr/bin/env bash
# Installs what the two commands need on a fresh clone, and does nothing when it is all there:
#   bash scripts/bootstrap.sh --for test    (npm test: dependencies, PostgreSQL 15, openssl, Prometheus, Alertmanager, Go)
#   bash scripts/bootstrap.sh --for start   (npm start: dependencies, Go)
# - npm dependencies: `npm ci` when node_modules is missing or out of date with package-lock.json
#   (the lock file's sha256 is kept in node_modules/.lock-hash after a successful install);
# - Debian packages postgresql-15 and openssl via apt-get, and the `postgres` OS user the test harness runs
#   PostgreSQL as (it refuses to run as root). Installed when we are root; otherwise one line with the exact
#   command, and exit 1;
# - Go (to build the local control plane on the first run; not installed here): one line when missing
#   (npm start with a configured cluster does not need it).
# Runs before node_modules exists, so it uses only bash, coreutils, node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=test
case "${1:-}" in
  --for) purpose=${2:?--for needs test or start} ;;
  "") ;;
  *) echo "usage: $0 [--for test|start]" >&2; exit 2 ;;
esac
log() { echo "[bootstrap] $*" >&2; }
missing() { log "$1; run: $2"; exit 1; }
sudo_prefix() { [ "$(id -u)" = 0 ] || printf 'sudo '; }

# Node >= 20 and npm (they run this script via npm, but it may also be run by hand).
command -v node >/dev/null 2>&1 || missing "Node.js >= 20 is not installed" "$(sudo_prefix)apt-get install -y nodejs npm"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || missing "Node.js $(node --version) is too old (need >= 20)" "install Node.js 20 or newer"

# npm dependencies, in step with package-lock.json.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.lock-hash
installed_matches_lock() {
  # npm records the installed tree in node_modules/.package-lock.json: compare every locked version.
  [ -f node_modules/.package-lock.json ] && node -e '
    const lock = require("./package-lock.json").packages ?? {};
    const have = require("./node_modules/.package-lock.json").packages ?? {};
    const stale = Object.entries(lock).filter(([p, v]) => p !== "" && !v.optional && have[p]?.version !== v.version);
    process.exit(stale.length === 0 ? 0 : 1);' 2>/dev/null
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ] && [ -x node_modules/.bin/tsc ]; then
  deps="up to date"
elif [ -d node_modules ] && [ -x node_modules/.bin/tsc ] && installed_matches_lock; then
  echo "$lock_hash" > "$stamp"
  deps="up to date"
else
  if [ -d node_modules ]; then log "node_modules is out of date with package-lock.json: npm ci"
  else log "node_modules is missing: npm ci (about a minute)"; fi
  t0=$(date +%s)
  npm ci --no-audit --no-fund >&2
  echo "$lock_hash" > "$stamp"
  deps="installed in $(( $(date +%s) - t0 )) s"
fi

# System packages the tests need (Debian names).
installed=""
if [ "$purpose" = test ]; then
  need=()
  [ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  # Health signals (issue 14): the tests run a real Prometheus, promtool and Alertmanager on loopback.
  [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || need+=(prometheus)
  [ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
  # Post-mortem page (issue 16): the tests render it in headless Chromium.
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing ${need[*]} (apt-get)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >&2 && apt-get install -y -q "${need[@]}" >&2
      installed=" (installed ${need[*]})"
    else
      missing "missing Debian packages: ${need[*]} (the tests run a real PostgreSQL 15)" "$(sudo_prefix)apt-get install -y ${need[*]}"
    fi
  fi
  if ! id postgres >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      log "creating the postgres OS user"
      useradd --system --home /var/lib/postgresql postgres
    else
      missing "the postgres OS user is missing (the tests run PostgreSQL as it)" "sudo useradd --system --home /var/lib/postgresql postgres"
    fi
  fi
fi

# Go builds the local control plane (test/cluster/build-binaries.sh), unless it is already built.
go_state="control plane already built"
cluster_configured() { [ -n "${KUBECONFIG:-}" ] || [ -f "$HOME/.kube/config" ] || [ -n "${KUBERNETES_SERVICE_HOST:-}" ]; }
if [ "$purpose" = start ] && cluster_configured; then
  go_state="cluster configured (no local control plane)"
elif ! ls .cache/bin/*/.complete >/dev/null 2>&1; then
  command -v go >/dev/null 2>&1 || missing "Go is not installed (the first run builds the local control plane from Go modules)" "install Go 1.26 or newer and put go on PATH"
  go_state="$(go env GOVERSION) for the first control-plane build"
fi

summary="npm dependencies $deps"
[ "$purpose" = test ] && summary="$summary, PostgreSQL 15, openssl, Prometheus and Alertmanager present$installed"
log "ready for npm $purpose: $summary, $go_state"
