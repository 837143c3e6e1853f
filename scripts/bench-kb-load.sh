#!/usr/bin/env bash
# The knowledge-base index's full load in `serve`, timed by its own log line: N synthetic entries
# (plus the 60 real ones) and LEARNED=K learned phrasings each in a scratch database (made once,
# kept as bench_kb_load_N_K), then RUNS times: start the release server, one search (which waits
# for the first load), print the log line ("elapsed" whole load, "read" the rows), stop.
# QUESTIONS=Q questions per entry (default 5, as the demo entries with their 相似问; 1 = the shape
# before them).
# Usage: [LEARNED=K] [QUESTIONS=Q] [HOTLINE_BIN=another build] scripts/bench-kb-load.sh [N=100000] [RUNS=4]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-100000}"; RUNS="${2:-4}"; PORT=8094; K="${LEARNED:-0}"; Q="${QUESTIONS:-5}"
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
DB="bench_kb_load_${N}_${K}_q${Q}"
export DATABASE_URL="$BASE/$DB" HOTLINE_SWEEP_INTERVAL=0 HOTLINE_PORT=$PORT LOG_LEVEL=info
swift build -c release --product hotline >/dev/null
swift build -c release --product hotline-bench >/dev/null
BIN="${HOTLINE_BIN:-$(swift build -c release --show-bin-path)/hotline}"
BENCH="$(swift build -c release --show-bin-path)/hotline-bench"
if ! psql -X -tA "$BASE/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  psql -X -q "$BASE/postgres" -c "CREATE DATABASE $DB"
  "$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
  "$BENCH" gen kb --count "$N" --learned "$K" --questions "$Q"
  "$BIN" user add --login bench-agent --role agent >/dev/null
fi
"$BIN" migrate >/dev/null
TOKEN="$("$BIN" user token --login bench-agent | tail -n 1)"
LOG="$(mktemp)"; trap 'rm -f "$LOG"' EXIT
for _ in $(seq "$RUNS"); do
  "$BIN" serve > "$LOG" 2>&1 & SERVER=$!
  for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "localhost:$PORT/v1/kb/search?q=%E8%B7%AF%E7%81%AF"
  grep -m1 "knowledge-base index loaded" "$LOG" || echo "bench-kb-load: no index load in the log" >&2
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
done
