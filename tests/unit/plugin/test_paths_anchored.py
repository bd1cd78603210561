"""Cassettes are anchored at the config file: replay finds them from any folder of the project.

A project scaffolded by ``kpn-contract init`` (a ``kpn-contract.toml``, no pytest settings) records
from its root, then replays from the root, from ``tests/contract/`` and from the folder above
(``pytest team/tests/contract``), with no ``KPN_*`` variable set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpn_contract.cli.scaffold import init_project


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("KPN_", "PYTEST_"))}
    env["PYTEST_ADDOPTS"] = "-o asyncio_default_fixture_loop_scope=function"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team project recorded once against the emulator; the tests below only replay from it."""
    project = tmp_path_factory.mktemp("anchored") / "team"
    project.mkdir()
    init_project(project)
    recorded = _pytest(project, "--kpn-target", "emulator", "--kpn-record-mode", "once")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    return project


def test_replay_finds_the_same_cassettes_from_every_folder(team: Path) -> None:
    written = sorted(p.relative_to(team).as_posix() for p in (team / "cassettes").rglob("*.yaml"))
    smoke = "cassettes/contract/test_kpn_smoke"
    assert f"{smoke}/test_kpn_things_lists_devices_within_its_contract.yaml" in written
    for cwd, args in (
        (team, ()),
        (team / "tests" / "contract", ()),
        (team.parent, ("team/tests/contract",)),
        (team.parent, ("team/tests/contract/test_kpn_smoke.py",)),
    ):
        replayed = _pytest(cwd, *args)
        assert replayed.returncode == 0, (cwd, args, replayed.stdout[-3000:])
        assert "2 passed" in replayed.stdout
    # Nothing new was written: replay found the recordings, it did not need new ones.
    after = sorted(p.relative_to(team).as_posix() for p in (team / "cassettes").rglob("*.yaml"))
    assert after == written


def test_a_relative_kpn_cassettes_is_relative_to_where_pytest_ran(team: Path) -> None:
    inside = team / "tests" / "contract"
    replayed = _pytest(inside, "--kpn-cassettes", "../../cassettes")
    assert replayed.returncode == 0, replayed.stdout[-3000:]
    missing = _pytest(inside, "--kpn-cassettes", "cassettes")
    assert missing.returncode == 1
    assert "cassette:  cassettes/tokens/" in missing.stdout  # shown relative to where pytest ran
    assert "(does not exist)" in missing.stdout
