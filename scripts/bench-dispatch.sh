#!/usr/bin/env bash
# Dispatch benchmark: register TICKETS tickets, then dispatch them by the routing catalogue
# (POST /v1/tickets/{id}/dispatch, body {}) with wrk at 1 and at 8 connections; p50/p95/p99.
# HOTLINE_BIN and HOTLINE_DB_DIR may point at another build (the before/after comparison in
# BENCHMARKS.md runs this script against the previous commit's binary too).
# Usage: scripts/bench-dispatch.sh [SECONDS=10] [TICKETS=9000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${1:-10}"; N="${2:-9000}"; PORT=8094
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_dispatch WITH (FORCE)" -c "CREATE DATABASE bench_dispatch"
export DATABASE_URL="$BASE/bench_dispatch" HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
if [ -z "${HOTLINE_BIN:-}" ]; then
  swift build -c release --product hotline >/dev/null
  HOTLINE_BIN="$(swift build -c release --show-bin-path)/hotline"
fi
BIN="$HOTLINE_BIN"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
AGENT="$("$BIN" user add --login bench-agent --role agent | tail -n 1)"
DISPATCHER="$("$BIN" user add --login bench-dispatcher --role dispatcher | tail -n 1)"
"$BIN" serve & SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
echo "== registering $N tickets"
AGENT="$AGENT" PORT=$PORT N=$N python3 - <<'PY'
import http.client, json, os, threading
token, port, n = os.environ["AGENT"], int(os.environ["PORT"]), int(os.environ["N"])
titles = ["路灯不亮", "噪音扰民", "占道经营", "物业不作为", "超市出售过期食品", "拖欠工资"]
cats = ["市政设施/路灯", "城市管理", "市场监管/消费投诉", "其他"]
regions = ["330106002", "330106001", "330102001", "330105001"]
def work(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(k, n, 8):
        body = {"hotline_number": "12345", "channel": "phone", "nature": "complaint", "category_code": cats[i % 4],
                "region_code": regions[i % 4], "title": f"{titles[i % 6]} {i}", "content": f"{titles[i % 6]}，地点西溪路{i % 300}号，请处理。",
                "caller": {"phone": f"139{i:08d}"}}
        c.request("POST", "/v1/tickets", json.dumps(body, ensure_ascii=False).encode(),
                  {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
PY
START=1
for C in 1 8; do
  echo "== wrk: dispatch by catalogue, $C connection(s), ${SECS}s"
  OUT="$(TOKEN="$DISPATCHER" START=$START wrk -t 1 -c "$C" -d "${SECS}s" -s scripts/bench/dispatch.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)")"
  echo "$OUT"
  DONE="$(echo "$OUT" | sed -n 's/^requests \([0-9]*\),.*/\1/p')"
  START=$((START + DONE + 50))
done
psql -X -tA "$DATABASE_URL" -c "SELECT 'dispatched: ' || count(*) FILTER (WHERE status = 'dispatched') || ' of ' || count(*) FROM tickets"
