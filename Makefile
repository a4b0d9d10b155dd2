# circsim: set up, run, test, lint.  `make run` and `make test` work on a fresh clone.

VENV := .venv
STAMP := $(VENV)/.installed
# Interpreters tried in order; the first that is Python >= 3.12 builds the venv
# (Mesa 3.5 needs 3.12; with an older Python pip silently resolves an old Mesa).
PYTHONS := $(HOME)/.pyenv/versions/3.12.1/bin/python3 python3.12 python3.13 python3
LINT_DIRS := $(wildcard src tests benchmarks)

.DEFAULT_GOAL := help
.PHONY: help venv run test test-fast lint

help:
	@echo "make run    set up .venv if needed, run the lever experiment into results/levers/ and write its report"
	@echo "make test   set up .venv if needed, run the tests (every tier: unit, property, integration, browser)"
	@echo "make test-fast  the fast tiers only (unit and property tests, under a minute), for development"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make venv   create .venv (Python >= 3.12), install circsim with its dev tools and extras, compile its kernels"

venv: $(STAMP)

# Re-run only when pyproject.toml changes (the install is editable, so code changes need nothing).
$(STAMP): pyproject.toml
	@ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
	if [ -x $(VENV)/bin/python ] && ok $(VENV)/bin/python; then \
	  echo "Using existing $(VENV) ($$($(VENV)/bin/python --version))"; \
	else \
	  py=""; \
	  for c in $(PYTHONS); do \
	    if command -v "$$c" >/dev/null 2>&1 && ok "$$c"; then py="$$c"; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then \
	    echo "error: circsim needs Python >= 3.12; none of these is: $(PYTHONS)." >&2; \
	    echo "Install Python 3.12 or later (for example 'pyenv install 3.12') and run make again." >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$py ($$("$$py" --version))"; \
	  "$$py" -m venv --clear $(VENV); \
	fi
	$(VENV)/bin/python -m pip install --disable-pip-version-check -e ".[dev,discover,optimise]"
	@echo "Compiling circsim's numba kernels into their cache (a short run)"
	$(VENV)/bin/python -c "from circsim import CirculationModel; CirculationModel(rng=0, scale=1000, end_year=2005).run()"
	touch $(STAMP)

run: venv
	$(VENV)/bin/circsim batch scenarios/levers.toml --out results/levers
	$(VENV)/bin/circsim compare results/levers --years 2030,2040

test: venv
	$(VENV)/bin/python -m pytest

# The tiers are markers (tests/tiers.py); the fast ones need no model run beyond a tiny one.
test-fast: venv
	$(VENV)/bin/python -m pytest -m "unit or property"

lint: venv
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)
