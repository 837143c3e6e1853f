#!/usr/bin/env bash
# Intake benchmark, realistic and side by side (issue 17). For each cluster:
#   1. `POST /v1/tickets` from wrk at CLIENTS connections: a new caller (phone) per request, mixed
#      hotlines, channels, natures, categories, regions and texts, its own Idempotency-Key;
#   2. pgbench single-row INSERTs into a table shaped like `tickets` (LIKE … INCLUDING ALL);
#   3. pgbench running the SQL of one intake — the very statements the service prepares, printed
#      by `hotline-bench intake-sql` from the same Swift definitions — so the ratio intake / its
#      own SQL is the service's overhead;
#   4. the same SQL behind the thinnest HTTP service of this stack (`hotline-bench bare-intake`:
#      Hummingbird + PostgresNIO, the body ignored, nothing but the two statements), at the same
#      connections: bare / own SQL is the most any service on this stack reaches on this machine.
# Clusters: `default` is a fresh `initdb` with PostgreSQL's defaults (port 55480, removed after),
# `tuned` the private cluster of scripts/db-up.sh. CPU per intake of the service, PostgreSQL and
# wrk comes from /proc (clock ticks) around the timed run; numbers are checked unique after it.
# Usage: scripts/bench-intake.sh [SECONDS=20] [CLIENTS=32] [CLUSTERS="default tuned"]
# HOTLINE_BIN may point at another build (before/after comparisons).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
SECS="${1:-20}"; C="${2:-32}"; CLUSTERS="${3:-default tuned}"; PORT=8092
if [ -z "${HOTLINE_BIN:-}" ]; then
  swift build -c release --product hotline >/dev/null
  HOTLINE_BIN="$(swift build -c release --show-bin-path)/hotline"
fi
if [ -z "${BENCH_BIN:-}" ]; then
  swift build -c release --product hotline-bench >/dev/null
  BENCH_BIN="$(swift build -c release --show-bin-path)/hotline-bench"
fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)"
ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
backends() { pgrep -P "$1" | tr '\n' ' '; }
HZ="$(getconf CLK_TCK)"
DEFAULT_DIR="/tmp/hotline-bench-default-pg"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  if [ -f "$DEFAULT_DIR/data/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$DEFAULT_DIR/data" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$DEFAULT_DIR"
}
trap cleanup EXIT

run_cluster() {
  local name="$1" base="$2" pgport="$3" postmaster="$4"
  local url="$base/bench_intake" su="postgres://postgres@127.0.0.1:$pgport"
  psql -X -q "$base/postgres" -c "DROP DATABASE IF EXISTS bench_intake WITH (FORCE)" -c "CREATE DATABASE bench_intake"
  psql -X -q "$su/postgres" -c "ALTER DATABASE bench_intake SET pg_stat_statements.track_planning = on" 2>/dev/null || true
  export DATABASE_URL="$url" HOTLINE_PORT=$PORT LOG_LEVEL="${LOG_LEVEL:-warning}" HOTLINE_SWEEP_INTERVAL=0
  "$HOTLINE_BIN" migrate >/dev/null && "$HOTLINE_BIN" seed --demo >/dev/null
  TOKEN="$("$HOTLINE_BIN" user add --login bench-agent --role agent | tail -n 1)"; export TOKEN
  local uid; uid="$(psql -X -tA "$url" -c "SELECT id FROM users WHERE login = 'bench-agent'")"
  "$HOTLINE_BIN" serve & SERVER=$!
  for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  wrk -t 2 -c "$C" -d 3s -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" >/dev/null   # warm-up: pools, prepared statements, KB index
  local bs; bs="$(backends "$postmaster")"
  # Where PostgreSQL's time goes, per statement (the tuned cluster preloads pg_stat_statements).
  local pss=0
  if psql -X -q "$su/bench_intake" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1; then pss=1; fi
  local s0 p0; s0=$(ticks $SERVER); p0=$(ticks $bs)
  echo "== [$name] wrk: POST /v1/tickets, $C connections, ${SECS}s"
  /usr/bin/time -f "wrk_cpu_s %U %S" wrk -t 2 -c "$C" -d "${SECS}s" -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" \
    > /tmp/intake-wrk.txt 2> /tmp/intake-wrk-time.txt
  local s1 p1; s1=$(ticks $SERVER); p1=$(ticks $bs)
  grep -E "^(requests|p[0-9]+)" /tmp/intake-wrk.txt
  if [ "$pss" = 1 ]; then
    echo "-- [$name] statements (pg_stat_statements): calls, plans, execution and planning ms per call"
    psql -X -q "$su/bench_intake" -c "SELECT calls, plans, round((total_exec_time / calls)::numeric, 3) AS exec_ms,
        round((total_plan_time / calls)::numeric, 3) AS plan_ms,
        left(regexp_replace(query, '\s+', ' ', 'g'), 60) AS statement
      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench_intake') AND calls > 100
      ORDER BY total_exec_time + total_plan_time DESC LIMIT 6"
  fi
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
  psql -X -tA "$url" -c "SELECT 'tickets stored: ' || count(*) || ', distinct numbers: ' || count(DISTINCT number) || ', events: ' || (SELECT count(*) FROM ticket_events) FROM tickets"
  # 2. pgbench: the same row shape (columns, defaults, checks, indexes), one INSERT per transaction.
  psql -X -q "$url" -c "DROP TABLE IF EXISTS bench_tickets" \
    -c "CREATE TABLE bench_tickets (LIKE tickets INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)"
  cat > /tmp/bench-insert.sql <<'SQL'
\set n random(1, 9000000000000000)
INSERT INTO bench_tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, region_code, category_code, title, content, caller_name, caller_phone)
VALUES ('B' || :n || '-' || :client_id, '123456', '12345', 'phone', '\x00', now(), 'complaint', '330106002', '市政设施/路灯', '路灯不亮 ' || :n,
        '路灯不亮，地点西溪路，已经好几天了，请尽快处理。', '王先生', '13900000000');
