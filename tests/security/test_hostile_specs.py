"""Every class of hostile input through every command that reads it: one line, exit 2, nothing leaked.

Issue 21: alias and ``enum`` bombs, deep nesting, ``$ref`` to an absolute path, ``../``, a device or a
URL, symlink loops, links to ``/dev/zero``, FIFOs and a symlinked cassette, before ``specs``, ``diff``,
``verify``, ``coverage``, ``drift`` and ``audit``. Each class runs in one fresh interpreter
(``benchmarks/hostile_cassettes.run_commands``) with a timeout and a capped address space, so a
regression fails the test instead of hanging or swapping CI. Times are the benchmark's business;
the memory high-water mark does not depend on how busy the machine is.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_inputs import HOSTILE_CASES, HostileCase, hostile_benchmark, make_hostile_project

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="FIFOs, /dev/zero and the child's VmHWM peak are Linux's"
)

MEMORY_CAP_MB = 300
CANARY = f"CANARY{secrets.token_hex(8)}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, HostileCase]]:
    root = tmp_path_factory.mktemp("hostile")
    cases = make_hostile_project(root, CANARY)
    assert tuple(case.name for case in cases) == HOSTILE_CASES
    return root, {case.name: case for case in cases}


@pytest.mark.slow
@pytest.mark.parametrize("name", HOSTILE_CASES)
def test_every_command_refuses_the_input_with_one_line_and_leaks_nothing(
    project: tuple[Path, dict[str, HostileCase]], name: str
) -> None:
    root, cases = project
    case = cases[name]
    measured: dict[str, Any] = hostile_benchmark().run_commands(case.commands, root, timeout=120)
    for command, run in measured["runs"].items():
        shown = run["stdout"] + run["stderr"]
        assert run["exit"] == 2, (command, shown)
        lines = run["stderr"].splitlines()
        assert len(lines) == 1, (command, run["stderr"])
        assert lines[0].startswith(f"kpn-contract {case.commands[command][0]}: "), lines[0]
        assert re.search(case.expect, lines[0]), (command, lines[0])
        assert str(root) in lines[0] or "hostile" in lines[0] or ".yaml" in lines[0]  # names the file
        assert CANARY not in shown
        assert "root:" not in shown  # nothing of /etc/passwd
        assert "Traceback" not in shown
    assert measured["peak_rss_mb"] < MEMORY_CAP_MB


REPLAYED_TEST = """
import pytest

@pytest.mark.kpn(profile="things")
def test_linked(kpn_client):
    kpn_client().get("/api/devices")
"""


@pytest.mark.slow
def test_replay_does_not_follow_a_symlinked_cassette(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kpn_contract]\ncassette_dir = 'cassettes'\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_linked.py").write_text(REPLAYED_TEST)
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"version: 1\ninteractions: []\nkpn_contract: {{note: {CANARY}}}\n")
    linked = tmp_path / "cassettes" / "test_linked" / "test_linked.yaml"
    linked.parent.mkdir(parents=True)
    linked.symlink_to(outside)
    argv = ["pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), str(tmp_path / "tests")]
    run = hostile_benchmark().run_child(argv, tmp_path)
    assert run["exit"] == 1  # the test errors
    errors = [line for line in run["stdout"].splitlines() if line.startswith("CassetteError: ")]
    assert len(errors) == 1, run["stdout"]
    assert "test_linked.yaml: is a symlink that leads outside" in errors[0]
    assert CANARY not in run["stdout"] + run["stderr"]
