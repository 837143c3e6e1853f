#!/usr/bin/env bash
# Unit inbox and ticket list latency on the national-scale data set (scripts/gen-data.sh first):
# the release server, wrk per scenario with random units/filters, p50/p95/p99.
# Usage: scripts/bench-lists.sh [SECONDS=15] [CONNECTIONS=4] [DB=bench_10m]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${1:-15}"; CONNS="${2:-4}"; DB="${3:-bench_10m}"; PORT=8093
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/$DB" HOTLINE_SWEEP_INTERVAL=0 HOTLINE_PORT=$PORT LOG_LEVEL=warning
# HOTLINE_BIN (and HOTLINE_DB_DIR) may point at another build, e.g. the previous commit's.
if [ -z "${HOTLINE_BIN:-}" ]; then
  swift build -c release --product hotline >/dev/null
  HOTLINE_BIN="$(swift build -c release --show-bin-path)/hotline"
fi
BIN="$HOTLINE_BIN"
"$BIN" migrate >/dev/null
PSQL=(psql -X -tA "$DATABASE_URL")
"${PSQL[@]}" -c "SELECT 'tickets: ' || count(*) || ', open: ' || count(*) FILTER (WHERE status NOT IN ('answered','rejected','transferred','merged','closed','terminated')) FROM tickets"
token() {  # login role [unit]
  "$BIN" user token --login "$1" 2>/dev/null | tail -n 1 | grep -v '^$' \
    || "$BIN" user add --login "$1" --role "$2" ${3:+--unit "$3"} | tail -n 1
}
AGENT="$(token bench-list-agent agent)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"; kill $SERVER 2>/dev/null' EXIT
# Units with the most and the fewest active assignments, streets and district governments.
STREETS="$("${PSQL[@]}" -c "SELECT u.id FROM units u WHERE u.level = 'street' ORDER BY u.id LIMIT 20")"
DISTRICTS="$("${PSQL[@]}" -c "SELECT u.id FROM units u WHERE u.level = 'district' ORDER BY u.id LIMIT 10")"
ALLUNITS="$("${PSQL[@]}" -c "SELECT id FROM units WHERE level <> 'city' ORDER BY id")"
: > "$WORK/inbox-street"; : > "$WORK/inbox-district"; : > "$WORK/list-handler"; : > "$WORK/overdue-street"
for u in $STREETS; do
  t="$(token "bench-h-$u" handler "$u")"
  echo "$t /v1/units/$u/inbox?limit=50" >> "$WORK/inbox-street"
  echo "$t /v1/units/$u/inbox?state=overdue&limit=50" >> "$WORK/overdue-street"
  echo "$t /v1/tickets?limit=50" >> "$WORK/list-handler"
done
for u in $DISTRICTS; do
  t="$(token "bench-h-$u" handler "$u")"
  echo "$t /v1/units/$u/inbox?limit=50" >> "$WORK/inbox-district"
  echo "$t /v1/tickets?limit=50" >> "$WORK/list-handler"
done
: > "$WORK/list-agent"
for s in "" "status=accepted&" "status=dispatched&" "status=closed&" "hotline_number=12315&" "channel=wechat&" "nature=complaint&" "overdue=true&" \
         "received_from=2026-10-01T00:00:00%2B08:00&received_to=2026-10-02T00:00:00%2B08:00&"; do
  echo "$AGENT /v1/tickets?${s}limit=50" >> "$WORK/list-agent"
done
: > "$WORK/list-unit"
for u in $ALLUNITS; do echo "$AGENT /v1/tickets?unit_id=$u&limit=50" >> "$WORK/list-unit"; done
# Second pages: the cursor after the first 50 of each agent list.
"$BIN" serve & SERVER=$!
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
: > "$WORK/page2-agent"
while read -r t p; do
  c="$(curl -fs -H "Authorization: Bearer $t" "localhost:$PORT$p" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("next_cursor") or "")')"
  [ -n "$c" ] && echo "$t $p&cursor=$c" >> "$WORK/page2-agent"
done < "$WORK/list-agent"
for scenario in inbox-street inbox-district overdue-street list-handler list-agent page2-agent list-unit; do
  echo "== $scenario ($(wc -l < "$WORK/$scenario") variants), $CONNS connections, ${SECS}s"
  PATHS="$WORK/$scenario" wrk -t "$(( CONNS < 2 ? 1 : 2 ))" -c "$CONNS" -d "${SECS}s" -s scripts/bench/paths.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)"
done