SQL
  local host="127.0.0.1" user; user="$(python3 -c 'import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).username)' "$url")"
  echo "== [$name] pgbench: single-row inserts, $C clients, ${SECS}s"
  pgbench -n -h $host -p "$pgport" -U "$user" -c "$C" -j 2 -T "$SECS" -f /tmp/bench-insert.sql bench_intake 2>/dev/null \
    | grep -E "^(tps|latency average)" | tee /tmp/intake-pgbench.txt || true
  # 3. pgbench: the SQL of one intake, prepared, as the service runs it.
  # Its values are pgbench variables (-D), so pgbench binds them as parameters just as the service does.
  "$BENCH_BIN" intake-sql --user-id "$uid" --defines /tmp/bench-intake-sql.defs > /tmp/bench-intake-sql.sql 2>/dev/null \
    || { echo "SELECT 1/0;" > /tmp/bench-intake-sql.sql; : > /tmp/bench-intake-sql.defs; }
  local defs; mapfile -t defs < /tmp/bench-intake-sql.defs
  echo "== [$name] pgbench: the intake's own SQL (scripts: hotline-bench intake-sql), $C clients, ${SECS}s"
  pgbench -n -M prepared -h $host -p "$pgport" -U "$user" -c "$C" -j 2 -T "$SECS" "${defs[@]}" -f /tmp/bench-intake-sql.sql bench_intake 2>/tmp/pgbench-own.err \
    | grep -E "^(tps|latency average|number of failed)" | tee /tmp/intake-own.txt || { tail -5 /tmp/pgbench-own.err; true; }
  # 4. The intake's SQL behind nothing but Hummingbird and PostgresNIO.
  "$BENCH_BIN" bare-intake --user-id "$uid" --port $((PORT + 1)) & SERVER=$!
  for _ in $(seq 100); do curl -fs -o /dev/null -X POST "localhost:$((PORT + 1))/v1/tickets" -d '{}' && break; sleep 0.2; done
  wrk -t 2 -c "$C" -d 3s -s scripts/bench/intake.lua "http://127.0.0.1:$((PORT + 1))" >/dev/null
  bs="$(backends "$postmaster")"
  local b0 q0 b1 q1; b0=$(ticks $SERVER); q0=$(ticks $bs)
  echo "== [$name] wrk: the same SQL behind bare Hummingbird + PostgresNIO (hotline-bench bare-intake), $C connections, ${SECS}s"
  wrk -t 2 -c "$C" -d "${SECS}s" -s scripts/bench/intake.lua "http://127.0.0.1:$((PORT + 1))" > /tmp/intake-bare.txt
  b1=$(ticks $SERVER); q1=$(ticks $bs)
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
  grep -E "^(requests|p99)" /tmp/intake-bare.txt
  python3 - "$name" "$s0" "$s1" "$p0" "$p1" "$HZ" "$b0" "$b1" "$q0" "$q1" <<'PY'
