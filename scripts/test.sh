#!/usr/bin/env bash
# The whole suite, on SQLite and then on a throwaway PostgreSQL, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
source scripts/pg.sh

echo ">>> ruff"
.venv/bin/ruff check omniretail bench
.venv/bin/ruff format --check omniretail bench

status=0
echo ">>> tests on SQLite (a WAL file database, as in production)"
sqlite_test_db=$(mktemp -u /tmp/omni-test.XXXXXX.sqlite3)
env -u DATABASE_URL OMNI_SQLITE_TEST_PATH="$sqlite_test_db" .venv/bin/pytest -rs "$@" || status=$?
rm -f "$sqlite_test_db"*

if pg_start; then
  echo ">>> tests on PostgreSQL ($DATABASE_URL)"
  .venv/bin/pytest -rs "$@" || status=$?
  pg_stop
else
  echo "!!! PostgreSQL layer SKIPPED: no PostgreSQL server could be found or started."
fi
exit $status
