# Callbook: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint serve bench bench-quick

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Production: gunicorn on GUNICORN_BIND with WEB_CONCURRENCY (or GUNICORN_WORKERS) workers,
# after migrations, the cache table and static files (see README, Deployment).
serve: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn crmsite.wsgi --bind $${GUNICORN_BIND:-127.0.0.1:8000} --workers $${WEB_CONCURRENCY:-$${GUNICORN_WORKERS:-3}} --timeout $${GUNICORN_TIMEOUT:-120} --access-logfile -

# The benchmark (README, Performance): gunicorn ×2 against DATABASE_URL (default: PostgreSQL
# database callbook_bench, recreated), 1,000 vs 1,000,000 calls; bench-quick: vs 20,000.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(PY) -m bench.run --quick $(BENCH_ARGS)
