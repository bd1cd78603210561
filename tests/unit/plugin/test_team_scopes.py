"""A grip profile's ``scopes`` limit the tokens the emulator issues to it; ``access`` names extra scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.config import _demo
from kpn_contract.config.profiles import DEFAULT_PROFILES, Profile
from kpn_contract.emulator import EmulatorSettings

TEAM = """
[profiles.team-reader]
kind = "grip"
tenant_id_env = "TEAM_GRIP_TENANT"
client_id_env = "TEAM_GRIP_KEY_ID"
client_secret_env = "TEAM_GRIP_KEY_SECRET"
scopes = ["project.read"]
"""
DEVICES = "application/json"  # the new API's Accept (the beta's vendor type is refused)


def test_a_team_profile_with_project_read_is_refused_devices_and_the_demo_profile_is_not(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".toml", **{"kpn-contract": TEAM})
    pytester.makepyfile(
        f"""
        import pytest
        from kpn_contract.errors import MissingScopeError

        @pytest.mark.kpn(profile="team-reader")
        def test_reader(kpn_client):
            assert kpn_client().get("/projects").status_code == 200
            with pytest.raises(MissingScopeError, match="lacks the scope device.read"):
                kpn_client().get("/devices")

        @pytest.mark.kpn(profile="things")
        def test_things_keeps_every_scope(kpn_client):
            assert kpn_client().get("/devices", headers={{"Accept": "{DEVICES}"}}).status_code == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--kpn-target", "emulator")
    result.assert_outcomes(passed=2)


def _grip(name: str, scopes: tuple[str, ...], key_env: str = "TEAM_KEY") -> Profile:
    return Profile(name, "grip", client_id_env=key_env, client_secret_env="TEAM_SECRET",
                   tenant_id_env="TEAM_TENANT", scopes=scopes)  # fmt: skip


def test_a_key_is_limited_only_when_every_profile_using_it_declares_scopes() -> None:
    env = {
        "TEAM_KEY": "team-key-id-00000001",
        "TEAM_SECRET": "team-key-secret-0001",
        "TEAM_TENANT": "t-000001",
    }
    settings = EmulatorSettings.from_environment(
        env,
        profiles=[_grip("a", ("project.read",)), _grip("b", ("device.read",)), *DEFAULT_PROFILES.values()],
    )
    key = settings.grip_keys["team-key-id-00000001"]
    assert key.scopes == frozenset({"project.read", "device.read"})
    assert (key.secret, key.tenant_id) == ("team-key-secret-0001", "t-000001")
    # The demo key, shared with the default profiles (no scopes), keeps every scope.
    shared = EmulatorSettings.from_environment(
        {}, profiles=[_grip("c", ("project.read",), key_env="KPN_GRIP_CLIENT_ID"), *DEFAULT_PROFILES.values()]
    )
    assert shared.grip_keys[_demo.GRIP_CLIENT_ID].scopes is None
    # With its variables unset, a scoped profile gets a scoped demo key of its own.
    alone = EmulatorSettings.from_environment({}, profiles=[_grip("d", ("project.read",))])
    assert alone.grip_keys[_demo.scoped_demo_client_id(("project.read",))].scopes == frozenset(
        {"project.read"}
    )


def test_access_reports_extra_scopes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli_runner import run_cli

    config = tmp_path / "kpn-contract.toml"
    config.write_text('[profiles.things]\nscopes = ["project.read"]\n', encoding="utf-8")
    # `things` uses the demo key, shared with things-subcustomer (no scopes): every scope is carried.
    code, out, _ = run_cli(["--config", str(config), "access", "--profile", "things", "--target", "emulator"],
                           capsys)  # fmt: skip
    assert code == 0
    assert "project.read: all carried; EXTRA (not declared) " in out
    assert "device.read" in out.split("EXTRA (not declared)")[1].splitlines()[0]
    config.write_text(TEAM, encoding="utf-8")
    reader = ["access", "--profile", "team-reader", "--target", "emulator"]
    code, out, _ = run_cli(["--config", str(config), *reader], capsys)
    assert code == 0
    assert "project.read: all carried; no extra scope" in out
