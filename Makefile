.PHONY: demo test test-topology bench lint format setup messages

# Install, migrate a SQLite database, load the demo city, serve on http://127.0.0.1:8000
demo:
	bash scripts/setup.sh
	.venv/bin/omniretail demo

# Install what is missing and pass the tests on SQLite and PostgreSQL, browser included
test:
	bash scripts/test.sh

# 2 web + 2 worker processes on PostgreSQL, Redis and S3 under a mixed load, one of each
# killed mid-run; checks the invariants, then again on a restored pg_dump (`make test` runs it)
test-topology:
	bash scripts/topology.sh

# Benchmarks (not part of `make test`)
bench:
	bash scripts/bench.sh

setup:
	bash scripts/setup.sh --system

# ruff, the layers contract (pyproject [tool.importlinter]) and mypy with django-stubs over
# core, ledger, inventory, orders and payments ([tool.mypy]); `make test` runs it first.
# mypy's Django plugin loads the settings, which want a SECRET_KEY; it is never used.
lint:
	.venv/bin/ruff check omniretail bench
	.venv/bin/ruff format --check omniretail bench
	.venv/bin/lint-imports
	SECRET_KEY=type-check-only .venv/bin/mypy

format:
	.venv/bin/ruff format omniretail bench
	.venv/bin/ruff check --fix omniretail bench

messages:
	cd omniretail && ../.venv/bin/django-admin makemessages -l zh_Hans -l en --ignore '*/tests/*' && ../.venv/bin/django-admin compilemessages
