#!/usr/bin/env bash
# Knowledge-base search benchmark: N synthetic entries (plus the 60 real ones) in a scratch
# database, the release server, wrk with random caller-style queries at several concurrencies.
# LEARNED=K adds K learned phrasings per synthetic entry; QUESTIONS=Q gives each Q questions (default 5,
# as the demo entries with their 相似问). The serve log's index load is printed.
# Usage: [LEARNED=K] scripts/bench-kb.sh [N=100000] [SECONDS=20]
#        REUSE=1 keeps the last run's base; HOTLINE_BIN=/path/to/hotline serves another build on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-100000}"; SECS="${2:-20}"; PORT=8091
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"
export DATABASE_URL="$BASE/bench_kb" HOTLINE_SWEEP_INTERVAL=0 HOTLINE_PORT=$PORT LOG_LEVEL=info
swift build -c release --product hotline >/dev/null && swift build -c release --product hotline-bench >/dev/null
BIN="${HOTLINE_BIN:-$(swift build -c release --show-bin-path)/hotline}"
BENCH="$(swift build -c release --show-bin-path)/hotline-bench"
if [ "${REUSE:-0}" = 1 ]; then   # keep the generated base from the last run
  "$BIN" migrate >/dev/null
  TOKEN="$("$BIN" user token --login bench-agent | tail -n 1)"
else
  psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS bench_kb WITH (FORCE)" -c "CREATE DATABASE bench_kb"
  "$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
  "$BENCH" gen kb --count "$N" --learned "${LEARNED:-0}" --questions "${QUESTIONS:-5}"
  TOKEN="$("$BIN" user add --login bench-agent --role agent | tail -n 1)"
fi
export TOKEN
psql -X -tA "$DATABASE_URL" -c "SELECT 'searchable versions: ' || count(*) || ', learned phrasings: ' || (SELECT count(*) FROM kb_phrasings WHERE removed_at IS NULL) FROM kb_versions WHERE searchable"
SERVE_LOG="$(mktemp)"
"$BIN" serve > "$SERVE_LOG" 2>&1 & SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -f "$SERVE_LOG"' EXIT
for _ in $(seq 50); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
# The first search waits for the index's first load; the log says how long the load took.
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "localhost:$PORT/v1/kb/search?q=%E8%B7%AF%E7%81%AF"
grep -m1 "knowledge-base index loaded" "$SERVE_LOG" || { echo "bench-kb: no index load in the log" >&2; exit 1; }
export QUERIES="$PWD/Tests/HotlineStoreTests/Fixtures/kb-relevance-tuning.csv"
echo "== relevance at $N entries"
python3 - <<PY
import csv, os, urllib.parse, urllib.request, json
rows = list(csv.DictReader(open(os.environ["QUERIES"], encoding="utf-8")))
h1 = h3 = 0
for r in rows:
    req = urllib.request.Request(f"http://127.0.0.1:$PORT/v1/kb/search?limit=3&q=" + urllib.parse.quote(r["query"]),
                                 headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    codes = [i["entry"]["code"] for i in json.load(urllib.request.urlopen(req))["items"]]
    h1 += codes[:1] == [r["expected"]]; h3 += r["expected"] in codes
print(f"{len(rows)} queries: hit@1 = {h1/len(rows):.3f}, hit@3 = {h3/len(rows):.3f}")
PY
# One request line per caller-style query (random pick per request, scripts/bench/paths.lua).
export PATHS="$(mktemp)"
python3 - <<'PY'
import csv, os, urllib.parse
with open(os.environ["PATHS"], "w") as out:
    for r in csv.DictReader(open(os.environ["QUERIES"], encoding="utf-8")):
        out.write(f"{os.environ['TOKEN']} /v1/kb/search?limit=10&q={urllib.parse.quote(r['query'])}\n")
PY
for c in 1 2 4 8; do
  echo "== wrk: $c connections, ${SECS}s"
  wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "${SECS}s" -s scripts/bench/paths.lua "http://127.0.0.1:$PORT" | grep -E "^(requests|p[0-9]+)"
done
