#!/usr/bin/env bash
# Two `serve` instances behind nginx on one database, under intake load from clients that retry
# with the same Idempotency-Key; one instance is killed with SIGKILL mid-run (and restarted).
# Afterwards: every acknowledged ticket exists, no key produced two tickets, replaying every
# acknowledged request creates nothing, and no escalation rung exists twice.
# Usage: scripts/kill-instance.sh [SECONDS=20]   (HOTLINE_BIN: run that build instead of building)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${1:-20}"; P1=8094; P2=8095; LB=8096
export PATH="$PATH:/usr/sbin"
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_ha WITH (FORCE)" -c "CREATE DATABASE bench_ha"
export DATABASE_URL="$BASE/bench_ha" LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=1
if [ -n "${HOTLINE_BIN:-}" ]; then BIN="$HOTLINE_BIN"; else   # another build (a worktree's) may be given
  swift build -c release --product hotline >/dev/null
  BIN="$(swift build -c release --show-bin-path)/hotline"
fi
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
TOKEN="$("$BIN" user add --login ha-agent --role agent | tail -n 1)"; export TOKEN
WORK="$(mktemp -d)"
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK; uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  upstream hotline { server 127.0.0.1:$P1 max_fails=1 fail_timeout=2s; server 127.0.0.1:$P2 max_fails=1 fail_timeout=2s; keepalive 32; }
  server {
    listen 127.0.0.1:$LB;
    location / { proxy_pass http://hotline; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_next_upstream error timeout; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf"
HOTLINE_PORT=$P1 "$BIN" serve & A=$!
HOTLINE_PORT=$P2 "$BIN" serve & B=$!
cleanup() { kill $A $B 2>/dev/null || true; [ -n "${A2:-}" ] && kill $A2 2>/dev/null || true; nginx -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; }
trap cleanup EXIT
for p in $P1 $P2; do for _ in $(seq 50); do curl -fs "localhost:$p/readyz" >/dev/null && break; sleep 0.2; done; done
( sleep $(( SECS / 3 )); echo "== SIGKILL instance A (pid $A)"; kill -9 $A
  sleep $(( SECS / 3 )); echo "== restart instance A"; HOTLINE_PORT=$P1 "$BIN" serve & echo $! > "$WORK/a2.pid" ) &
KILLER=$!
python3 - "$LB" "$SECS" "$WORK/acked.json" <<'PY'
import json, os, sys, threading, time, uuid, requests
port, secs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = f"http://127.0.0.1:{port}/v1/tickets"
hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
acked, lock, stats = {}, threading.Lock(), {"retries": 0, "errors": 0}
def worker(w):
    s = requests.Session(); end = time.time() + secs; i = 0
    while time.time() < end:
        i += 1; key = f"ha-{w}-{i}-{uuid.uuid4().hex[:8]}"
        body = json.dumps({"hotline_number": "12345", "channel": "phone", "nature": "help", "region_code": "330106002",
                           "title": f"高可用测试 {w}-{i}", "content": f"第{w}组第{i}件，测试实例故障时不丢单。"})
        for attempt in range(30):
            try:
                r = s.post(url, data=body.encode(), headers={**hdr, "Idempotency-Key": key}, timeout=5)
                if r.status_code == 201:
                    with lock: acked[key] = r.json()["id"]
                    break
                with lock: stats["errors"] += 1
            except requests.RequestException:
                with lock: stats["errors"] += 1
            with lock: stats["retries"] += 1
            time.sleep(0.2)
threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
json.dump(acked, open(out, "w"))
print(f"acknowledged {len(acked)} tickets; {stats['retries']} retries after {stats['errors']} failed attempts")
PY
wait $KILLER
A2="$(cat "$WORK/a2.pid" 2>/dev/null || true)"
echo "== checks"
python3 - "$LB" "$WORK/acked.json" <<'PY'
import json, os, subprocess, sys, requests
port, acked = sys.argv[1], json.load(open(sys.argv[2]))
def q(sql): return subprocess.run(["psql", "-X", "-tA", os.environ["DATABASE_URL"], "-c", sql], capture_output=True, text=True, check=True).stdout.strip()
ids = ",".join(acked.values())
present = int(q(f"SELECT count(*) FROM tickets WHERE id IN ({ids})"))
total = int(q("SELECT count(*) FROM tickets WHERE title LIKE '高可用测试%'"))
keys = int(q("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'ha-%'"))
print(f"acknowledged {len(acked)}, present {present}, tickets created {total}, idempotency keys {keys}")
assert present == len(acked), "an acknowledged ticket is missing"
assert total == keys, "a key produced more than one ticket (or a ticket has no key)"
# Replay every acknowledged request: same ticket back, nothing new.
hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
s = requests.Session(); same = 0
for key, tid in list(acked.items())[:300]:
    w, i = key.split("-")[1:3]
    body = json.dumps({"hotline_number": "12345", "channel": "phone", "nature": "help", "region_code": "330106002",
                       "title": f"高可用测试 {w}-{i}", "content": f"第{w}组第{i}件，测试实例故障时不丢单。"})
    r = s.post(f"http://127.0.0.1:{port}/v1/tickets", data=body.encode(), headers={**hdr, "Idempotency-Key": key}, timeout=5)
    same += r.status_code == 201 and r.json()["id"] == tid and r.headers.get("Idempotent-Replayed") == "true"
after = int(q("SELECT count(*) FROM tickets WHERE title LIKE '高可用测试%'"))
dup_rungs = int(q("SELECT count(*) FROM (SELECT assignment_id, level FROM escalations GROUP BY 1, 2 HAVING count(*) > 1) x"))
print(f"replayed {min(300, len(acked))}: {same} answered with the original ticket; tickets after replay {after}; duplicate rungs {dup_rungs}")
assert same == min(300, len(acked)) and after == total and dup_rungs == 0
print("OK: nothing acknowledged was lost, nothing was doubled")
PY
