# The quarterly police and crime performance report: one command per task.
#
#   make report                                    latest quarter, default force (params/report.yaml)
#   make report QUARTER=2024-03 FORCE="Devon and Cornwall" DATA_DIR=data/real JOBS=2
#
# Every variable is optional; empty means "the default of params/report.yaml".

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

QUARTER  ?=
FORCE    ?=
DATA_DIR ?=
JOBS     ?=
VENV     ?= .venv
PYTHON   ?= $(VENV)/bin/python
# The interpreter that creates the venv (the project needs Python 3.11).
PYTHON_FOR_VENV ?= python3.11

# Options shared by the commands that take them. Quoted, so FORCE="Devon and Cornwall" works.
quarter_opt  = $(if $(strip $(QUARTER)),--quarter "$(strip $(QUARTER))")
force_opt    = $(if $(strip $(FORCE)),--force "$(strip $(FORCE))")
data_dir_opt = $(if $(strip $(DATA_DIR)),--data-dir "$(strip $(DATA_DIR))")
jobs_opt     = $(if $(strip $(JOBS)),--jobs "$(strip $(JOBS))")

# Reinstall whenever pyproject.toml (the pins) changes.
STAMP := $(VENV)/.installed-from-pyproject

.PHONY: help venv report test lint sample-data validate narrative lab clean

help: ## List the targets
	@echo "usage: make <target> [QUARTER=2024-03] [FORCE=\"Avon and Somerset\"] [DATA_DIR=dir] [JOBS=n]"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk -F':.*## ' '{ printf "  %-12s %s\n", $$1, $$2 }'

venv: $(STAMP) ## Create .venv (Python 3.11) and install the pinned packages

$(STAMP): pyproject.toml
	@if [ ! -x "$(PYTHON)" ]; then \
	  echo "creating $(VENV) with $(PYTHON_FOR_VENV)"; \
	  $(PYTHON_FOR_VENV) -m venv "$(VENV)"; \
	fi
	"$(PYTHON)" -m pip install --quiet -e ".[dev]"
	@touch "$@"

report: venv ## Build the report: outputs/<quarter>/<force>/ (HTML, PDF, measures.csv, manifest)
	"$(PYTHON)" -m helpers build $(quarter_opt) $(force_opt) $(data_dir_opt) $(jobs_opt)

test: venv ## Lint, then run every test (including the notebooks on the sample data)
	"$(PYTHON)" -m ruff check .
	"$(PYTHON)" -m pytest

lint: venv ## ruff check (what `make test` runs first)
	"$(PYTHON)" -m ruff check .

sample-data: venv ## Regenerate the synthetic sample data in data/sample
	"$(PYTHON)" -m helpers sample-data --out data/sample

validate: venv ## Check the input data against its contracts (DATA_DIR)
	"$(PYTHON)" -m helpers validate $(data_dir_opt)

narrative: venv ## Create the quarter's narrative files to fill in (needs QUARTER)
	@if [ -z "$(strip $(QUARTER))" ]; then \
	  echo 'make narrative needs a quarter, e.g. make narrative QUARTER=2024-03' >&2; exit 2; \
	fi
	"$(PYTHON)" -m helpers narrative $(quarter_opt)

lab: venv ## Install JupyterLab (the "lab" extra) and open it
	"$(PYTHON)" -m pip install --quiet -e ".[lab]"
	"$(PYTHON)" -m jupyter lab

clean: ## Remove outputs and caches (never data/ or params/)
	rm -rf outputs/* outputs/.[!.]* .pytest_cache .ruff_cache .build
	find . -path ./.git -prune -o -path ./.venv -prune -o -path ./data -prune -o -path ./params -prune \
	  -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
	  | xargs -0 rm -rf
