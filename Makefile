# Two commands on a fresh clone:  `make run`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LANDING ?= landing
WAREHOUSE ?= warehouse/crm_kpi.duckdb
SCALE ?= small
# sqlfluff's dbt templater compiles models; give it a throwaway warehouse, never the real one.
LINT_WAREHOUSE := $(CURDIR)/.lint/lint.duckdb

.PHONY: setup run test lint format ui clean

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
	mkdir -p $(dir $(LINT_WAREHOUSE))
	CRMKPI_WAREHOUSE=$(LINT_WAREHOUSE) $(BIN)/sqlfluff lint dbt_project/models --processes 2

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	CRMKPI_WAREHOUSE=$(LINT_WAREHOUSE) $(BIN)/sqlfluff fix dbt_project/models --processes 2

ui: setup
	$(BIN)/crmkpi ui

clean:
	rm -rf warehouse .dagster_home .lint dbt_project/target dbt_project/logs expectations/gx/uncommitted
