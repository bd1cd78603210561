# kpn_contract developer entry points. Every target creates .venv itself when it is missing.
# Without make (Windows): python tasks.py TARGET runs the same targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv lint test test-wheel contract record notebooks bench clean

# Bytecode is written even where the environment says not to (some CI images set it): the many pytest,
# emulator and kpn-contract subprocesses of a run then reuse what the first one compiled, and what uv
# installs (uv does not compile at install time, as pip does) is compiled once, on its first import.
unexport PYTHONDONTWRITEBYTECODE

venv: $(STAMP)

# uv resolves the same requirements as pip and downloads them in parallel: the venv is ready in about
# 13 s instead of 30 on a fresh machine. Where uv cannot be installed, pip does the same install.
# --compile-bytecode: uv compiles on both cores in about 5 s what the test run's first imports would
# otherwise compile, several processes at once (fresh-clone pytest run 3 m 19 s -> 2 m 57 s).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]' \
		|| $(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name kpn-contract --display-name "kpn_contract (.venv)" >/dev/null
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check kpn_contract tests benchmarks tasks.py
	$(BIN)/ruff format --check kpn_contract tests benchmarks tasks.py
	$(BIN)/mypy -n auto  # strict, over pyproject's [tool.mypy] files; one worker per core (14.6 s -> 8.5 s cold)

# The whole test suite: lint and types, then every test (unit, contract suite replayed offline,
# notebooks executed, reliability and security matrices), then the contract suite live against the emulator
# (serially: 2.4 s, where two xdist workers took 3.8 s to start and run it; tests/reliability runs it with xdist).
# worksteal: an idle worker takes half of another's queue; tests/conftest.py runs the slow modules first.
# Three workers on two cores: many tests wait on subprocesses, loopback servers or injected latency, and
# the third worker fills that time (3 m 17 s -> 3 m 01 s for the suite, measured back to back).
test: lint
	$(BIN)/pytest -n 3 --dist worksteal
	$(BIN)/pytest tests/contract -q -p no:cacheprovider --kpn-target emulator

# The unit and contract tests against the built wheel in a fresh venv, run from a copy of the tests
# outside the source tree (tests/against_wheel.py), so a file missing from the wheel fails here.
test-wheel: $(STAMP)
	$(BIN)/python tests/against_wheel.py

# The main job: the KPN contract suite, replayed offline from cassettes/ by default.
# KPN_TARGET=emulator or KPN_TARGET=live switches the target.
KPN_TARGET ?= replay
contract: $(STAMP)
	$(BIN)/pytest tests/contract -p no:cacheprovider --kpn-target $(KPN_TARGET)

# Re-record the shipped cassettes against the local emulator (they are labelled target: emulator).
record: $(STAMP)
	$(BIN)/pytest tests/contract -q -p no:cacheprovider --kpn-target emulator --kpn-record-mode rewrite
	$(BIN)/python notebooks/_run.py --record

notebooks: $(STAMP)
	$(BIN)/pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/replay.py
	$(BIN)/python benchmarks/diff.py
	$(BIN)/python benchmarks/drift.py
	$(BIN)/python benchmarks/auth.py
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
