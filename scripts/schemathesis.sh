#!/usr/bin/env bash
# Property-based API check: schemathesis generates requests from the served /openapi.yaml and
# fails on any 5xx, any response that does not match the document, undocumented status codes or
# content types. Runs against a scratch database as admin, as agent and as dispatcher.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${ST_PORT:-8093}"
command -v st >/dev/null || python3 -m pip install -q "schemathesis==4.32.5" >/dev/null 2>&1 || python3 -m pip install -q schemathesis
BASE="$(./scripts/db-up.sh)"; BASE="${BASE%/*}"; DB="st_$$"
psql -X -q "$BASE/postgres" -c "CREATE DATABASE $DB"
export DATABASE_URL="$BASE/$DB" HOTLINE_PORT=$PORT LOG_LEVEL=error HOTLINE_SWEEP_INTERVAL=0 HOTLINE_AUTH_FAILURES_PER_MINUTE=1000000
swift build --product hotline >/dev/null
BIN="$(swift build --show-bin-path)/hotline"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
ADMIN="$("$BIN" user add --login st-admin --role admin | tail -n 1)"
AGENT="$("$BIN" user add --login st-agent --role agent | tail -n 1)"
DISPATCHER="$("$BIN" user add --login st-dispatcher --role dispatcher | tail -n 1)"
"$BIN" serve & SERVER=$!
cleanup() { kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; psql -X -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
for token in "$ADMIN" "$AGENT" "$DISPATCHER"; do
  st run "http://127.0.0.1:$PORT/openapi.yaml" -H "Authorization: Bearer $token" \
    -c not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    -n "${ST_EXAMPLES:-10}" --generation-deterministic --request-timeout 10
done
