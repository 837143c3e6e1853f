#!/usr/bin/env bash
# The national-scale data set: N tickets over M months ending at AS_OF, in database DB
# (created afresh), loaded with COPY while indexes and foreign keys are set aside, then rebuilt.
# Usage: scripts/gen-data.sh [N=10000000] [MONTHS=14] [DB=bench_10m]
#   (first month = MONTHS-1 months before November 2026; AS_OF defaults to 2026-11-22T10:00+08:00)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-10000000}"; MONTHS="${2:-14}"; DB="${3:-bench_10m}"
AS_OF="${AS_OF:-2026-11-22T10:00:00+08:00}"
FIRST="$(date -u -d "2026-11-01 -$((MONTHS - 1)) months" +%Y-%m)"
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/$DB" LOG_LEVEL=warning
swift build -c release --product hotline >/dev/null
swift build -c release --product hotline-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
BENCH="$(swift build -c release --show-bin-path)/hotline-bench"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
/usr/bin/time -f "gen: %e s elapsed, peak RSS %M KB" \
  "$BENCH" gen tickets --count "$N" --month "$FIRST" --months "$MONTHS" --as-of "$AS_OF" --defer-indexes --chunk 50000 \
  | awk '/ 0 \/ |000000 \/ |loaded|rebuilt|generated [0-9]+ tickets in|set aside|seconds: /'
psql -X -tA "$DATABASE_URL" <<SQL
SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()));
SELECT 'tickets: ' || count(*) || ', open: ' || count(*) FILTER (WHERE status NOT IN ('answered','rejected','transferred','merged','closed','terminated')) FROM tickets;
SELECT 'assignments: ' || (SELECT count(*) FROM assignments) || ', callbacks: ' || (SELECT count(*) FROM callbacks)
    || ', escalations: ' || (SELECT count(*) FROM escalations) || ', events: ' || (SELECT count(*) FROM ticket_events);
SQL
