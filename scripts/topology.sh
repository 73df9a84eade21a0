#!/usr/bin/env bash
# The topology proof (make test-topology; make test runs it after the two database layers):
# a throwaway PostgreSQL, Redis and S3-protocol server, `omniretail migrate` as the release
# step, then omniretail/testing/topology.py runs 2 `omniretail serve` + 2 `omniretail worker`
# under a mixed load, kills one of each with SIGKILL mid-run and checks the invariants, on
# the database and on a pg_dump of it restored into a new one. Without PostgreSQL or
# redis-server it is SKIPPED, loudly, and exits 0. Ports: TOPO_PG_PORT, TOPO_REDIS_PORT,
# TOPO_S3_PORT, TOPOLOGY_PORTS ("p1,p2"; free ports by default).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_PORT=${TOPO_PG_PORT:-54339}
REDIS_PORT=${TOPO_REDIS_PORT:-56389}
S3_PORT=${TOPO_S3_PORT:-59009}
source scripts/pg.sh
source scripts/redis.sh
source scripts/s3.sh
trap 's3_stop; redis_stop; pg_stop' EXIT

skipped() {
  echo "!!! ======================================================================="
  echo "!!! topology layer SKIPPED: $1"
  echo "!!! ======================================================================="
  exit 0
}

pg_start || skipped "no PostgreSQL server could be found or started"
trap 's3_stop; redis_stop; pg_stop' EXIT  # pg_start set its own
redis_start || skipped "redis-server could not be found or started"
s3_start || echo "!!! no S3-protocol server could be started: the topology keeps media on disk"
echo ">>> topology on PostgreSQL ($DATABASE_URL), Redis ($REDIS_URL)," \
  "S3 (${OMNI_TEST_S3_ENDPOINT_URL:-none})"
echo ">>> release step: omniretail migrate"
SECRET_KEY=topology-release-step .venv/bin/omniretail migrate --noinput -v 0
.venv/bin/python -m omniretail.testing.topology proof "$@"
