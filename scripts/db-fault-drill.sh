#!/usr/bin/env bash
# Database faults against a real `serve`: the private cluster crashed (stop -m immediate), started again,
# then restarted (-m fast); prints each probe's status and time, then how long SIGTERM takes.
# It stops and restarts the private cluster of scripts/db-up.sh: do not run it beside the tests.
# Usage: scripts/db-fault-drill.sh   (HOTLINE_BIN for another build; default the debug build)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BASE="$(./scripts/db-up.sh 2>/dev/null)"; BASE="${BASE%/*}"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS drill WITH (FORCE)" -c "CREATE DATABASE drill"
export DATABASE_URL="$BASE/drill" HOTLINE_PORT=8097 LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=5
BIN="${HOTLINE_BIN:-.build/debug/hotline}"; [ -x "$BIN" ] || { swift build --product hotline >/dev/null; }
$BIN migrate >/dev/null && $BIN seed --demo >/dev/null
TOKEN="$($BIN user add --login drill-agent --role agent | tail -n 1)"
$BIN serve 2>/tmp/drill-serve.log & S=$!
for _ in $(seq 50); do curl -fs localhost:8097/readyz >/dev/null && break; sleep 0.2; done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | head -1)
probe() { curl -s -o /dev/null -w "%{http_code} %{time_total}\n" -m 20 -H "Authorization: Bearer $TOKEN" "localhost:8097/v1/tickets?limit=1"; }
echo "before: $(probe)"
runuser -u postgres -- $PGBIN/pg_ctl -D .pgdata/data stop -m immediate >/dev/null
for i in 1 2 3; do echo "down: $(probe) readyz $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -m 20 localhost:8097/readyz)"; done
./scripts/db-up.sh >/dev/null 2>&1
for i in $(seq 20); do r=$(probe); echo "after start: $r"; case "$r" in 200*) break;; esac; sleep 0.5; done
runuser -u postgres -- $PGBIN/pg_ctl -D .pgdata/data restart -m fast >/dev/null
for i in 1 2 3 4 5; do echo "after restart: $(probe)"; sleep 0.3; done
kill -TERM $S; T0=$(date +%s.%N); wait $S; echo "exit after SIGTERM: $(echo "$(date +%s.%N) - $T0" | bc) s"
echo "serve log lines at error level: $(grep -c " error " /tmp/drill-serve.log)"
