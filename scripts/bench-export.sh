#!/usr/bin/env bash
# Monthly export benchmark: N tickets in one month across 200 units (hotline-bench gen tickets, COPY),
# then `hotline export monthly` per format with /usr/bin/time for elapsed time and peak memory.
# Usage: scripts/bench-export.sh [N=1000000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-1000000}"
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/bench_export" LOG_LEVEL=warning
swift build -c release --product hotline >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
BENCH="$(swift build -c release --show-bin-path)/hotline-bench"
if [ "${REUSE:-0}" != 1 ]; then
  psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_export WITH (FORCE)" -c "CREATE DATABASE bench_export"
  "$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
  /usr/bin/time -f "gen: %e s, peak RSS %M KB" "$BENCH" gen tickets --count "$N" --month 2026-10 --as-of 2026-11-22T10:00:00+08:00 --defer-indexes | tail -1
fi
psql -X -tA "$DATABASE_URL" -c "SELECT 'tickets in 2026-10: ' || count(*) FROM tickets WHERE received_at >= '2026-10-01T00:00+08' AND received_at < '2026-11-01T00:00+08'" \
  -c "SELECT 'units: ' || count(*) FROM units"
OUT="$(mktemp -d)"
for fmt in json csv xlsx; do
  /usr/bin/time -f "$fmt: %e s elapsed, peak RSS %M KB" "$BIN" export monthly --month 2026-10 --format "$fmt" --out "$OUT/report.$fmt" >/dev/null
done
ls -l "$OUT"
