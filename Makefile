# kpn_contract developer entry points. Every target creates .venv itself when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv lint test contract notebooks bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name kpn-contract --display-name "kpn_contract (.venv)" >/dev/null
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check kpn_contract tests benchmarks
	$(BIN)/ruff format --check kpn_contract tests benchmarks
	$(BIN)/mypy

# The whole test suite: lint, unit tests, the contract suite, notebooks.
test: lint
	$(BIN)/pytest -n 2 --dist loadgroup

# The main job: the KPN contract suite, replayed offline from cassettes/ by default.
# KPN_TARGET=emulator or KPN_TARGET=live switches the target.
KPN_TARGET ?= replay
contract: $(STAMP)
	$(BIN)/pytest tests/contract -p no:cacheprovider --kpn-target $(KPN_TARGET)

notebooks: $(STAMP)
	$(BIN)/pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/replay.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
