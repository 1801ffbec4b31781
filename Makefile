# Two commands on a fresh clone:  `make run`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LANDING ?= landing
WAREHOUSE ?= warehouse/crm_kpi.duckdb
SCALE ?= small
BENCH_SCALES ?= medium large
BENCH_DATA ?= warehouse/bench
BENCH_ARGS ?=
APP_ARGS ?=
# Debian's Chromium, for the app's real-browser test (Playwright cannot download a browser here)
CHROMIUM := /usr/bin/chromium

.PHONY: setup run test lint format ui app status clean bench chromium

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(INSTALLED)

setup: $(INSTALLED)

run: setup
	$(BIN)/crmkpi demo-data --out $(LANDING) --scale $(SCALE) --if-empty
	$(BIN)/crmkpi refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

test: setup lint chromium
	$(BIN)/pytest

# Installs Debian's chromium when it is missing and this runs as root (CI does); else says how.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the app's browser test"; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "$(CHROMIUM) is missing: run 'sudo apt-get install -y chromium' (the app's browser test needs it)" >&2; \
	    exit 1; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models --processes 2

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project/models --processes 2

# Benchmark suite: writes BENCHMARKS.md (demo exports generated once per scale into BENCH_DATA).
bench: setup
	$(BIN)/python -m bench --scales $(BENCH_SCALES) --data-dir $(BENCH_DATA) $(BENCH_ARGS)

ui: setup
	$(BIN)/crmkpi ui

# The KPI app on http://127.0.0.1:8501 (the published warehouse, read-only); APP_ARGS="--port 8502"
app: setup
	$(BIN)/crmkpi app $(APP_ARGS)

status: setup
	$(BIN)/crmkpi status

clean:
	rm -rf warehouse .dagster_home dbt_project/target dbt_project/logs expectations/gx/uncommitted
