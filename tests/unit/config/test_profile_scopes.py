"""A grip profile may declare the scopes it expects its tokens to carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.config.profiles import DEFAULT_PROFILES, load_config
from kpn_contract.errors import ConfigError

GRIP = (
    '[profiles.reader]\nkind = "grip"\nclient_id_env = "A_ID"\nclient_secret_env = "A_KEY"\n'
    'tenant_id_env = "T"\n'
)


def test_scopes_are_read_and_default_to_none(tmp_path: Path) -> None:
    (tmp_path / "kpn-contract.toml").write_text(GRIP + 'scopes = ["project.read", " device.read "]\n')
    config = load_config(start=tmp_path)
    assert config.profile("reader").scopes == ("project.read", "device.read")
    assert DEFAULT_PROFILES["things"].scopes == ()


def test_a_default_profile_gains_scopes(tmp_path: Path) -> None:
    (tmp_path / "kpn-contract.toml").write_text('[profiles.things]\nscopes = ["device.read"]\n')
    things = load_config(start=tmp_path).profile("things")
    assert things.scopes == ("device.read",)
    assert things.client_id_env == DEFAULT_PROFILES["things"].client_id_env


@pytest.mark.parametrize("value", ['"device.read"', "[1]", '[""]', "{a = 1}"])
def test_scopes_must_be_a_list_of_names(tmp_path: Path, value: str) -> None:
    (tmp_path / "kpn-contract.toml").write_text(GRIP + f"scopes = {value}\n")
    config = load_config(start=tmp_path)  # a bad profile fails only when it is used
    assert "reader" in config.problems
    with pytest.raises(ConfigError) as info:
        config.profile("reader")
    assert info.value.field == "scopes"
    assert "must be a list of scope names" in str(info.value)
    assert "\n" not in str(info.value)


def test_scopes_are_for_grip_profiles_only(tmp_path: Path) -> None:
    (tmp_path / "kpn-contract.toml").write_text('[profiles.sandbox]\nscopes = ["device.read"]\n')
    config = load_config(start=tmp_path)
    with pytest.raises(ConfigError, match=r"'scopes'.*grip profiles only") as info:
        config.profile("sandbox")
    assert "\n" not in str(info.value)
