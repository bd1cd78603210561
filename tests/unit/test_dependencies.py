"""Each third-party package is declared where it is really used (pyproject.toml against the imports).

* A runtime dependency is imported by some module of kpn_contract (vcrpy once was one, while only
  the compatibility tests and a benchmark imported it).
* Every third-party module kpn_contract imports is declared: a runtime dependency, or a user extra
  (``fuzz``, ``notebook``) for the front doors that need one, or listed below as used only when present.
* What the tests import beyond those is in the ``dev`` extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib.metadata import packages_distributions
from pathlib import Path

import kpn_contract
from tests.source_trees import parsed

PACKAGE_DIR = Path(kpn_contract.__file__).resolve().parent
TESTS_DIR = Path(__file__).resolve().parents[1]
PYPROJECT = TESTS_DIR.parent / "pyproject.toml"
# Imported only when the user has it: the plugin registers its pytest-asyncio fixtures if that
# plugin is loaded (kpn_contract/pytest/plugin.py), and never requires it.
USED_WHEN_PRESENT = {"pytest-asyncio"}
USER_EXTRAS = ("fuzz", "notebook")


def _normalised(requirement: str) -> str:
    """``jsonschema-rs>=0.20`` -> ``jsonschema-rs`` (PEP 503 form)."""
    name = re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    extras = {name: {_normalised(r) for r in reqs} for name, reqs in project["optional-dependencies"].items()}
    return {_normalised(r) for r in project["dependencies"]}, extras


def _third_party_distributions(files: Iterable[Path], own: str) -> set[str]:
    """The distributions providing the top-level modules ``files`` import (module-level or lazily)."""
    providers = packages_distributions()
    found: set[str] = set()
    for path in files:
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.partition(".")[0]
                if top in sys.stdlib_module_names or top in (own, "tests", "__future__"):
                    continue
                found.update(_normalised(dist) for dist in providers.get(top, [top]))
    return found


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    runtime, _ = _declared()
    used = _third_party_distributions(PACKAGE_DIR.rglob("*.py"), "kpn_contract")
    assert runtime - used == set(), "declared as runtime dependencies but never imported by kpn_contract"


def test_every_package_kpn_contract_imports_is_declared() -> None:
    runtime, extras = _declared()
    offered = runtime | USED_WHEN_PRESENT | set().union(*(extras[name] for name in USER_EXTRAS))
    used = _third_party_distributions(PACKAGE_DIR.rglob("*.py"), "kpn_contract")
    assert used - offered == set(), "imported by kpn_contract but not declared"


def test_what_the_tests_import_is_in_the_dev_extra() -> None:
    runtime, extras = _declared()
    used = _third_party_distributions(TESTS_DIR.rglob("*.py"), "kpn_contract")
    # httpcore is imported by tests/conftest.py only to pin its exception classes; httpx brings it.
    assert used - runtime - extras["dev"] - {"httpcore"} == set()
    assert {"vcrpy", "pytest-recording"} <= extras["dev"]
    assert "vcrpy" not in runtime
