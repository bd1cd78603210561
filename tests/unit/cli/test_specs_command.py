"""``kpn-contract specs`` on the KPN Things folder: every operation listed with its scopes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kpn_contract.cli.main import main

KPN_CONTRACT = str(
    Path(sys.executable).with_name("kpn-contract.exe" if sys.platform == "win32" else "kpn-contract")
)
# Operations per file of the new API (THINGS-DECISIONS.md), and the beta's three.
OPERATIONS = {
    "devices.yaml": 11,
    "device-groups.yaml": 4,
    "projects.yaml": 2,
    "downlinks.yaml": 2,
    "lora-downlinks.yaml": 2,
    "mqtt-downlinks.yaml": 2,
    "lora-bindings.yaml": 1,
    "http-bindings.yaml": 1,
    "mqtt-bindings.yaml": 1,
    "kpn-things-beta.yaml": 3,
}


@pytest.fixture
def things_folder(repo_root: Path, tmp_path: Path) -> Path:
    """A copy of specs/kpn-things with a migration map beside the specs, as the migration work adds one."""
    folder = tmp_path / "kpn-things"
    shutil.copytree(repo_root / "specs" / "kpn-things", folder)
    (folder / "migrations").mkdir(exist_ok=True)
    (folder / "migrations" / "beta-to-new.yaml").write_text(
        "version: 1\noperations:\n  - {beta: GET /api/devices, new: GET /devices}\n", encoding="utf-8"
    )
    return folder


def test_json_lists_every_operation_with_its_scopes(things_folder: Path) -> None:
    result = subprocess.run(
        [KPN_CONTRACT, "specs", str(things_folder), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    listed = {Path(s["path"]).name: s for s in json.loads(result.stdout)["specs"]}
    assert {name: s["operations"] for name, s in listed.items()} == OPERATIONS
    assert all(s["warnings"] == [] for s in listed.values())
    beta = listed.pop("kpn-things-beta.yaml")
    assert beta["scopes"] == {
        "GET /api/devices": [],
        "POST /api/v1/lifecycle/clients/{customerId}/context-switch": [],
        "POST /api/actuator/downlinks": [],
    }
    scopes = {op: s for spec in listed.values() for op, s in spec["scopes"].items()}
    assert len(scopes) == 26
    assert all(len(s) == 1 for s in scopes.values())
    assert scopes["GET /devices"] == ["device.read"]
    assert scopes["GET /projects/{projectId}"] == ["project.read"]
    assert scopes["POST /device-groups/{deviceGroupId}/devices"] == ["device-group.write"]
    assert scopes["GET /mqtt/bindings"] == ["connector-binding.read"]
    assert Counter(s[0] for s in scopes.values()) == {
        "device.read": 4,
        "device.write": 7,
        "device-group.read": 2,
        "device-group.write": 2,
        "project.read": 2,
        "downlink.read": 3,
        "downlink.write": 3,
        "connector-binding.read": 3,
    }


def test_text_output_shows_scopes_under_each_spec(
    things_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["specs", str(things_folder / "projects.yaml"), str(things_folder / "kpn-things-beta.yaml")])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:4] == [
        "  base URL: https://api.kpnthings.com",
        "  GET /projects  scopes: project.read",
        "  GET /projects/{projectId}  scopes: project.read",
    ]
    assert "  GET /api/devices  scopes: -" in lines
    assert lines[-1] == "2 specs, 5 operations"


def test_the_migration_map_is_an_error_only_when_named(
    things_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["specs", str(things_folder / "migrations" / "beta-to-new.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no 'openapi' or 'swagger' version key" in err[0]