import re, sys
name, s0, s1, p0, p1, hz, b0, b1, q0, q1 = sys.argv[1], *map(int, sys.argv[2:])
w = open("/tmp/intake-wrk.txt").read(); p = open("/tmp/intake-pgbench.txt").read(); o = open("/tmp/intake-own.txt").read()
t = open("/tmp/intake-wrk-time.txt").read()
m = re.search(r"requests (\d+), non-2xx/errors (\d+), ([\d.]+) req/s", w)
n, bad, rps = int(m.group(1)), int(m.group(2)), float(m.group(3))
p99 = float(re.search(r"p99 ([\d.]+) ms", w).group(1))
tps = float(re.search(r"tps = ([\d.]+)", p).group(1)); own = re.search(r"tps = ([\d.]+)", o); own = float(own.group(1)) if own else None
wu, ws = map(float, re.search(r"wrk_cpu_s ([\d.]+) ([\d.]+)", t).groups())
ms = lambda ticks: 1000.0 * ticks / hz / max(n, 1)
print(f"[{name}] cpu per intake: serve {ms(s1 - s0):.2f} ms, postgres {ms(p1 - p0):.2f} ms, wrk {1000 * (wu + ws) / max(n, 1):.2f} ms")
print(f"[{name}] intake {rps:.0f} req/s p99 {p99:.1f} ms non-2xx {bad} | pgbench insert {tps:.0f} tps | own SQL " + (f"{own:.0f}" if own else "n/a") + " tps | "
      f"ratio insert {rps / tps:.2f} | ratio own-sql " + (f"{rps / own:.2f}" if own else "n/a"))
b = open("/tmp/intake-bare.txt").read()
m = re.search(r"requests (\d+), non-2xx/errors (\d+), ([\d.]+) req/s", b)
if m:
    bn, bbad, brps = int(m.group(1)), int(m.group(2)), float(m.group(3))
    bms = lambda ticks: 1000.0 * ticks / hz / max(bn, 1)
    print(f"[{name}] bare (the SQL behind Hummingbird + PostgresNIO alone) {brps:.0f} req/s non-2xx {bbad} | cpu per request: bare {bms(b1 - b0):.2f} ms, "
          f"postgres {bms(q1 - q0):.2f} ms | ratio insert {brps / tps:.2f} | ratio own-sql " + (f"{brps / own:.2f}" if own else "n/a")
          + f" | intake / bare {rps / brps:.2f}")
PY
}

for cluster in $CLUSTERS; do
  case "$cluster" in
    default)
      rm -rf "$DEFAULT_DIR"; mkdir -p "$DEFAULT_DIR"; chown postgres "$DEFAULT_DIR" 2>/dev/null || true
      as_pg "$PGBIN/initdb" -D "$DEFAULT_DIR/data" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust >/dev/null
      as_pg "$PGBIN/pg_ctl" -D "$DEFAULT_DIR/data" -l "$DEFAULT_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p 55480 -k $DEFAULT_DIR" start >/dev/null
      run_cluster default "postgres://postgres@127.0.0.1:55480" 55480 "$(head -n 1 "$DEFAULT_DIR/data/postmaster.pid")"
      as_pg "$PGBIN/pg_ctl" -D "$DEFAULT_DIR/data" -m fast stop >/dev/null; rm -rf "$DEFAULT_DIR" ;;
    tuned)
      BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
      run_cluster tuned "$BASE" "${HOTLINE_PGPORT:-54329}" "$(head -n 1 "$ROOT/.pgdata/data/postmaster.pid")" ;;
    *) echo "unknown cluster $cluster" >&2; exit 2 ;;
  esac
done
