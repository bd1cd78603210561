"""``tasks.py``, the Makefile for machines without ``make``, keeps the Makefile's targets and benchmarks."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kpn_tasks", REPO / "tasks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kpn_tasks"] = module
    spec.loader.exec_module(module)
    return module


def _makefile() -> str:
    return (REPO / "Makefile").read_text(encoding="utf-8")


def test_every_makefile_target_has_a_task(tasks: ModuleType) -> None:
    (phony,) = re.findall(r"^\.PHONY:(.*)$", _makefile(), re.MULTILINE)
    assert set(phony.split()) == set(tasks.TARGETS), "tasks.py and the Makefile name different targets"


def test_the_benchmarks_are_the_makefiles(tasks: ModuleType) -> None:
    listed = re.findall(r"\$\(BIN\)/python benchmarks/(\S+\.py)", _makefile())
    assert tuple(listed) == tasks.BENCHMARKS, "add the benchmark to tasks.py BENCHMARKS too"


def test_the_venv_layout_follows_the_platform(tasks: ModuleType) -> None:
    assert tasks.BIN.name == ("Scripts" if sys.platform == "win32" else "bin")


def test_an_unknown_target_is_a_usage_error(tasks: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert tasks.main(["deploy"]) == 2
    assert capsys.readouterr().err.startswith("usage: python tasks.py {venv,lint,")
