#!/usr/bin/env bash
# Failover drill on the local HA cluster (scripts/ha-up.sh): two `serve` instances on HAProxy's
# read-write port (reports on the read-only port), 8 intake clients that retry every failed or
# unanswered request with the same Idempotency-Key, the sweeper of both instances issuing rungs on
# 3,000 overdue assignments; then (a) a planned switchover (`patronictl switchover`) and (b) the
# leader's postmaster killed with SIGKILL. Counted from the database afterwards; the last line is
#   acknowledged=N present=N duplicates=0 lost=0 rungs_duplicated=0 recovery_s=S
# (S the longer of the two faults' recovery: the longest stretch, around the fault, in which no
# intake was acknowledged). Exits non-zero when anything acknowledged is missing or doubled.
# Usage: scripts/failover.sh [SETTLE_SECONDS=10]   (HOTLINE_BIN for another build; default debug)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SETTLE="${1:-10}"; P1=8091; P2=8092
URLS="$(./scripts/ha-up.sh)"; RW="$(echo "$URLS" | sed -n 1p)"; RO="$(echo "$URLS" | sed -n 2p)"
HA="$PWD/.ha"; PATRONICTL=(patronictl -c "$HA/pg1/patroni.yml")
SU=(env PGPASSWORD=ha-postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55440 -U postgres)
"${SU[@]}" -d postgres -c "DROP DATABASE IF EXISTS drill_failover WITH (FORCE)" -c "CREATE DATABASE drill_failover OWNER hotline"
export DATABASE_URL="${RW%/*}/drill_failover" HOTLINE_READ_DATABASE_URL="${RO%/*}/drill_failover"
export LOG_LEVEL="${LOG_LEVEL:-warning}" HOTLINE_SWEEP_INTERVAL=1
BIN="${HOTLINE_BIN:-.build/debug/hotline}"; [ -x "$BIN" ] || swift build --product hotline >/dev/null
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
TOKEN="$("$BIN" user add --login drill-agent --role agent | tail -n 1)"; export TOKEN
# Overdue work for the sweepers: each assignment's next rung falls due at a different second of the drill.
psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" <<'SQL'
WITH t AS (
  INSERT INTO tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, title, content, status)
  SELECT 'F' || g, '000000', '12345', 'phone', '\x00', '2026-11-12T10:00:00+08', 'complaint', '演练', '演练工单', 'accepted'
  FROM generate_series(1, 3000) g RETURNING id)
INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, sla_policy, response_deadline, response_met_at,
    close_unit, close_deadline, next_escalation_level, next_escalation_at)
SELECT id, (SELECT id FROM units WHERE code = 'XHQ-XX'), 'lead', '2026-11-12T10:00:00+08', 'active', 'standard',
    '2026-11-13T10:00:00+08', '2026-11-12T10:00:00+08', 'working_days', '2026-11-19T10:00:00+08', 'reminder',
    now() + (id % 90) * interval '1 second'
FROM t;
SQL
WORK="$(mktemp -d)"
HOTLINE_PORT=$P1 "$BIN" serve 2>"$WORK/serve1.log" & A=$!
HOTLINE_PORT=$P2 "$BIN" serve 2>"$WORK/serve2.log" & B=$!
cleanup() { kill $A $B 2>/dev/null || true; [ -n "${LOAD:-}" ] && kill "$LOAD" 2>/dev/null || true; }
trap cleanup EXIT
for p in $P1 $P2; do for _ in $(seq 100); do curl -fs "localhost:$p/readyz" >/dev/null && break; sleep 0.2; done; done

python3 - "$P1" "$P2" "$WORK" <<'PY' & LOAD=$!
import json, os, sys, threading, time, uuid, requests
p1, p2, work = sys.argv[1], sys.argv[2], sys.argv[3]
hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
acked, attempts, lock = {}, [], threading.Lock()
def body(w, i):
    return json.dumps({"hotline_number": "12345", "channel": "phone", "nature": "help", "region_code": "330106002",
                       "title": f"切换演练 {w}-{i}", "content": f"第{w}组第{i}件，数据库切换时不丢单。"}).encode()
def worker(w):
    s = requests.Session(); i = 0
    while not os.path.exists(f"{work}/stop"):
        i += 1; key = f"fo-{w}-{i}-{uuid.uuid4().hex[:8]}"
        for attempt in range(600):
            port = (p1, p2)[(w + attempt) % 2]     # a retry may land on the other instance
            t0 = time.time(); code = 0
            try:
                r = s.post(f"http://127.0.0.1:{port}/v1/tickets", data=body(w, i), headers={**hdr, "Idempotency-Key": key}, timeout=10)
                code = r.status_code
                if code == 201:
                    with lock: acked[key] = r.json()["id"]
            except requests.RequestException:
                s = requests.Session()
            with lock: attempts.append((t0, time.time(), code))
            if code == 201: break
            time.sleep(0.2)
threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
json.dump(acked, open(f"{work}/acked.json", "w")); json.dump(attempts, open(f"{work}/attempts.json", "w"))
PY

healthy() {  # a leader, a synchronous standby, every member running, HAProxy's rw port on the leader
  for _ in $(seq 240); do
    if curl -fs "http://127.0.0.1:58441/cluster" 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]; r = [x["role"] for x in m]
