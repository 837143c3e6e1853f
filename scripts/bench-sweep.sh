#!/usr/bin/env bash
# Escalation sweep benchmark: N open assignments overdue, in a scratch database, swept by two
# `hotline sweep` processes at once (as two `serve` instances would), three rungs in turn.
# Usage: scripts/bench-sweep.sh [N=10000] [HISTORY=0 closed tickets of history]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-10000}"; HISTORY="${2:-0}"
ADMIN_URL="$(./scripts/db-up.sh)"
BASE="${ADMIN_URL%/*}"
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_sweep WITH (FORCE)" -c "CREATE DATABASE bench_sweep"
export DATABASE_URL="$BASE/bench_sweep" HOTLINE_SWEEP_INTERVAL=0
swift build -c release --product hotline >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
"${PSQL[@]}" "$DATABASE_URL" <<SQL
INSERT INTO tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, title, content, status)
SELECT 'H' || g, '000000', '12345', 'phone', '\x00', now() - interval '400 days', 'consult', '历史', '历史工单', 'closed'
FROM generate_series(1, $HISTORY) g;
WITH t AS (
  INSERT INTO tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, title, content, status)
  SELECT 'B' || g, '000000', '12345', 'phone', '\x00', '2026-11-12T10:00:00+08', 'complaint', '压测', '压测工单', 'accepted'
  FROM generate_series(1, $N) g RETURNING id)
INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, sla_policy, response_deadline, response_met_at,
    close_unit, close_deadline, next_escalation_level, next_escalation_at)
SELECT id, (SELECT id FROM units WHERE code = 'XHQ-XX'), 'lead', '2026-11-12T10:00:00+08', 'active', 'standard',
    '2026-11-20T00:00:00+08', '2026-11-12T10:00:00+08', 'working_days', '2026-11-20T00:00:00+08', 'reminder', '2026-11-19T00:00:00+08'
FROM t;
ANALYZE tickets; ANALYZE assignments;
SQL
for at in 2026-11-21T08:00:00+08:00 2026-11-26T00:00:01+08:00 2026-12-04T00:00:01+08:00; do
  echo "== sweep at $at, two processes"
  "$BIN" sweep --at "$at" 2>/dev/null & "$BIN" sweep --at "$at" 2>/dev/null; wait
done
"${PSQL[@]}" -tA "$DATABASE_URL" -c "SELECT level, count(*), count(DISTINCT assignment_id) FROM escalations GROUP BY level ORDER BY min(id)"
echo "== idle pass (nothing due)"
"$BIN" sweep --at 2026-12-04T00:00:02+08:00 2>/dev/null
