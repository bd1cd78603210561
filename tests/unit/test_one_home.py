"""Each shared name has one home: targets and record modes (run_modes), exit codes (commands), loggers.

Read from the source with ``ast``, so a second definition cannot creep back in by copy and paste.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kpn_contract
from kpn_contract.cassettes import record
from kpn_contract.cli import commands
from kpn_contract.config import run_modes
from kpn_contract.fuzz import _schema
from kpn_contract.transport import routing as transport
from tests.source_trees import parsed

PACKAGE = Path(kpn_contract.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
TARGET_NAMES = {"replay", "emulator", "live"}
RECORD_MODE_NAMES = {"none", "once", "new_episodes", "all", "rewrite"}


def _trees() -> list[tuple[str, ast.Module]]:
    return [(path.relative_to(PACKAGE).as_posix(), parsed(path)) for path in MODULES]


def _string_sets(tree: ast.Module) -> list[set[str]]:
    """Every tuple, list or set literal (and Literal[...] subscript) made only of strings."""
    found: list[set[str]] = []
    for node in ast.walk(tree):
        elements: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = list(node.elts)
        if elements and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements):
            found.append({str(e.value) for e in elements if isinstance(e, ast.Constant)})
    return found


def test_the_package_has_modules_to_check() -> None:
    assert len(MODULES) > 50
    assert "run_modes.py" in {path.name for path in MODULES}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (TARGET_NAMES, ["config/run_modes.py"]),
        ({"emulator", "live"}, ["config/run_modes.py"]),
        (RECORD_MODE_NAMES, []),  # run_modes defines them as an enum: no list of them anywhere
    ],
    ids=["targets", "sending-targets", "record-modes"],
)
def test_targets_and_record_modes_are_spelt_out_only_in_run_modes(
    names: set[str], expected: list[str]
) -> None:
    homes = [module for module, tree in _trees() if names in _string_sets(tree)]
    assert homes == expected


def test_the_record_mode_enum_is_defined_once() -> None:
    homes = [
        module
        for module, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "RecordMode"
    ]
    assert homes == ["config/run_modes.py"]


def test_front_doors_use_the_one_definition() -> None:
    assert transport.Target is run_modes.Target
    assert transport.parse_target is run_modes.parse_target
    assert record.RecordMode is run_modes.RecordMode
    assert _schema.FuzzTarget is run_modes.SendingTarget
    assert set(run_modes.RECORD_MODES) == RECORD_MODE_NAMES
    assert set(run_modes.TARGETS) == TARGET_NAMES


def test_exit_codes_are_defined_only_in_commands() -> None:
    homes = {
        module
        for module, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        for name in ast.walk(target)
        if isinstance(name, ast.Name) and name.id.startswith("EXIT_")
    }
    assert homes == {"cli/commands.py"}
    assert (commands.EXIT_OK, commands.EXIT_FAILURE, commands.EXIT_USAGE) == (0, 1, 2)  # the documented codes


def test_every_logger_is_named_after_its_module_and_called_logger() -> None:
    calls: list[tuple[str, str, str]] = []
    for module, tree in _trees():
        if module == "logs.py":
            continue  # configures the package's, httpx's and httpcore's loggers by name on purpose
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "getLogger":
                bound = ast.unparse(node.targets[0])
                calls.append((module, bound, ast.unparse(node.value.args[0]) if node.value.args else ""))
    assert calls, "no logger found: the check reads nothing"
    assert [call for call in calls if call[1:] != ("logger", "__name__")] == []
