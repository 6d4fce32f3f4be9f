#!/usr/bin/env bash
# Runs one test file (optionally narrowed with --grep) N times in a row and stops at the
# first failure, to tell a flaky test from a passing one:
#   npm run test:repeat -- 30 test/e2e/outbound-crash.test.ts
#   npm run test:repeat -- 30 test/e2e/startup-guards.test.ts --grep 'four processes'
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 2 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: npm run test:repeat -- <times> <test file> [mocha options, e.g. --grep <pattern>]" >&2
  exit 2
fi
times=$1
file=$2
shift 2
[[ -f "$file" ]] || { echo "no such test file: $file" >&2; exit 2; }
# .mocharc.json with its spec (every test) left out, so only this file runs.
config=$(mktemp --suffix=.json)
trap 'rm -f "$config"' EXIT
node -e 'const c = JSON.parse(require("fs").readFileSync(".mocharc.json", "utf8")); delete c.spec; process.stdout.write(JSON.stringify(c))' >"$config"
started=$SECONDS
for ((run = 1; run <= times; run++)); do
  log=$(mktemp)
  if npx mocha --config "$config" "$file" "$@" >"$log" 2>&1; then
    echo "run $run/$times passed ($(grep -Eo '[0-9]+ passing' "$log" | head -1), $((SECONDS - started)) s so far)"
    # The figures a test prints for people (lines with NOTE:), run by run.
    grep 'NOTE:' "$log" | sed 's/^ */  /' || true
    rm -f "$log"
  else
    cat "$log"
    echo "run $run/$times FAILED: output above, kept in $log"
    exit 1
  fi
done
echo "$times passed, 0 failed"
