#!/usr/bin/env bash
# Backup and point-in-time restore drill on the local HA cluster (scripts/ha-up.sh archives every
# WAL segment of the leader to ./.ha/wal-archive). A base backup of the leader (pg_basebackup),
# then N1 tickets through the service's API, the moment noted, then N2 more; the archive and the
# base backup are restored into a fresh cluster up to that moment (recovery_target_time), the
# service is started on it, and the counts are compared: every ticket of the first batch and none
# of the second, a first-batch ticket readable through the API, a second-batch one 404, and a new
# intake accepted. Last line: `restored=… expected=… after_target=0 …`; exits non-zero otherwise.
# Usage: scripts/backup-drill.sh [N1=300] [N2=200]   (HOTLINE_BIN for another build; default debug)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N1="${1:-300}"; N2="${2:-200}"; PORT=8093; RESTORE_PORT=55470
URLS="$(./scripts/ha-up.sh)"; RW="$(echo "$URLS" | sed -n 1p)"
HA="$PWD/.ha"; ARCHIVE="$HA/wal-archive"; R="$HA/restore"
PGBIN="$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | head -1)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
SU=(env PGPASSWORD=ha-postgres psql -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p 55440 -U postgres)
"${SU[@]}" -d postgres -c "DROP DATABASE IF EXISTS drill_backup WITH (FORCE)" -c "CREATE DATABASE drill_backup OWNER hotline"
export DATABASE_URL="${RW%/*}/drill_backup" LOG_LEVEL=warning HOTLINE_SWEEP_INTERVAL=0
unset HOTLINE_READ_DATABASE_URL
BIN="${HOTLINE_BIN:-.build/debug/hotline}"; [ -x "$BIN" ] || swift build --product hotline >/dev/null
"$BIN" migrate >/dev/null && "$BIN" seed --demo >/dev/null
TOKEN="$("$BIN" user add --login backup-agent --role agent | tail -n 1)"; export TOKEN

