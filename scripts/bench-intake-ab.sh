#!/usr/bin/env bash
# Two builds of `hotline` side by side on the intake load of scripts/bench-intake.sh, alternating
# A B A B … in one run (this VM's speed drifts by 2-3x between hours, so only same-run figures
# compare). Each turn: serve on the tuned private cluster's `bench_intake_ab` database, wrk
# warm-up 3 s, then SECS at 32 connections; prints req/s, p99 and serve's CPU per request.
# Usage: scripts/bench-intake-ab.sh BIN_A BIN_B [ROUNDS=2] [SECS=15]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A="$1"; B="$2"; ROUNDS="${3:-2}"; SECS="${4:-15}"; PORT=8094
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/bench_intake_ab" HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_intake_ab WITH (FORCE)" -c "CREATE DATABASE bench_intake_ab"
"$A" migrate >/dev/null && "$A" seed --demo >/dev/null
HZ="$(getconf CLK_TCK)"; SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true' EXIT
turn() {
  local label="$1" bin="$2"
  TOKEN="$("$bin" user add --login "ab-$label-$RANDOM$RANDOM" --role agent | tail -n 1)"; export TOKEN
  "$bin" serve & SERVER=$!
  for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  wrk -t 2 -c 32 -d 3s -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" >/dev/null
  local t0 t1 n; t0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  wrk -t 2 -c 32 -d "${SECS}s" -s scripts/bench/intake.lua "http://127.0.0.1:$PORT" > /tmp/intake-ab-wrk.txt
  t1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  n=$(grep -oP "^requests \K\d+" /tmp/intake-ab-wrk.txt)
  echo "$label: $(grep -E '^requests' /tmp/intake-ab-wrk.txt) | $(grep -E '^p99' /tmp/intake-ab-wrk.txt) | serve cpu $(python3 -c "print(round(1000 * ($t1 - $t0) / $HZ / $n, 2))") ms per request"
}
for _ in $(seq "$ROUNDS"); do turn A "$A"; turn B "$B"; done
psql -X -tA "$DATABASE_URL" -c "SELECT 'tickets stored: ' || count(*) || ', distinct numbers: ' || count(DISTINCT number) FROM tickets"
