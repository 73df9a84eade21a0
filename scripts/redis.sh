# Sourced: redis_start brings up a throwaway Redis on a loopback port (nothing saved to disk)
# and exports REDIS_URL; redis_stop removes it. The caller stops it (trap ... EXIT).
REDIS_PORT=${REDIS_PORT:-56379}

redis_start() {
  command -v redis-server >/dev/null || return 1
  REDIS_DIR=$(mktemp -d /tmp/omni-redis.XXXXXX)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --save "" \
    --appendonly no --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
    --logfile "$REDIS_DIR/log" >/dev/null || { rm -rf "$REDIS_DIR"; return 1; }
  local _
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  export REDIS_DIR REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || { redis_stop; return 1; }
}

redis_stop() {
  [ -n "${REDIS_DIR:-}" ] || return 0
  [ -f "$REDIS_DIR/redis.pid" ] && kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
  local _
  for _ in $(seq 50); do
    [ -f "$REDIS_DIR/redis.pid" ] || break
    sleep 0.1
  done
  rm -rf "$REDIS_DIR"
  unset REDIS_DIR REDIS_URL
}
