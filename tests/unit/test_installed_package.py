"""Which kpn_contract this run imports: the source tree, or the wheel under `make test-wheel`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import kpn_contract

# Set by tests/against_wheel.py (`make test-wheel`) to the source tree the wheel was built from.
SOURCE_TREE_VARIABLE = "WHEEL_RUN_SOURCE_TREE"
TESTS_ROOT = Path(__file__).resolve().parents[2]


def test_kpn_contract_comes_from_the_wheel_when_run_against_it() -> None:
    imported_from = Path(kpn_contract.__file__).resolve()
    source_tree = os.environ.get(SOURCE_TREE_VARIABLE)
    if source_tree is None:
        # A run in the repository (editable install): the package beside these tests.
        assert imported_from.parent == TESTS_ROOT / "kpn_contract", imported_from
        return
    # `make test-wheel`: these tests were copied out, and kpn_contract is the wheel in the fresh venv.
    assert not (TESTS_ROOT / "kpn_contract").exists(), "the source package was copied beside the tests"
    assert imported_from.is_relative_to(Path(sys.prefix).resolve()), (imported_from, sys.prefix)
    assert not imported_from.is_relative_to(Path(source_tree).resolve()), imported_from
    assert (imported_from.parent / "_specs" / "rules.yaml").is_file()
    assert not any(Path(entry or ".").resolve() == Path(source_tree).resolve() for entry in sys.path)
