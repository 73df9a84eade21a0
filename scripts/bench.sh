#!/usr/bin/env bash
# Benchmarks (not part of `make test`): every module below on SQLite, then again on a
# throwaway PostgreSQL. Each module migrates a fresh database of its own and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# One line per benchmark module.
BENCHES=(
  bench.nearby
  bench.checkout
)

status=0
echo ">>> benchmarks on SQLite"
for bench in "${BENCHES[@]}"; do
  env -u DATABASE_URL .venv/bin/python -m "$bench" || status=$?
done

source scripts/pg.sh
if pg_start; then
  echo ">>> benchmarks on PostgreSQL ($DATABASE_URL)"
  for bench in "${BENCHES[@]}"; do
    .venv/bin/python -m "$bench" || status=$?
  done
  pg_stop
else
  echo "!!! PostgreSQL layer SKIPPED: no PostgreSQL server could be found or started."
fi
exit $status
