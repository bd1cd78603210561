"""Start-up registration: every configured value is known before anything runs; short ones are refused."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import quote

import pytest

from kpn_contract.cli.main import main
from kpn_contract.config.profiles import load_config
from kpn_contract.config.run_settings import SessionOptions
from kpn_contract.config.startup import register_project_secrets, register_startup_secrets
from kpn_contract.emulator import EmulatorSettings
from kpn_contract.errors import ConfigError
from kpn_contract.redact import known_secrets, redact
from kpn_contract.secrets import encoded_forms
from kpn_contract.session.kpn_session import KPNSession

from .conftest import PLANTED_VARIABLES

pytestmark = pytest.mark.usefixtures("clean_secret_registry")

CONFIG = """
[tool.kpn_contract]
secret_env = ["MY_EXTRA_SECRET"]

[tool.kpn_contract.profiles.partner]
kind = "grip"
client_id_env = "PARTNER_KEY_ID"
client_secret_env = "PARTNER_KEY_SECRET"
tenant_id_env = "PARTNER_TENANT"
subcustomer_id_env = "PARTNER_SUBCUSTOMER"
"""
VARIABLES = (
    *PLANTED_VARIABLES,
    "PARTNER_KEY_ID",
    "PARTNER_KEY_SECRET",
    "PARTNER_TENANT",
    "PARTNER_SUBCUSTOMER",
    "MY_EXTRA_SECRET",
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("KPN_")]:
        monkeypatch.delenv(name)
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def planted_env() -> dict[str, str]:
    return {name: f"pl+{name.lower()}/{secrets.token_hex(6)}" for name in VARIABLES}


def test_every_profile_and_secret_env_value_is_registered_at_start_up(project: Path) -> None:
    env = planted_env()
    register_startup_secrets(load_config(start=project), env)
    assert set(env.values()) <= known_secrets()


def test_a_session_registers_profiles_it_never_resolves(project: Path) -> None:
    env = planted_env()
    KPNSession(load_config(start=project), SessionOptions(target="replay"), env=env)
    # No profile was resolved, yet the sub-customer of an unused profile is already redacted.
    assert redact(f"/subcustomers/{env['PARTNER_SUBCUSTOMER']}") == "/subcustomers/REDACTED"
    assert set(env.values()) <= known_secrets()


@pytest.mark.parametrize("variable", ["PARTNER_TENANT", "MY_EXTRA_SECRET", "KPN_THINGS_SUBCUSTOMER_ID"])
def test_a_short_value_is_refused_in_one_line_naming_the_variable(
    variable: str, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = "x7+Q%k"
    monkeypatch.setenv(variable, short)
    assert main(["audit", str(project)]) == 2
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1
    assert variable in err
    assert "shorter than 8 characters" in err
    assert short not in out + err
    with pytest.raises(ConfigError) as info:
        register_project_secrets(start=project)
    assert short not in str(info.value)


def test_a_variable_named_like_a_credential_but_holding_a_number_is_not_refused(project: Path) -> None:
    register_startup_secrets(load_config(start=project), {"KPN_TOKEN_LIFETIME": "3600"})
    assert known_secrets() == frozenset()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('secret_env = "MY_VAR"', "must be a list of environment-variable names"),
        ('secret_env = ["hunter2 = real secret"]', "not an environment-variable name"),
        ("secret_env = [1]", "must be a list of environment-variable names"),
    ],
)
def test_a_bad_secret_env_is_a_one_line_config_error(setting: str, message: str, tmp_path: Path) -> None:
    config = tmp_path / "kpn-contract.toml"
    config.write_text(setting + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(config)
    assert "secret_env" in str(info.value)
    assert "hunter2" not in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_the_plugin_refuses_a_short_secret_before_collection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("KPN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KPN_GRIP_CLIENT_SECRET", "tiny-5")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "kpn_contract" in line]
    assert len(errors) == 1
    assert "KPN_GRIP_CLIENT_SECRET" in errors[0]
    assert "tiny-5" not in "\n".join(result.outlines + result.errlines)


def test_the_emulator_registers_its_own_values_unless_they_are_the_demo_ones() -> None:
    settings = EmulatorSettings.from_environment(
        {
            "KPN_GRIP_TENANT_ID": "tenant-of-a-real-customer",
            "KPN_THINGS_SUBCUSTOMER_ID": "real-sub-customer-7",
        }
    )
    assert {"tenant-of-a-real-customer", "real-sub-customer-7"} <= known_secrets()
    assert "emu-grip-key-id-0001" not in known_secrets()  # the published demo key ID stays readable
    assert settings.tenants == frozenset({"tenant-of-a-real-customer"})


def test_audit_knows_a_secret_env_value_from_the_config(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planted = f"partner key/{secrets.token_hex(8)}"
    monkeypatch.setenv("MY_EXTRA_SECRET", planted)  # not named like a credential: only secret_env says so
    report = project / "report.md"
    report.write_text(f"called /keys/{quote(planted, safe='').lower()}\n", encoding="utf-8")
    assert main(["audit", str(report)]) == 1
    out, err = capsys.readouterr()
    assert f"{report}:1: known secret value (environment variable MY_EXTRA_SECRET)" in out
    assert "[URL-encoded (lowercase hex)]" in out
    assert all(spelling not in out + err for spelling in encoded_forms(planted))
