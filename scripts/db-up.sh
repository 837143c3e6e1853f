#!/usr/bin/env bash
# Starts (creating on first use) a private PostgreSQL 15 cluster for this checkout.
# Installs PostgreSQL from Debian when absent. Data lives in ./.pgdata (git-ignored),
# owned by the `postgres` OS user because PostgreSQL refuses to run as root.
# Prints nothing but progress on stderr; the last line on stdout is the superuser URL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGPORT="${HOTLINE_PGPORT:-54329}"
PGDATA="$ROOT/.pgdata/data"
SOCKDIR="$ROOT/.pgdata/sock"
LOG="$ROOT/.pgdata/postgres.log"

log() { echo "db-up: $*" >&2; }

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! PGBIN="$(find_bin)"; then
  log "PostgreSQL not found; installing from Debian (postgresql, postgresql-contrib, libpq-dev)"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq postgresql postgresql-contrib libpq-dev >&2
  PGBIN="$(find_bin)"
fi

# Run PostgreSQL programs as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$ROOT/.pgdata"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$ROOT/.pgdata"; fi
# The postgres user must be able to traverse to the data folder.
if [ "$(id -u)" -eq 0 ]; then
  p="$ROOT"; while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p="$(dirname "$p")"; done
fi

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  log "initialising cluster in $PGDATA (UTF8, C.UTF-8)"
  as_pg mkdir -p "$PGDATA" "$SOCKDIR"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust >/dev/null
  cat <<CONF | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
# --- hotline private cluster ---
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$SOCKDIR'
max_connections = 300
shared_buffers = 512MB
shared_preload_libraries = 'pg_stat_statements'
max_wal_size = 4GB
checkpoint_timeout = 15min
random_page_cost = 1.1
timezone = 'UTC'
log_timezone = 'UTC'
CONF
fi
as_pg mkdir -p "$SOCKDIR"

if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  log "starting PostgreSQL on 127.0.0.1:$PGPORT"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start >/dev/null
fi

PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
if [ "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='hotline'")" != "1" ]; then
  "${PSQL[@]}" -d postgres -c "CREATE ROLE hotline LOGIN PASSWORD 'hotline' CREATEDB" >&2
fi
for db in hotline; do
  if [ "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$db'")" != "1" ]; then
    "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db OWNER hotline" >&2
  fi
done
echo "postgres://hotline:hotline@127.0.0.1:$PGPORT/hotline"
