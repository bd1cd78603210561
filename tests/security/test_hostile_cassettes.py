"""A 125 KB alias-bomb cassette in ``verify``, replay and ``drift``: refused with one line, in little memory.

The commands run through ``benchmarks/hostile_cassettes.py`` (one fresh interpreter each, reporting
its own peak RSS). Times are the benchmark's business; this test checks the outcome and the memory
high-water mark, which does not depend on how busy the machine is.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hostile_inputs import hostile_benchmark

pytest.importorskip("resource", reason="peak RSS comes from resource.getrusage (POSIX)")

MEMORY_CAP_MB = 200


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    result: dict[str, Any] = hostile_benchmark().measure(125_000)
    return result


@pytest.mark.slow
@pytest.mark.parametrize("command", ["verify", "drift"])
def test_the_cli_refuses_the_bomb_with_one_line_and_exit_2(runs: dict[str, Any], command: str) -> None:
    run = runs[command]
    assert runs["bomb_bytes"] >= 125_000
    assert run["exit"] == 2
    lines = run["stderr"].splitlines()
    assert len(lines) == 1, run["stderr"]
    assert lines[0].startswith(f"kpn-contract {command}: ")
    assert "test_bomb.yaml:4: YAML anchors and aliases are refused" in lines[0]
    assert run["peak_rss_mb"] < MEMORY_CAP_MB


@pytest.mark.slow
def test_replay_errors_the_test_with_one_line_naming_the_cassette(runs: dict[str, Any]) -> None:
    run = runs["replay"]
    assert run["exit"] == 1  # the test errors; pytest's exit code for failed tests
    errors = [line for line in run["stdout"].splitlines() if line.startswith("CassetteError: ")]
    assert len(errors) == 1, run["stdout"]
    assert "test_bomb.yaml:4: YAML anchors and aliases are refused" in errors[0]
    assert "Traceback" not in run["stdout"]
    assert run["peak_rss_mb"] < MEMORY_CAP_MB
