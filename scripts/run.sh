#!/usr/bin/env bash
# Runs the service on a fresh machine: private PostgreSQL (installed from Debian if missing),
# build, migrate, seed the reference data and a demo city, create demo users, serve.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DATABASE_URL="${DATABASE_URL:-$(./scripts/db-up.sh)}"
export HOTLINE_HOST="${HOTLINE_HOST:-127.0.0.1}" HOTLINE_PORT="${HOTLINE_PORT:-8080}"
swift build -c "${BUILD_CONFIG:-debug}" --product hotline
BIN="$(swift build -c "${BUILD_CONFIG:-debug}" --show-bin-path)/hotline"
"$BIN" migrate
"$BIN" seed --demo
# Demo users: tokens are kept in .run/ (git-ignored) so a second run reuses them.
mkdir -p .run
for spec in admin:admin agent:agent dispatcher:dispatcher handler:handler:XHQ-XX supervisor:supervisor auditor:auditor callback:callback; do
  IFS=: read -r login role unit <<<"$spec"
  login="demo-$login"
  if [ ! -s ".run/$login.token" ]; then
    if ! "$BIN" user add --login "$login" --role "$role" ${unit:+--unit "$unit"} 2>/dev/null | tail -n 1 >".run/$login.token"; then
      "$BIN" user token --login "$login" | tail -n 1 >".run/$login.token"
    fi
  fi
  # A workbench password per demo user, kept beside its token (set again on every run: idempotent).
  [ -s ".run/$login.password" ] || head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 14 >".run/$login.password"
  "$BIN" user password --login "$login" <".run/$login.password" >/dev/null
done
cat <<MSG

The hotline service is starting on http://$HOTLINE_HOST:$HOTLINE_PORT  (Ctrl-C stops it)
Demo tokens are in .run/*.token, e.g.
  AGENT=\$(cat .run/demo-agent.token)
  curl -s -X POST http://$HOTLINE_HOST:$HOTLINE_PORT/v1/tickets -H "Authorization: Bearer \$AGENT" \\
       -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\
       -d '{"hotline_number":"12315","channel":"phone","nature":"complaint","title":"超市出售过期食品","content":"牛奶已过期三天","caller":{"name":"张三","phone":"13800138000"}}'
  curl -s http://$HOTLINE_HOST:$HOTLINE_PORT/v1/tickets -H "Authorization: Bearer \$AGENT"
OpenAPI: http://$HOTLINE_HOST:$HOTLINE_PORT/openapi.yaml   Health: /healthz /readyz   Metrics: /metrics

Workbench (browser): http://$HOTLINE_HOST:$HOTLINE_PORT/  sign in as
$(for f in .run/demo-*.password; do l=$(basename "$f" .password); printf '  %-18s password %s\n' "$l" "$(cat "$f")"; done)

MSG
exec "$BIN" serve
