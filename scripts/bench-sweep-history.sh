#!/usr/bin/env bash
# Escalation sweep on the national-scale data set (scripts/gen-data.sh first; history ends at
# 2026-11-22T10:00+08:00): how many assignments are open and due at each moment, the claim
# query's plan, then two `hotline sweep --at …` processes at once per moment, in time order.
# The sweeps move the data set forward (like the real clock); regenerate to repeat exactly.
# Usage: scripts/bench-sweep-history.sh [DB=bench_10m]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DB="${1:-bench_10m}"
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/$DB" LOG_LEVEL=warning
swift build -c release --product hotline >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
MOMENTS=(2026-11-22T10:01:00+08:00 2026-11-22T11:00:00+08:00 2026-11-22T23:59:00+08:00 2026-11-23T00:00:01+08:00 2026-11-23T00:01:00+08:00 2026-11-23T09:00:00+08:00)
psql -X -tA "$DATABASE_URL" <<SQL
SELECT 'tickets: ' || (SELECT count(*) FROM tickets) || ', active assignments: ' || count(*)
    || ', with a rung pending: ' || count(*) FILTER (WHERE next_escalation_at IS NOT NULL)
FROM assignments WHERE status = 'active';
SELECT 'due by ' || m || ': ' || (SELECT count(*) FROM assignments WHERE next_escalation_at <= m::timestamptz)
FROM unnest('{$(IFS=,; echo "${MOMENTS[*]}")}'::text[]) AS m;
SQL
psql -X "$DATABASE_URL" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  SELECT id, ticket_id, unit_id, next_escalation_level, dispatched_at, close_deadline, COALESCE(sla_policy, 'standard'), region_code
  FROM assignments WHERE next_escalation_at <= '${MOMENTS[3]}' ORDER BY next_escalation_at LIMIT 500 FOR UPDATE SKIP LOCKED"
for at in "${MOMENTS[@]}"; do
  echo "== sweep at $at, two processes"
  "$BIN" sweep --at "$at" 2>/dev/null & "$BIN" sweep --at "$at" 2>/dev/null; wait
done
psql -X -tA "$DATABASE_URL" -c "SELECT 'escalations per rung and assignment (must be 1): max ' || max(n) FROM (SELECT count(*) n FROM escalations GROUP BY assignment_id, level) x"
