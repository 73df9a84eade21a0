#!/usr/bin/env bash
# The whole suite, on SQLite and on a throwaway PostgreSQL, browser tests included. The two
# database layers run side by side (one per core); each line is prefixed with its layer.
# The SQLite layer runs the embedded default (cache and rate limits in the database); the
# PostgreSQL layer gets a throwaway Redis (REDIS_URL), so it runs them on Redis. Both upload
# photos to a throwaway S3-protocol server (moto) in the object storage tests. The browser
# journeys run on the SQLite layer only (the shorter one): they test pages, and the PostgreSQL
# layer keeps every test of locks, races and Redis. Each layer prints its slowest tests, and
# the last lines repeat each layer's failures and totals (a CI record often keeps only the tail).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
source scripts/pg.sh
source scripts/redis.sh
source scripts/s3.sh
trap 's3_stop; redis_stop; pg_stop' EXIT

echo ">>> lint: ruff, the import layers, mypy (make lint; about 5 s)"
make --no-print-directory lint

logs=$(mktemp -d /tmp/omni-test-logs.XXXXXX)
layer() {  # layer <name> <command...>: run a layer, prefix its output (kept in $logs), return its status
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /" | tee "$logs/$name.log") 2>&1
}
summary() {  # the failed and errored tests of each layer, and its totals line
  local name
  for name in sqlite postgresql; do
    [ -f "$logs/$name.log" ] || continue
    grep -E "^\[$name\] (FAILED|ERROR) |^\[$name\] =+ .*(passed|failed|error).* =+$" "$logs/$name.log" || true
  done
}

if s3_start; then
  echo ">>> S3-protocol server (moto) at $OMNI_TEST_S3_ENDPOINT_URL"
else
  echo "!!! no S3-protocol server could be started: the object storage tests start their own."
fi

sqlite_test_db=$(mktemp -u /tmp/omni-test.XXXXXX.sqlite3)
echo ">>> tests on SQLite (a WAL file database, as in production)"
layer sqlite env -u DATABASE_URL -u REDIS_URL OMNI_SQLITE_TEST_PATH="$sqlite_test_db" \
  .venv/bin/pytest -rfEs -p no:cacheprovider --durations=15 "$@" &
sqlite_pid=$!

pg_status=0
if pg_start; then
  trap 's3_stop; redis_stop; pg_stop' EXIT  # pg_start set its own
  if redis_start; then
    echo ">>> tests on PostgreSQL ($DATABASE_URL) and Redis ($REDIS_URL), browser journeys aside"
  else
    echo "!!! ======================================================================="
    echo "!!! NO REDIS: redis-server could not be found or started. The PostgreSQL"
    echo "!!! layer runs on the database cache; the tests marked redis are SKIPPED."
    echo "!!! ======================================================================="
  fi
  layer postgresql .venv/bin/pytest -rfEs -p no:cacheprovider --durations=15 -m "not browser" "$@" \
    || pg_status=$?
  redis_stop
  pg_stop
else
  echo "!!! PostgreSQL layer SKIPPED: no PostgreSQL server could be found or started."
fi
sqlite_status=0
wait "$sqlite_pid" || sqlite_status=$?
rm -f "$sqlite_test_db"*
echo ">>> topology: 2 web + 2 workers under load, one of each killed (make test-topology, ~1 min)"
topology_status=0
bash scripts/topology.sh 2>&1 | sed -u "s/^/[topology] /" || topology_status=$?
echo ">>> failures and totals of each layer:"
summary
rm -rf "$logs"
echo ">>> SQLite: exit $sqlite_status; PostgreSQL: exit $pg_status; topology: exit $topology_status"
[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ] && [ "$topology_status" = 0 ]
