# Sourced: pg_start brings up a throwaway PostgreSQL on a local port and exports DATABASE_URL;
# pg_stop removes it. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
PG_PORT=${PG_PORT:-54329}

pg_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || return 1
  PG_DIR=$(mktemp -d /tmp/omni-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U omni --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  trap pg_stop EXIT
  export PG_BIN=$bin PG_DIR
  export DATABASE_URL="postgres://omni@127.0.0.1:$PG_PORT/omniretail"
  "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U omni omniretail
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  unset PG_DIR DATABASE_URL
}
