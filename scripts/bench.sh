#!/usr/bin/env bash
# Benchmarks (not part of `make test`): every module in bench/ on SQLite, then again on a
# throwaway PostgreSQL. Each module migrates a fresh database of its own and prints a table.
# `BENCH="ledger groupbuy" make bench` runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system

if [ -n "${BENCH:-}" ]; then
  read -r -a BENCHES <<<"$(printf 'bench.%s ' $BENCH)"
else
  BENCHES=()
  for file in bench/*.py; do
    name=$(basename "$file" .py)
    case "$name" in __init__ | common) continue ;; esac
    BENCHES+=("bench.$name")
  done
fi

status=0
echo ">>> benchmarks on SQLite"
for bench in "${BENCHES[@]}"; do
  # bench.analytics generates its million order lines with PostgreSQL's generate_series
  [ "$bench" = bench.analytics ] && continue
  env -u DATABASE_URL .venv/bin/python -m "$bench" || status=$?
done

source scripts/pg.sh
source scripts/redis.sh
if pg_start; then
  trap 'redis_stop; pg_stop' EXIT
  # a throwaway Redis for bench.topology's workers and shared cache, and chat across two
  # server processes (else both are skipped)
  redis_start || echo "!!! no redis-server: bench.topology is skipped"
  bench_redis=${REDIS_URL:-}
  echo ">>> benchmarks on PostgreSQL ($DATABASE_URL)${bench_redis:+; bench.topology and the two-process bench.chat on Redis ($bench_redis)}"
  for bench in "${BENCHES[@]}"; do
    if [ "$bench" = bench.topology ]; then
      REDIS_URL=$bench_redis .venv/bin/python -m "$bench" || status=$?
    elif [ "$bench" = bench.chat ] && [ -n "$bench_redis" ]; then
      env -u REDIS_URL .venv/bin/python -m "$bench" || status=$?
      echo ">>> bench.chat again: two server processes sharing Redis ($bench_redis)"
      REDIS_URL=$bench_redis BENCH_CHAT_PROCESSES=2 .venv/bin/python -m "$bench" || status=$?
    else  # the others keep measuring the database without Redis, as before
      env -u REDIS_URL .venv/bin/python -m "$bench" || status=$?
    fi
  done
  redis_stop
  pg_stop
else
  echo "!!! PostgreSQL layer SKIPPED: no PostgreSQL server could be found or started."
fi
exit $status