sys.exit(0 if "leader" in r and "sync_standby" in r and all(x["state"] in ("running", "streaming") for x in m) else 1)' \
      && psql -X -tA "$DATABASE_URL" -c "SELECT 1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "cluster did not become healthy" >&2; return 1
}
member() { curl -fs "http://127.0.0.1:58441/cluster" | python3 -c "import json,sys; print(next(x['name'] for x in json.load(sys.stdin)['members'] if x['role'] == '$1'))"; }
sleep "$SETTLE"
LEADER="$(member leader)"; CANDIDATE="$(member sync_standby)"
echo "== (a) switchover $LEADER → $CANDIDATE"
TA="$(date +%s.%N)"
"${PATRONICTL[@]}" switchover hotline-ha --leader "$LEADER" --candidate "$CANDIDATE" --force >/dev/null
healthy; "${PATRONICTL[@]}" list 2>/dev/null | sed -n '4,6p'
sleep "$SETTLE"
LEADER="$(member leader)"; PID="$(head -1 "$HA/$LEADER/data/postmaster.pid")"
echo "== (b) SIGKILL the leader's postmaster ($LEADER, pid $PID)"
TB="$(date +%s.%N)"
kill -KILL "$PID"
sleep 2; healthy; "${PATRONICTL[@]}" list 2>/dev/null | sed -n '4,6p'
sleep "$SETTLE"
TEND="$(date +%s.%N)"
touch "$WORK/stop"; wait "$LOAD"; LOAD=""
sleep 3   # the sweepers' last pass

echo "== counted from the database"
set +e
python3 - "$WORK" "$TA" "$TB" "$TEND" "$P1" > "$WORK/result.txt" <<'PY'
import json, os, subprocess, sys, requests
work, ta, tb, tend, port = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
acked = json.load(open(f"{work}/acked.json")); attempts = json.load(open(f"{work}/attempts.json"))
def q(sql): return subprocess.run(["psql", "-X", "-tA", os.environ["DATABASE_URL"], "-c", sql], capture_output=True, text=True, check=True).stdout.strip()
def recovery(t, until):
    ends = sorted(e for s, e, c in attempts if c == 201 and t - 2 <= e <= until)
    gaps = [b - a for a, b in zip(ends, ends[1:])]
    failed = [c for s, e, c in attempts if c != 201 and t <= e <= until]
    codes = {}; [codes.__setitem__(c, codes.get(c, 0) + 1) for c in failed]
    return (max(gaps) if gaps else float("nan")), codes
ra, ca = recovery(ta, tb - 2); rb, cb = recovery(tb, tend)
print(f"fault=switchover recovery_s={ra:.2f} failed_attempts={dict(sorted(ca.items()))}")
print(f"fault=kill-leader recovery_s={rb:.2f} failed_attempts={dict(sorted(cb.items()))}")
ids = ",".join(map(str, acked.values())) or "0"
present = int(q(f"SELECT count(*) FROM tickets WHERE id IN ({ids})"))
created = int(q("SELECT count(*) FROM tickets WHERE title LIKE '切换演练%'"))
keys = int(q("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'fo-%'"))
by_title = int(q("SELECT count(*) FROM (SELECT title FROM tickets WHERE title LIKE '切换演练%' GROUP BY title HAVING count(*) > 1) x"))
rungs = int(q("SELECT count(*) FROM escalations e JOIN assignments a ON a.id = e.assignment_id JOIN tickets t ON t.id = a.ticket_id WHERE t.number LIKE 'F%'"))
dup_rungs = int(q("SELECT count(*) FROM (SELECT 1 FROM escalations GROUP BY assignment_id, round, clock, level HAVING count(*) > 1) x"))
dup_events = int(q("""SELECT count(*) FROM (SELECT 1 FROM ticket_events WHERE kind = 'escalation'
                      GROUP BY ticket_id, payload->>'unit_id', payload->>'clock', payload->>'round', payload->>'level' HAVING count(*) > 1) x"""))
# Replaying acknowledged requests answers the original ticket and creates nothing.
hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
s = requests.Session(); same = 0; sample = list(acked.items())[:200]
for key, tid in sample:
    w, i = key.split("-")[1:3]
    b = json.dumps({"hotline_number": "12345", "channel": "phone", "nature": "help", "region_code": "330106002",
                    "title": f"切换演练 {w}-{i}", "content": f"第{w}组第{i}件，数据库切换时不丢单。"}).encode()
    r = s.post(f"http://127.0.0.1:{port}/v1/tickets", data=b, headers={**hdr, "Idempotency-Key": key}, timeout=10)
    same += r.status_code == 201 and r.json()["id"] == tid
after = int(q("SELECT count(*) FROM tickets WHERE title LIKE '切换演练%'"))
print(f"attempts {len(attempts)}, tickets created {created}, idempotency keys {keys}, rungs issued {rungs}, "
      f"replayed {len(sample)}: {same} answered with their ticket, {after - created} created by the replay")
lost = len(acked) - present
duplicates = (created - keys) + by_title + (after - created) + (len(sample) - same)
print(f"acknowledged={len(acked)} present={present} duplicates={duplicates} lost={lost} "
      f"rungs_duplicated={dup_rungs + dup_events} recovery_s={max(ra, rb):.2f}")
sys.exit(0 if lost == 0 and duplicates == 0 and dup_rungs + dup_events == 0 and len(acked) > 0 else 1)
PY
OK=$?
[ -n "${DRILL_DEBUG:-}" ] && "${SU[@]}" -d postgres -c "SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS xact, left(query, 90) FROM pg_stat_activity WHERE datname = 'drill_failover'" -c "SELECT count(*) FROM outbox" -d drill_failover
# Both instances stop within the grace period after all this.
for pid in $A $B; do
  T0=$(date +%s.%N); kill -TERM "$pid"; wait "$pid"; rc=$?
  echo "instance $pid: exit $rc $(printf '%.2f' "$(echo "$(date +%s.%N) - $T0" | bc)") s after SIGTERM"
done
echo "serve log lines at error level: $(cat "$WORK"/serve*.log | grep -c " error ")"
cat "$WORK/result.txt"
exit $OK
