#!/usr/bin/env bash
# Intake benchmark: POST /v1/tickets at 32 concurrent clients (wrk), and — in the same run —
# pgbench doing single-row inserts into a table of the same shape as tickets. Prints both and
# the ratio. Usage: scripts/bench-intake.sh [SECONDS=30] [CLIENTS=32]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${1:-30}"; C="${2:-32}"; PORT=8092
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_intake WITH (FORCE)" -c "CREATE DATABASE bench_intake"
export DATABASE_URL="$BASE/bench_intake" HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
swift build -c release --product hotline >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
TOKEN="$("$BIN" user add --login bench-agent --role agent | tail -n 1)"; export TOKEN
"$BIN" serve & SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 50); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
echo "== wrk: POST /v1/tickets, $C connections, ${SECS}s"
wrk -t 2 -c "$C" -d "${SECS}s" -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)" | tee /tmp/intake-wrk.txt
kill $SERVER; trap - EXIT
psql -X -tA "$DATABASE_URL" -c "SELECT 'tickets stored: ' || count(*) || ', events: ' || (SELECT count(*) FROM ticket_events) FROM tickets"
# pgbench: the same row shape (columns, defaults, checks, indexes), one INSERT per transaction.
psql -X -q "$DATABASE_URL" -c "DROP TABLE IF EXISTS bench_tickets" \
  -c "CREATE TABLE bench_tickets (LIKE tickets INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)"
cat > /tmp/bench-insert.sql <<'SQL'
\set n random(1, 9000000000000000)
INSERT INTO bench_tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, region_code, category_code, title, content, caller_name, caller_phone)
VALUES ('B' || :n || '-' || :client_id, '123456', '12345', 'phone', '\x00', now(), 'complaint', '330106002', '市政设施/路灯', '路灯不亮 ' || :n,
        '路灯不亮，地点西溪路，已经好几天了，请尽快处理。', '王先生', '13900000000');
SQL
echo "== pgbench: single-row inserts, $C clients, ${SECS}s"
pgbench -n -h 127.0.0.1 -p "${HOTLINE_PGPORT:-54329}" -U hotline -c "$C" -j 2 -T "$SECS" -f /tmp/bench-insert.sql bench_intake 2>/dev/null \
  | grep -E "^(tps|latency average|number of failed)" | tee /tmp/intake-pgbench.txt || true
python3 - <<'PY'
import re
w = open("/tmp/intake-wrk.txt").read(); p = open("/tmp/intake-pgbench.txt").read()
rps = float(re.search(r"([\d.]+) req/s", w).group(1)); tps = float(re.search(r"tps = ([\d.]+)", p).group(1))
print(f"ratio intake/pgbench = {rps:.0f} / {tps:.0f} = {rps/tps:.2f}")
PY
