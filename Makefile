# Callbook: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# `make run` needs only the runtime dependencies; the tests and tools add the dev extra.
$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev]"
	touch $@ $(RUN_STAMP)

install: $(DEV_STAMP)

# The demo server with one task worker beside it (webhook deliveries); both stop together.
# `make run PORT=8080` serves on another port.
PORT ?= 8000

run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# One task worker (webhook deliveries) on the database's queue; run one or more per host
# (README, Deployment). Reloads on code changes when DJANGO_DEBUG is on.
worker: $(RUN_STAMP)
	$(PY) manage.py db_worker

# pytest-xdist: one worker per core (each with its own test database); PYTEST_WORKERS=0
# runs the suite in one process.
PYTEST_WORKERS ?= auto

# The browser tests run axe-core from npm: installed first where npm is there.
test: $(DEV_STAMP) $(if $(shell command -v npm),node_modules/.package-lock.json)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The development checks .ci/run makes before the tests (README, Development checks).
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

eslint: node_modules/.package-lock.json
	npx eslint

# Production (README, Deployment): `make venv` installs the runtime dependencies only;
# `make migrate` runs once per release from one server; `make serve` collects static files
# and runs gunicorn on GUNICORN_BIND with WEB_CONCURRENCY (or GUNICORN_WORKERS) workers.
venv: $(RUN_STAMP)

migrate: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

serve: $(RUN_STAMP)
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn crmsite.wsgi --bind $${GUNICORN_BIND:-127.0.0.1:8000} --workers $${WEB_CONCURRENCY:-$${GUNICORN_WORKERS:-3}} --timeout $${GUNICORN_TIMEOUT:-120} --access-logfile -

# The benchmark (README, Performance): gunicorn ×2 against DATABASE_URL (default: PostgreSQL
# database callbook_bench, recreated), 1,000 vs 1,000,000 calls; bench-quick: vs 20,000.
bench: $(DEV_STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: $(DEV_STAMP)
	$(PY) -m bench.run --quick $(BENCH_ARGS)

# What redaction adds to the create service of a 20-message call (in-process, SQLite);
# `make bench` measures it over HTTP too (its redaction phase; --redaction-only alone).
bench-redaction: $(DEV_STAMP)
	$(PY) -m bench.redaction

# docs/openapi.json, the committed OpenAPI document (a test fails when it is stale).
openapi: $(DEV_STAMP)
	$(PY) manage.py write_openapi docs/openapi.json
