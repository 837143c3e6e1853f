#!/usr/bin/env bash
# The test command: private PostgreSQL (installed from Debian if missing), then the whole suite.
# Every test creates its own database from a migrated template, so suites run in parallel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/db-up.sh >/dev/null
export HOTLINE_TEST_DATABASE_URL="${HOTLINE_TEST_DATABASE_URL:-postgres://hotline:hotline@127.0.0.1:${HOTLINE_PGPORT:-54329}/postgres}"
swift build --build-tests
swift test --skip-build "$@"
# The served OpenAPI document against the running service: no 5xx, no schema violations.
if [ "$#" -eq 0 ] && [ "${SKIP_SCHEMATHESIS:-0}" != 1 ]; then
  ./scripts/schemathesis.sh
fi
