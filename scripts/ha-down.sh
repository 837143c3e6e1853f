#!/usr/bin/env bash
# Stops the local HA cluster of scripts/ha-up.sh (HAProxy, the three Patroni nodes and their
# PostgreSQL, etcd) and removes ./.ha with everything in it.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HA="$ROOT/.ha"
[ -d "$HA" ] || { echo "ha-down: nothing to stop" >&2; exit 0; }
stop() {  # pidfile, seconds to wait before SIGKILL
  [ -f "$1" ] || return 0
  local pid; pid="$(cat "$1")"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq $(( $2 * 5 ))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop "$HA/haproxy.pid" 5
for n in pg1 pg2 pg3; do stop "$HA/$n/patroni.pid" 30 & done; wait
# A PostgreSQL left behind by a killed Patroni.
for d in "$HA"/pg*/data; do
  [ -f "$d/postmaster.pid" ] && kill -KILL "$(head -1 "$d/postmaster.pid")" 2>/dev/null || true
done
stop "$HA/etcd.pid" 10
rm -rf "$HA"
echo "ha-down: stopped and removed $HA" >&2
