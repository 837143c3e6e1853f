#!/usr/bin/env bash
# The workbench in a real browser (part of the test command): headless Chromium and its driver
# from Debian, Selenium from PyPI, installed when missing; a scratch database with demo data and
# people with passwords; `hotline serve`; then scripts/browser/workbench.py. Screenshots of every
# page at 1280 px and 375 px go to .run/screenshots/ (git-ignored).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${BROWSER_PORT:-8094}"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  echo "browser-test: installing chromium, chromium-driver and fonts-noto-cjk from Debian" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium>=4.20" >/dev/null 2>&1
BASE_URL="$(./scripts/db-up.sh)"; BASE_URL="${BASE_URL%/*}"; DB="browser_$$"
psql -X -q "$BASE_URL/postgres" -c "CREATE DATABASE $DB"
export DATABASE_URL="$BASE_URL/$DB" HOTLINE_PORT=$PORT LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
swift build --product hotline >/dev/null
BIN="$(swift build --show-bin-path)/hotline"
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
export PASSWORD="browser-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
person() { printf '%s\n' "$PASSWORD" | "$BIN" user add --login "$1" --role "$2" --name "$3" ${4:+--unit "$4"} --password-stdin | tail -n 1; }
person wb-handler handler "西溪街道联络员" XHQ-XX >/dev/null
DISPATCHER_TOKEN="$(person wb-dispatcher dispatcher "派单员小陈")"
person wb-callback callback "回访员小周" >/dev/null
SUPERVISOR_TOKEN="$(person wb-supervisor supervisor "督办科老李")"
AGENT_TOKEN="$("$BIN" user add --login wb-agent --role agent | tail -n 1)"
export DISPATCHER_TOKEN SUPERVISOR_TOKEN AGENT_TOKEN HANDLER=wb-handler DISPATCHER=wb-dispatcher CALLBACK=wb-callback SUPERVISOR=wb-supervisor
export STREET_UNIT_ID="$(psql -X -qtA "$DATABASE_URL" -c "SELECT id FROM units WHERE code = 'XHQ-XX'")"
export BASE="http://127.0.0.1:$PORT" SHOTS="${SHOTS:-$PWD/.run/screenshots}"
"$BIN" serve & SERVER=$!
cleanup() { kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; psql -X -q "$BASE_URL/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
python3 scripts/browser/workbench.py
