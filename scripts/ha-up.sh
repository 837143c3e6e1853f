#!/usr/bin/env bash
# A local PostgreSQL HA cluster on this machine: one etcd, three PostgreSQL 15 nodes managed by
# Patroni (synchronous_mode on), HAProxy in front (read-write port → leader, read-only port →
# replicas, both by Patroni's REST health checks), WAL archived to ./.ha/wal-archive. Configs come from deploy/ha/; data, logs and
# generated configs live in ./.ha (git-ignored), run as the `postgres` user. Installs patroni,
# etcd-server and haproxy from Debian when missing. Idempotent: a running cluster is left alone.
# Prints two lines on stdout: the read-write URL, then the read-only URL (role and database
# `hotline`, as scripts/db-up.sh). scripts/ha-down.sh stops it and removes ./.ha.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HA="$ROOT/.ha"
ETCD_CLIENT=23790; ETCD_PEER=23800
PG_PORTS=(55441 55442 55443); REST_PORTS=(58441 58442 58443)
RW=55440; RO=55450; STATS=55460
log() { echo "ha-up: $*" >&2; }

need=()
command -v patroni >/dev/null || need+=(patroni)
command -v etcd >/dev/null || need+=(etcd-server etcd-client)
command -v haproxy >/dev/null || need+=(haproxy)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
if [ ${#need[@]} -gt 0 ]; then
  log "installing from Debian: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq "${need[@]}" >&2
fi
BINDIR="$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | head -1)"
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
p="$ROOT"; while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p="$(dirname "$p")"; done
mkdir -p "$HA"; [ "$(id -u)" -eq 0 ] && chown postgres "$HA"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# etcd: the one member of the distributed configuration store Patroni elects its leader in.
if ! alive "$HA/etcd.pid"; then
  log "starting etcd on 127.0.0.1:$ETCD_CLIENT"
  as_pg mkdir -p "$HA/etcd"
  as_pg bash -c "nohup etcd --name ha --data-dir '$HA/etcd' \
      --listen-client-urls http://127.0.0.1:$ETCD_CLIENT --advertise-client-urls http://127.0.0.1:$ETCD_CLIENT \
      --listen-peer-urls http://127.0.0.1:$ETCD_PEER --initial-advertise-peer-urls http://127.0.0.1:$ETCD_PEER \
      --initial-cluster ha=http://127.0.0.1:$ETCD_PEER > '$HA/etcd.log' 2>&1 & echo \$! > '$HA/etcd.pid'"
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$ETCD_CLIENT/health" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$ETCD_CLIENT/health" >/dev/null || { log "etcd did not start; see $HA/etcd.log"; exit 1; }
fi

as_pg mkdir -p "$HA/wal-archive"
for i in 0 1 2; do
  n="pg$((i + 1))"; dir="$HA/$n"
  as_pg mkdir -p "$dir/sock"
  sed -e "s|@NAME@|$n|g" -e "s|@PGPORT@|${PG_PORTS[$i]}|g" -e "s|@RESTPORT@|${REST_PORTS[$i]}|g" \
      -e "s|@DATA@|$dir/data|g" -e "s|@SOCK@|$dir/sock|g" -e "s|@ETCD@|127.0.0.1:$ETCD_CLIENT|g" \
      -e "s|@BINDIR@|$BINDIR|g" -e "s|@ARCHIVE@|$HA/wal-archive|g" "$ROOT/deploy/ha/patroni.yml.in" | as_pg tee "$dir/patroni.yml" >/dev/null
  as_pg chmod 600 "$dir/patroni.yml"
  if ! alive "$dir/patroni.pid"; then
    log "starting Patroni node $n (PostgreSQL 127.0.0.1:${PG_PORTS[$i]}, REST 127.0.0.1:${REST_PORTS[$i]})"
    as_pg bash -c "cd '$dir' && nohup patroni '$dir/patroni.yml' >> '$dir/patroni.log' 2>&1 & echo \$! > '$dir/patroni.pid'"
    # The first node bootstraps the cluster; the others clone from it, one after the other.
    for _ in $(seq 120); do
      code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${REST_PORTS[$i]}/health" || true)"
      [ "$code" = 200 ] && break; sleep 0.5
    done
    [ "$code" = 200 ] || { log "node $n is not running; see $dir/patroni.log"; exit 1; }
  fi
done

rw_servers=""; ro_servers=""
for i in 0 1 2; do
  rw_servers+="    server pg$((i + 1)) 127.0.0.1:${PG_PORTS[$i]} maxconn 300 check port ${REST_PORTS[$i]}"$'\n'
done
ro_servers="$rw_servers"
awk -v rw="$rw_servers" -v ro="$ro_servers" '{ gsub(/@RWSERVERS@/, rw); gsub(/@ROSERVERS@/, ro); print }' "$ROOT/deploy/ha/haproxy.cfg.in" |
  sed -e "s|@PIDFILE@|$HA/haproxy.pid|" -e "s|@STATSPORT@|$STATS|" -e "s|@RWPORT@|$RW|" -e "s|@ROPORT@|$RO|" > "$HA/haproxy.cfg"
if ! alive "$HA/haproxy.pid"; then
  log "starting HAProxy: read-write 127.0.0.1:$RW, read-only 127.0.0.1:$RO, stats http://127.0.0.1:$STATS/"
  haproxy -q -D -f "$HA/haproxy.cfg" -p "$HA/haproxy.pid"
fi

# Ready when there is a leader, a synchronous standby and every replica streams.
PATRONICTL=(patronictl -c "$HA/pg1/patroni.yml")
for _ in $(seq 120); do
  state="$(curl -fs "http://127.0.0.1:${REST_PORTS[0]}/cluster" 2>/dev/null || true)"
  if python3 - "$state" <<'PY' 2>/dev/null; then break; fi
import json, sys
m = json.loads(sys.argv[1])["members"]
roles = sorted(x["role"] for x in m)
ok = "leader" in roles and "sync_standby" in roles and len(m) == 3 and all(x["state"] in ("running", "streaming") for x in m)
sys.exit(0 if ok else 1)
PY
  sleep 0.5
done
"${PATRONICTL[@]}" list >&2

PSQL=(env PGPASSWORD=ha-postgres psql -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p "$RW" -U postgres)
for _ in $(seq 40); do "${PSQL[@]}" -d postgres -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
if [ "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'hotline'")" != "1" ]; then
  "${PSQL[@]}" -d postgres -c "CREATE ROLE hotline LOGIN PASSWORD 'hotline' CREATEDB" >&2
fi
if [ "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'hotline'")" != "1" ]; then
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE hotline OWNER hotline" >&2
fi
echo "postgres://hotline:hotline@127.0.0.1:$RW/hotline"
echo "postgres://hotline:hotline@127.0.0.1:$RO/hotline"
