"""The built wheel, not only the source tree: contracts, typing marker, entry points, lookups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


# Set by tests/against_wheel.py (`make test-wheel`): the wheel that run installed, checked here too.
WHEEL_UNDER_TEST = "WHEEL_RUN_WHEEL"


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if WHEEL_UNDER_TEST in os.environ:
        return Path(os.environ[WHEEL_UNDER_TEST])
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: the build backend is a dev dependency, so nothing is downloaded.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-qw", str(out), "."],
        cwd=repo_root,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("kpn_contract-*.whl")
    return built


def test_wheel_carries_contracts_typing_marker_and_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "kpn_contract/py.typed" in names
    for contract in (
        "kpn-things/kpn-things-beta.yaml",
        "kpn-things/devices.yaml",
        "rules.yaml",
        "grip-token.yaml",
        "kpn-api-store-gateway-token.yaml",
    ):
        assert f"kpn_contract/_specs/{contract}" in names
    assert "[pytest11]" in entry_points
    assert "kpn_contract = kpn_contract.pytest.plugin" in entry_points
    assert "kpn-contract = kpn_contract.cli.main:main" in entry_points


def test_installed_package_finds_its_contracts(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    code = (
        "import json; from kpn_contract.contract.specs import bundled_spec_dir, project_index; "
        "d = bundled_spec_dir(); print(json.dumps([str(d), len(project_index(d).operations)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec_dir, operations = json.loads(out)
    assert spec_dir == str(tmp_path / "kpn_contract" / "_specs")
    assert operations > 30
