#!/usr/bin/env bash
# The whole test suite: setup, then lint, formatting, clippy, type checks,
# unit tests and end-to-end tests (real nats-server, kubectl, cgroups,
# processes). Prints one closing line `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi

log() { printf '\033[1m[test]\033[0m %s\n' "$*" >&2; }

# The dashboards test evaluates every panel on a real Prometheus (Debian's package).
if ! command -v prometheus >/dev/null 2>&1; then
  log "installing prometheus (Debian package, for the dashboards test)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

log "type-checking tests"
npx tsc -p tsconfig.test.json
log "eslint (type-aware)"
npx eslint --max-warnings 0 .
log "prettier"
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
log "cargo fmt and clippy"
(cd native/scheduler-core && cargo fmt --check && cargo clippy --quiet --all-targets -- -D warnings)
log "cargo test"
(cd native/scheduler-core && cargo test --quiet 2>&1 | tail -n 3)

results_dir="$(mktemp -d)"
trap 'rm -rf "$results_dir"' EXIT
results="$results_dir/vitest.json"
log "vitest: unit and end-to-end"
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    // A file whose setup failed has no failed test of its own: count its tests as failed (at least one).
    let suiteFailures = 0;
    for (const f of r.testResults ?? []) {
      const tests = f.assertionResults ?? [];
      if (f.status === "failed" && !tests.some((t) => t.status === "failed")) suiteFailures += Math.max(1, tests.length);
    }
    const failed = r.numFailedTests + suiteFailures;
    const skipped = Math.max(0, (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) - suiteFailures);
    console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$results"
fi
exit "$status"
