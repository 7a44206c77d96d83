#!/usr/bin/env bash
# The whole test suite: unit, integration (real slapd and 389-DS, PostgreSQL, SQLite files) and end-to-end
# (the admin center in Debian's Chromium). Used by `npm test` and by CI alike.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/test-env.sh
npm run --silent build
mkdir -p test-output
status=0
rm -f test-output/unhandled-errors.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json \
  --reporter=./test/support/unhandled-errors-reporter.ts "$@" || status=$?
node scripts/print-test-summary.mjs test-output/vitest.json test-output/unhandled-errors.json || status=1
exit $status