# A previous restore (and its server) goes first.
if [ -f "$R/data/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$R/data" stop -m immediate >/dev/null 2>&1 || true; fi
rm -rf "$R"; as_pg mkdir -p "$R/sock"
echo "== base backup of the leader (pg_basebackup through HAProxy's read-write port)"
T0=$(date +%s.%N)
as_pg env PGPASSWORD=ha-replicator "$PGBIN/pg_basebackup" -h 127.0.0.1 -p 55440 -U replicator -D "$R/base" -X stream -c fast
echo "base backup: $(du -sh "$R/base" | cut -f1) in $(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s"

intake() {  # count, batch name → ticket ids on stdout, one per line
  python3 - "$1" "$2" "$3" <<'PY'
import json, os, sys, requests
port, n, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = requests.Session(); hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
for i in range(n):
    b = {"hotline_number": "12345", "channel": "phone", "nature": "help", "region_code": "330106002",
         "title": f"备份演练 {batch}-{i}", "content": f"{batch}批第{i}件，备份恢复演练。"}
    r = s.post(f"http://127.0.0.1:{port}/v1/tickets", json=b, headers={**hdr, "Idempotency-Key": f"bk-{batch}-{i}"}, timeout=10)
    assert r.status_code == 201, r.text
    print(r.json()["id"])
PY
}
HOTLINE_PORT=$PORT "$BIN" serve 2>"$R/serve.log" & S=$!
cleanup() { kill $S 2>/dev/null || true; [ -n "${S2:-}" ] && kill "$S2" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
intake $PORT "$N1" first > "$R/first.ids"
sleep 1; TARGET="$(psql -X -tA "$DATABASE_URL" -c "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")"; sleep 1
intake $PORT "$N2" second > "$R/second.ids"
kill $S; wait $S 2>/dev/null || true
echo "first batch $N1 tickets, target time $TARGET, second batch $N2 tickets"
# Close the WAL segment holding the second batch and wait until it is archived.
SEG="$("${SU[@]}" -d postgres -c "SELECT pg_walfile_name(pg_switch_wal())")"
for _ in $(seq 120); do [ -f "$ARCHIVE/$SEG" ] && break; sleep 0.5; done
[ -f "$ARCHIVE/$SEG" ] || { echo "segment $SEG was not archived" >&2; exit 1; }

echo "== restore into a fresh cluster on 127.0.0.1:$RESTORE_PORT, recovery_target_time $TARGET"
as_pg cp -a "$R/base" "$R/data"
as_pg rm -f "$R/data/standby.signal" "$R/data/postmaster.pid"
cat <<CONF | as_pg tee -a "$R/data/postgresql.auto.conf" >/dev/null
# --- backup drill: a restored copy, alone ---
port = $RESTORE_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$R/sock'
synchronous_standby_names = ''
archive_mode = off
primary_conninfo = ''
primary_slot_name = ''
restore_command = 'cp $ARCHIVE/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
as_pg touch "$R/data/recovery.signal"
T1=$(date +%s.%N)
as_pg "$PGBIN/pg_ctl" -D "$R/data" -l "$R/postgres.log" -w -t 120 start >/dev/null
RESTORED="postgres://hotline:hotline@127.0.0.1:$RESTORE_PORT/drill_backup"
for _ in $(seq 240); do [ "$(psql -X -tA "$RESTORED" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = "f" ] && break; sleep 0.5; done
echo "restored and promoted in $(printf '%.1f' "$(echo "$(date +%s.%N) - $T1" | bc)") s; $(grep -m1 -o 'recovery stopping before[^,]*' "$R/postgres.log" || true)"

echo "== the service on the restored cluster"
DATABASE_URL="$RESTORED" "$BIN" migrate >/dev/null
DATABASE_URL="$RESTORED" HOTLINE_PORT=$PORT "$BIN" serve 2>"$R/serve2.log" & S2=$!
for _ in $(seq 100); do curl -fs "localhost:$PORT/readyz" >/dev/null && break; sleep 0.2; done
q() { psql -X -tA "$1" -c "$2"; }
ids() { paste -sd, "$1"; }
source_all="$(q "$DATABASE_URL" "SELECT count(*) FROM tickets WHERE title LIKE '备份演练%'")"
restored1="$(q "$RESTORED" "SELECT count(*) FROM tickets WHERE id IN ($(ids "$R/first.ids"))")"
restored2="$(q "$RESTORED" "SELECT count(*) FROM tickets WHERE id IN ($(ids "$R/second.ids"))")"
events1="$(q "$RESTORED" "SELECT count(*) FROM ticket_events WHERE ticket_id IN ($(ids "$R/first.ids"))")"
events1_src="$(q "$DATABASE_URL" "SELECT count(*) FROM ticket_events WHERE ticket_id IN ($(ids "$R/first.ids"))")"
api() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "localhost:$PORT/v1/tickets/$1"; }
get1="$(api "$(tail -1 "$R/first.ids")")"; get2="$(api "$(head -1 "$R/second.ids")")"
new="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: bk-after-restore' \
  -d '{"hotline_number":"12345","channel":"phone","nature":"help","region_code":"330106002","title":"恢复后新单","content":"恢复后的第一件。"}' \
  "localhost:$PORT/v1/tickets")"
kill $S2; wait $S2 2>/dev/null || true; S2=""
as_pg "$PGBIN/pg_ctl" -D "$R/data" stop -m fast >/dev/null
echo "source: $source_all drill tickets; restored: first batch $restored1 of $N1 (events $events1 of $events1_src), second batch $restored2 of $N2"
echo "restored=$restored1 expected=$N1 after_target=$restored2 events_match=$([ "$events1" = "$events1_src" ] && echo yes || echo no) get_before=$get1 get_after=$get2 intake_after_restore=$new"
[ "$restored1" = "$N1" ] && [ "$restored2" = 0 ] && [ "$events1" = "$events1_src" ] && [ "$get1" = 200 ] && [ "$get2" = 404 ] && [ "$new" = 201 ]
