#!/usr/bin/env bash
# The whole suite, on SQLite and on a throwaway PostgreSQL, browser tests included. The two
# database layers run side by side (one per core); each line is prefixed with its layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
source scripts/pg.sh

echo ">>> ruff"
.venv/bin/ruff check omniretail bench
.venv/bin/ruff format --check omniretail bench

layer() {  # layer <name> <command...>: run a layer, prefix its output, return its status
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1
}

sqlite_test_db=$(mktemp -u /tmp/omni-test.XXXXXX.sqlite3)
echo ">>> tests on SQLite (a WAL file database, as in production)"
layer sqlite env -u DATABASE_URL OMNI_SQLITE_TEST_PATH="$sqlite_test_db" \
  .venv/bin/pytest -rs -p no:cacheprovider "$@" &
sqlite_pid=$!

pg_status=0
if pg_start; then
  echo ">>> tests on PostgreSQL ($DATABASE_URL)"
  layer postgresql .venv/bin/pytest -rs -p no:cacheprovider "$@" || pg_status=$?
  pg_stop
else
  echo "!!! PostgreSQL layer SKIPPED: no PostgreSQL server could be found or started."
fi
sqlite_status=0
wait "$sqlite_pid" || sqlite_status=$?
rm -f "$sqlite_test_db"*
echo ">>> SQLite: exit $sqlite_status; PostgreSQL: exit $pg_status"
[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ]
