#!/usr/bin/env bash
# Workbench page latency on the national-scale data set (scripts/gen-data.sh first): the release
# server; handlers of the 20 streets with the most running work sign in with passwords; wrk at
# CONNECTIONS concurrent users per page: the inbox (two tabs), a ticket page (tickets of the
# handler's own unit) and the supervisor's board (with last data month's ranking, MONTH).
# Every variant is fetched once first and must answer 200 (not a redirect to the sign-in page).
# Usage: scripts/bench-pages.sh [SECONDS=15] [CONNECTIONS=4] [DB=bench_10m] [MONTH=2026-11]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${1:-15}"; CONNS="${2:-4}"; DB="${3:-bench_10m}"; MONTH="${4:-2026-11}"; PORT=8095
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/$DB" HOTLINE_SWEEP_INTERVAL=0 HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_AUTH_FAILURES_PER_MINUTE=100000
swift build -c release --product hotline >/dev/null
BIN="$(swift build -c release --show-bin-path)/hotline"
"$BIN" migrate >/dev/null
PSQL=(psql -X -tA "$DATABASE_URL")
"${PSQL[@]}" -c "SELECT 'tickets: ' || count(*) || ', running assignments: ' || (SELECT count(*) FROM assignments WHERE status = 'active') FROM tickets"
PASSWORD="bench-pages-$(head -c 6 /dev/urandom | base64 | tr -d '/+=')"
person() {  # login role [unit]: created once, password set on every run
  "$BIN" user add --login "$1" --role "$2" ${3:+--unit "$3"} >/dev/null 2>&1 || true
  printf '%s\n' "$PASSWORD" | "$BIN" user password --login "$1" >/dev/null
}
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"; kill $SERVER 2>/dev/null' EXIT
"$BIN" serve & SERVER=$!
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
session() {  # login → the session cookie's value
  curl -s -o /dev/null -D - --data-urlencode "login=$1" --data-urlencode "password=$PASSWORD" "localhost:$PORT/login" \
    | sed -n 's/^[Ss]et-[Cc]ookie: hotline_session=\([^;]*\);.*/\1/p'
}
: > "$WORK/inbox"; : > "$WORK/ticket"; : > "$WORK/board"
STREETS="$("${PSQL[@]}" -c "SELECT a.unit_id FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.status = 'active' AND u.level = 'street'
                             GROUP BY a.unit_id ORDER BY count(*) DESC LIMIT 20")"
for u in $STREETS; do
  person "bench-wb-$u" handler "$u"
  c="$(session "bench-wb-$u")"
  echo "$c /ui/inbox?state=in_progress" >> "$WORK/inbox"
  echo "$c /ui/inbox?state=to_accept" >> "$WORK/inbox"
  for t in $("${PSQL[@]}" -c "SELECT ticket_id FROM assignments WHERE unit_id = $u AND status = 'active' ORDER BY ticket_id DESC LIMIT 5"); do
    echo "$c /ui/tickets/$t" >> "$WORK/ticket"
  done
done
for i in 1 2 3 4; do
  person "bench-wb-sup-$i" supervisor
  echo "$(session "bench-wb-sup-$i") /ui/board?month=$MONTH" >> "$WORK/board"
done
# The board's ranking is built in the background (Refreshed): wait until it is kept, so the board's
# figures below are the warm board, as supervisors see it all day.
ranking_ready() {  # cookie → seconds until the board shows the ranking (not the placeholder)
  local start=$SECONDS
  until curl -s -H "Cookie: hotline_session=$1" "localhost:$PORT/ui/board?month=$MONTH" | grep -q 'id="ranking"' \
        && ! curl -s -H "Cookie: hotline_session=$1" "localhost:$PORT/ui/board?month=$MONTH" | grep -q 'ranking-pending'; do
    [ $((SECONDS - start)) -lt 120 ] || { echo "bench-pages: no ranking after 120 s" >&2; exit 1; }
    sleep 1
  done
  echo $((SECONDS - start))
}
echo "board ranking kept after ~$(ranking_ready "$(head -1 "$WORK/board" | cut -d' ' -f1)") s"
# The reference of the same run: /readyz (one trivial query through the same server and pool).
echo "== reference /readyz, $CONNS connections, ${SECS}s"
wrk -t "$(( CONNS < 2 ? 1 : 2 ))" -c "$CONNS" -d "${SECS}s" --latency "http://127.0.0.1:$PORT/readyz" | grep -E "^ +(50|99)%|Requests/sec"
for scenario in inbox ticket board; do
  while read -r c p; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: hotline_session=$c" "localhost:$PORT$p")"
    [ "$code" = 200 ] || { echo "bench-pages: $p answered $code, not 200" >&2; exit 1; }
  done < "$WORK/$scenario"
  echo "== $scenario ($(wc -l < "$WORK/$scenario") variants), $CONNS connections, ${SECS}s"
  AUTH=cookie PATHS="$WORK/$scenario" wrk -t "$(( CONNS < 2 ? 1 : 2 ))" -c "$CONNS" -d "${SECS}s" -s scripts/bench/paths.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)"
done
# The board's first view of a month (its ranking computed, not kept): one cold request per month.
"${PSQL[@]}" -c "SELECT 'board queries at now(): overdue lead assignments ' || count(*) FROM assignments WHERE status = 'active' AND role = 'lead'
                  AND ((response_met_at IS NULL AND response_deadline < now()) OR (close_met_at IS NULL AND close_deadline < now()))"
kill $SERVER; wait $SERVER 2>/dev/null || true
"$BIN" serve & SERVER=$!
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
c="$(session bench-wb-sup-1)"
curl -s -o "$WORK/cold.html" -w "board ?month=$MONTH, cold: %{http_code} in %{time_total} s" -H "Cookie: hotline_session=$c" "localhost:$PORT/ui/board?month=$MONTH"
if grep -q ranking-pending "$WORK/cold.html"; then echo " (ranking being made)"; else echo " (with the ranking)"; fi
echo "board ranking kept after ~$(ranking_ready "$c") s more"
curl -s -o /dev/null -w "board ?month=$MONTH, then: %{http_code} in %{time_total} s\n" -H "Cookie: hotline_session=$c" "localhost:$PORT/ui/board?month=$MONTH"
