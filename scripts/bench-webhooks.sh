#!/usr/bin/env bash
# Webhook fan-out benchmark: N events (intakes) fanned out to 20 subscriptions on one local
# receiver; deliveries per second, p95 event-to-delivery latency, the service's peak memory; and
# intake throughput with the outbox + 20 subscriptions + the worker on, against the same intake
# with the worker off and no subscriptions, side by side in one run.
# Usage: scripts/bench-webhooks.sh [EVENTS=10000] [SECONDS=15]   (HOTLINE_BIN for another build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-10000}"; SECS="${2:-15}"; PORT=8094; RX=9501
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_webhooks WITH (FORCE)" -c "CREATE DATABASE bench_webhooks"
export DATABASE_URL="$BASE/bench_webhooks" HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
if [ -z "${HOTLINE_BIN:-}" ]; then swift build -c release --product hotline >/dev/null; HOTLINE_BIN="$(swift build -c release --show-bin-path)/hotline"; fi
BIN="$HOTLINE_BIN"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
TOKEN="$("$BIN" user add --login bench-agent --role agent | tail -n 1)"; export TOKEN
ADMIN="$("$BIN" user add --login bench-admin --role admin | tail -n 1)"
python3 scripts/bench/receiver.py $RX > /tmp/wh-receiver.txt & RECEIVER=$!
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill $SERVER 2>/dev/null; kill $RECEIVER 2>/dev/null; true; }
trap cleanup EXIT
serve() { HOTLINE_OUTBOX_INTERVAL_MS="$1" "$BIN" serve & SERVER=$!; for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done; }
intake() { wrk -t 2 -c 8 -d "${SECS}s" -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)"; }

echo "== intake, worker off, no subscriptions (8 connections, ${SECS}s)"
serve 0; intake | tee /tmp/wh-base.txt; kill $SERVER; wait $SERVER 2>/dev/null || true
serve 0
for i in $(seq 20); do
  curl -fs -X POST "localhost:$PORT/v1/webhooks" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
       -d "{\"url\": \"http://127.0.0.1:$RX/s$i\", \"events\": [\"ticket.registered\"]}" >/dev/null
done
kill $SERVER; wait $SERVER 2>/dev/null || true
psql -X -q "$DATABASE_URL" -c "TRUNCATE outbox"
echo "== intake, worker on, 20 subscriptions (8 connections, ${SECS}s)"
serve 200; intake | tee /tmp/wh-live.txt
# Drain what that run queued, then the fan-out proper: N events, 20 deliveries each.
until [ "$(psql -X -tA "$DATABASE_URL" -c "SELECT count(*) FROM outbox") $(psql -X -tA "$DATABASE_URL" -c "SELECT count(*) FROM webhook_deliveries WHERE status='pending'")" = "0 0" ]; do sleep 1; done
kill -USR1 $RECEIVER
echo "== fan-out: $N events × 20 subscriptions"
python3 - "$PORT" "$N" <<'PY'
import json, os, sys, urllib.request, concurrent.futures, random
port, n = int(sys.argv[1]), int(sys.argv[2])
def one(i):
    body = json.dumps({"hotline_number": "12345", "channel": "phone", "nature": "complaint", "title": f"路灯不亮 {i}",
                       "content": "路灯不亮，地点西溪路，已经好几天了。", "region_code": "330106002"}).encode()
    r = urllib.request.Request(f"http://127.0.0.1:{port}/v1/tickets", body, {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"})
    urllib.request.urlopen(r).read()
with concurrent.futures.ThreadPoolExecutor(8) as ex: list(ex.map(one, range(n)))
PY
PEAK=0; START=$(date +%s.%N)
while :; do
  RSS=$(ps -o rss= -p $SERVER | tr -d ' '); [ "$RSS" -gt "$PEAK" ] && PEAK=$RSS
  LEFT=$(psql -X -tA "$DATABASE_URL" -c "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM webhook_deliveries WHERE status='pending')")
  [ "$LEFT" = "0" ] && break; sleep 0.5
done
kill -USR2 $RECEIVER; sleep 1
echo "service peak RSS: $((PEAK / 1024)) MiB"
psql -X -tA "$DATABASE_URL" -c "SELECT 'deliveries: ' || count(*) FILTER (WHERE status='delivered') || ' delivered, ' || count(*) FILTER (WHERE status<>'delivered') || ' other' FROM webhook_deliveries"
cat /tmp/wh-receiver.txt | tail -n 3
python3 - <<'PY'
import re
b = float(re.search(r"([\d.]+) req/s", open("/tmp/wh-base.txt").read()).group(1))
l = float(re.search(r"([\d.]+) req/s", open("/tmp/wh-live.txt").read()).group(1))
print(f"intake with outbox + 20 subscriptions + worker / without = {l:.0f} / {b:.0f} = {l/b:.2f}")
PY
