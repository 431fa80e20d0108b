# The quarterly police and crime performance report: one command per task.
#
#   make report                                    latest quarter, default force (params/report.yaml)
#   make report QUARTER=2024-03 FORCE="Devon and Cornwall" DATA_DIR=data/real JOBS=2
#   make data && make report DATA=real             real published data: downloaded into data/raw,
#                                                  converted into data/real (docs/DATA.md)
#
# Every variable is optional; empty means "the default of params/report.yaml".

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

QUARTER  ?=
# QUARTERS=2024-12,2025-03: all-forces builds every force for each of them (a research batch).
QUARTERS ?=
FORCE    ?=
DATA_DIR ?=
# OUTPUTS=dir: write reports there instead of outputs/ (params/report.yaml's outputs_dir).
OUTPUTS  ?=
JOBS     ?=
# DATA=real: build from the real published files, converted into data/real by `import-real`
# from REAL_DIR: data/raw, which `make data` fills, or a folder of published files you name.
DATA     ?=
REAL_DIR ?= data/raw
ifeq ($(strip $(DATA)),real)
  DATA_DIR := data/real
  QUARTER  := $(or $(strip $(QUARTER)),2023-06)
endif
VENV     ?= .venv
PYTHON   ?= $(VENV)/bin/python
# The interpreter that creates the venv (the project needs Python 3.11).
PYTHON_FOR_VENV ?= python3.11

# Options shared by the commands that take them. Quoted, so FORCE="Devon and Cornwall" works.
quarter_opt  = $(if $(strip $(QUARTER)),--quarter "$(strip $(QUARTER))")
quarters_opt = $(if $(strip $(QUARTERS)),--quarters "$(strip $(QUARTERS))",$(quarter_opt))
force_opt    = $(if $(strip $(FORCE)),--force "$(strip $(FORCE))")
data_dir_opt = $(if $(strip $(DATA_DIR)),--data-dir "$(strip $(DATA_DIR))")
jobs_opt     = $(if $(strip $(JOBS)),--jobs "$(strip $(JOBS))")
outputs_opt  = $(if $(strip $(OUTPUTS)),--outputs "$(strip $(OUTPUTS))")
# PDF=no: HTML only (a quick draft; all-forces too). SCHEDULER=tcp://host:8786: sections run on
# that Dask cluster (pip install -e ".[dask]").
PDF       ?=
SCHEDULER ?=
# PREVIOUS=outputs/2024-12/avon-and-somerset: the report the 'Changes since the last report' page
# compares with (default: the previous quarter's report under outputs/).
PREVIOUS  ?=
pdf_opt       = $(if $(filter no false 0,$(strip $(PDF))),--no-pdf)
previous_opt  = $(if $(strip $(PREVIOUS)),--previous "$(strip $(PREVIOUS))")
scheduler_opt = $(if $(strip $(SCHEDULER)),--scheduler "$(strip $(SCHEDULER))")

# Reinstall whenever pyproject.toml (the pins) changes.
STAMP := $(VENV)/.installed-from-pyproject

.PHONY: help venv report all-forces test lint sample-data validate verify narrative lab clean data import-real

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

report: venv $(if $(filter real,$(strip $(DATA))),import-real) ## Build the report: outputs/<quarter>/<force>/ (DATA=real: real published data)
	"$(PYTHON)" -m helpers build $(quarter_opt) $(force_opt) $(data_dir_opt) $(outputs_opt) $(jobs_opt) $(pdf_opt) $(scheduler_opt) $(previous_opt)

all-forces: venv $(if $(filter real,$(strip $(DATA))),import-real) ## Every force's report for QUARTER, or each of QUARTERS (PDF=no; SCHEDULER=tcp://..; DATA=real)
	"$(PYTHON)" -m helpers all-forces $(quarters_opt) $(data_dir_opt) $(outputs_opt) $(jobs_opt) $(pdf_opt) $(scheduler_opt)

test: venv ## Lint, then run every test (including the notebooks on the sample data)
	"$(PYTHON)" -m ruff check .
	"$(PYTHON)" -m pytest

lint: venv ## ruff check (what `make test` runs first)
	"$(PYTHON)" -m ruff check .

data: venv ## Download the publishers' files into data/raw (params/sources.yaml; resumable)
	"$(PYTHON)" -m helpers download

import-real: venv ## Convert the published files of REAL_DIR (default data/raw) into data/real
	"$(PYTHON)" -m helpers import-real --real-dir "$(REAL_DIR)" --out data/real

sample-data: venv ## Regenerate the synthetic sample data in data/sample
	"$(PYTHON)" -m helpers sample-data --out data/sample

verify: venv ## Rebuild a report from its manifest.json and report any difference (QUARTER, FORCE)
	@if [ -z "$(strip $(QUARTER))" ]; then \
	  echo 'make verify needs a quarter, e.g. make verify QUARTER=2024-03 [FORCE="Kent"]' >&2; exit 2; \
	fi
	"$(PYTHON)" -m helpers verify $(quarter_opt) $(force_opt)

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
