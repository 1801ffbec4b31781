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

.PHONY: setup run test lint format ui status clean bench

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(INSTALLED)

setup: $(INSTALLED)

run: setup
	$(BIN)/crmkpi demo-data --out $(LANDING) --scale $(SCALE) --if-empty
	$(BIN)/crmkpi refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

test: setup lint
	$(BIN)/pytest

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

status: setup
	$(BIN)/crmkpi status

clean:
	rm -rf warehouse .dagster_home dbt_project/target dbt_project/logs expectations/gx/uncommitted
