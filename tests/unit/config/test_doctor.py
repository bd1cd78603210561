"""``kpn-contract doctor``: the config, folders, profiles and run settings of a run here, never a value."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.cli.main import main
from kpn_contract.config.doctor import diagnose, pytest_ini_file
from kpn_contract.config.profiles import load_config
from kpn_contract.redact import forget_secrets

CONFIG = """\
[tool.kpn_contract]
cassette_dir = "recordings"
report_dir = "out/reports"
target = "emulator"
record_mode = "once"

[tool.kpn_contract.profiles.team]
kind = "api-store"
client_id_env = "TEAM_CLIENT_ID"
client_secret_env = "TEAM_CLIENT_SECRET"

[tool.kpn_contract.profiles.pasted]
kind = "api-store"
client_id_env = "{pasted}"
client_secret_env = "TEAM_CLIENT_SECRET"
"""


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    values = {
        "TEAM_CLIENT_ID": "planted-id-" + secrets.token_urlsafe(16),
        "TEAM_CLIENT_SECRET": "planted-secret-" + secrets.token_urlsafe(16),
        "KPN_GRIP_CLIENT_SECRET": "planted-grip-" + secrets.token_urlsafe(16),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KPN_TARGET", raising=False)
    # A secret pasted where a variable name belongs: the profile's problem must not echo it.
    values["pasted"] = "pasted-" + secrets.token_urlsafe(16) + "!"
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(pasted=values["pasted"]), encoding="utf-8")
    (tmp_path / "recordings").mkdir()
    monkeypatch.chdir(tmp_path)
    yield values
    forget_secrets()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_doctor_shows_every_setting_and_no_value(
    planted: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code = main(["doctor", "--format", fmt])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    for value in planted.values():
        assert value not in output
    assert code == 2  # the pasted profile is a problem
    for shown in (
        str(tmp_path / "pyproject.toml"),
        str(tmp_path / "recordings"),
        str(tmp_path / "out" / "reports"),
        "TEAM_CLIENT_ID",
        "TEAM_CLIENT_SECRET",
        "KPN_GRIP_CLIENT_SECRET",
        "KPN_SANDBOX_CLIENT_ID",
        "emulator",
        "once",
    ):
        assert shown in output, shown


def test_doctor_json_says_which_variables_are_set_and_where_each_setting_came_from(
    planted: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["doctor", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    profiles = {profile["name"]: profile for profile in report["profiles"]}
    assert profiles["team"]["variables"] == {"TEAM_CLIENT_ID": True, "TEAM_CLIENT_SECRET": True}
    assert profiles["sandbox"]["variables"] == {
        "KPN_SANDBOX_CLIENT_ID": False,
        "KPN_SANDBOX_CLIENT_SECRET": False,
    }
    assert profiles["things"]["variables"]["KPN_GRIP_CLIENT_SECRET"] is True
    assert profiles["pasted"]["variables"] == {}
    assert "environment-variable name" in profiles["pasted"]["problem"]
    assert (report["target"], report["target_source"]) == ("emulator", "[tool.kpn_contract] target")
    assert (report["record_mode"], report["record_mode_source"]) == (
        "once",
        "[tool.kpn_contract] record_mode",
    )
    folders = {folder["name"]: folder for folder in report["folders"]}
    assert folders["cassettes"]["exists"] is True
    assert folders["reports"]["exists"] is False
    assert folders["specs"]["path"] is None  # the bundled specs
    assert report["config"] == str(tmp_path / "pyproject.toml")
    assert report["project_root"] == str(tmp_path)


def test_doctor_with_no_config_shows_the_defaults_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPN_TARGET", raising=False)
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 0
    assert "config file:   none found" in out
    assert "target:        replay  (default)" in out
    assert "no problem found" in out


def test_the_pytest_ini_and_the_environment_take_their_place_in_the_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kpn-contract.toml").write_text('target = "emulator"\n', encoding="utf-8")
    monkeypatch.setenv("KPN_TARGET", "live")
    diagnosis = diagnose(load_config(start=tmp_path), start=tmp_path)
    assert (diagnosis.target, diagnosis.target_source) == ("emulator", "[tool.kpn_contract] target")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nkpn_target = replay\nkpn_cassettes = tapes\n", encoding="utf-8"
    )
    diagnosis = diagnose(load_config(start=tmp_path), start=tmp_path)
    assert (diagnosis.target, diagnosis.target_source) == ("replay", "pytest ini kpn_target")
    assert diagnosis.folders[0].path == str(tmp_path / "tapes")
    (tmp_path / "kpn-contract.toml").unlink()
    diagnosis = diagnose(load_config(start=tmp_path), start=tmp_path / "sub")
    assert diagnosis.pytest_ini == str(tmp_path / "pytest.ini")


def test_a_bad_target_or_record_mode_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPN_TARGET", raising=False)
    (tmp_path / "kpn-contract.toml").write_text(
        'target = "staging"\nrecord_mode = "sometimes"\n', encoding="utf-8"
    )
    diagnosis = diagnose(load_config(start=tmp_path), start=tmp_path)
    assert not diagnosis.ok
    assert [problem.split(":")[0] for problem in diagnosis.problems] == [
        "unknown target 'staging'",
        "unknown record mode 'sometimes'",
    ]


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = '-q'\n", True),
        ("pyproject.toml", "[tool.black]\n", False),
        ("tox.ini", "[pytest]\naddopts = -q\n", True),
        ("tox.ini", "[tox]\n", False),
        ("setup.cfg", "[tool:pytest]\naddopts = -q\n", True),
        ("setup.cfg", "[metadata]\n", False),
        (".pytest.ini", "[pytest]\n", True),
    ],
)
def test_the_pytest_ini_file_is_found_as_pytest_finds_it(
    tmp_path: Path, name: str, text: str, found: bool
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "deeper").mkdir()
    assert (pytest_ini_file(tmp_path / "deeper") == tmp_path / name) is found
