# Rounds: `make run` sets everything up and starts the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick bench loadtest fmt lint worker migrate demo clean

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

# Web server and Celery worker (with the watchdog's beat) together; Ctrl-C stops both.
run: demo
	@echo ""
	@echo "  Rounds is starting at http://$(HOST):$(PORT)/"
	@echo "  Demo logins: admin / rounds-admin   organizer / rounds-organizer"
	@echo ""
	@trap 'kill 0' INT TERM; \
	$(PY) -m celery -A config worker --beat --loglevel=INFO --concurrency=2 \
		--schedule=var/celerybeat-schedule & \
	$(PY) manage.py runserver $(HOST):$(PORT) & \
	wait

worker: $(VENV)/.installed
	$(PY) -m celery -A config worker --beat --loglevel=INFO --schedule=var/celerybeat-schedule

test: $(VENV)/.installed
	$(PY) -m pytest

test-quick: $(VENV)/.installed
	$(PY) -m pytest -m "not slow and not browser and not services"

bench: $(VENV)/.installed
	$(PY) -m benchmarks.bench

loadtest: $(VENV)/.installed
	$(PY) -m benchmarks.loadtest

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) -m mypy rotations/solver benchmarks/bench.py benchmarks/greedy.py benchmarks/synthetic.py
	$(VENV)/bin/lint-imports

clean:
	rm -rf var/test var/celery-broker var/.demo-loaded
