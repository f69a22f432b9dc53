# Rounds: `make run` sets everything up and starts the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick bench bench-series bench-dinners loadtest fmt lint worker migrate demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input

var/.demo-loaded:
	$(PY) manage.py load_demo
	touch $@

demo: migrate var/.demo-loaded

# Web server and Celery worker (with the watchdog's beat) together; Ctrl-C or SIGTERM stops
# both within a few seconds. Each runs in its own process group (setsid), so the trap decides
# how they stop: TERM to the web server's group and the worker, and whatever is still alive
# after RUN_STOP_GRACE seconds is killed, group and all (the worker's warm shutdown with an
# embedded beat does not end by itself; a solve it was running stays "running" and the
# watchdog starts it again on the next worker). Measured: every process gone 3.2 s after
# Ctrl-C or a SIGTERM to make.
RUN_STOP_GRACE ?= 3
run: demo
	@echo ""
	@echo "  Rounds is starting at http://$(HOST):$(PORT)/"
	@echo "  Demo logins: admin / rounds-admin   organizer / rounds-organizer"
	@echo ""
	@setsid $(PY) -m celery -A config worker --beat --loglevel=INFO --concurrency=2 \
		--schedule=var/celerybeat-schedule & worker=$$!; \
	setsid $(PY) manage.py runserver $(HOST):$(PORT) & web=$$!; \
	stop() { \
		trap '' INT TERM; \
		kill -TERM -$$web $$worker 2>/dev/null; \
		for i in $$(seq $$(( $(RUN_STOP_GRACE) * 10 ))); do \
			kill -0 -$$web 2>/dev/null || kill -0 -$$worker 2>/dev/null || exit 0; \
			sleep 0.1; \
		done; \
		echo "  The worker is still shutting down after $(RUN_STOP_GRACE) s: killing it."; \
		kill -KILL -$$web -$$worker 2>/dev/null; \
		exit 0; \
	}; \
	trap stop INT TERM; \
	wait; stop

worker: $(VENV)/.installed
	$(PY) -m celery -A config worker --beat --loglevel=INFO --schedule=var/celerybeat-schedule

test: $(VENV)/.installed
	$(PY) -m pytest

test-quick: $(VENV)/.installed
	$(PY) -m pytest -m "not slow and not browser and not services"

bench: $(VENV)/.installed
	$(PY) -m benchmarks.bench

# The series planner on synthetic seasons up to 10,000 clinicians, 100 sites, 20 evenings.
bench-series: $(VENV)/.installed
	$(PY) -m benchmarks.series_bench

# Dinner group formation on synthetic seasons of 100, 1,000 and 3,000 sign-ups, and 3,000 in one region.
bench-dinners: $(VENV)/.installed
	$(PY) -m benchmarks.dinners_bench

loadtest: $(VENV)/.installed
	$(PY) -m benchmarks.loadtest

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) -m mypy rotations/solver benchmarks/bench.py benchmarks/greedy.py benchmarks/synthetic.py \
		benchmarks/series_synthetic.py benchmarks/series_bench.py \
		benchmarks/dinners_synthetic.py benchmarks/dinners_bench.py
	$(VENV)/bin/lint-imports

clean:
	rm -rf var/test var/celery-broker var/.demo-loaded
