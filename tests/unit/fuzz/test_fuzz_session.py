"""Which target the pytest fuzz session picks, from the run's settings and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.config.profiles import load_config
from kpn_contract.config.run_settings import SessionOptions, options_from_sources
from kpn_contract.errors import UsageError
from kpn_contract.fuzz import open_fuzz_session
from kpn_contract.transport.routing import Target


@pytest.mark.parametrize(
    ("run_target", "env_target", "expected"),
    [
        ("live", None, "live"),
        ("live", "emulator", "live"),  # --kpn-target live wins over the environment
        ("replay", None, "emulator"),  # fuzzing cannot replay: the loopback emulator it is
        ("emulator", None, "emulator"),
        ("replay", "live", "live"),
    ],
)
def test_target_choice(run_target: Target, env_target: str | None, expected: str) -> None:
    env = {} if env_target is None else {"KPN_FUZZ_TARGET": env_target}
    session = open_fuzz_session(SessionOptions(target=run_target, emulator_url="http://127.0.0.1:2"), env=env)
    try:
        assert session.target == expected
    finally:
        session.close()


def test_the_emulator_url_is_the_run_setting(tmp_path: Path) -> None:
    # KPN_EMULATOR_URL is read once, by options_from_sources, like every other run setting.
    (tmp_path / "pyproject.toml").write_text('[tool.kpn_contract]\ntarget = "emulator"\n', encoding="utf-8")
    env = {"KPN_EMULATOR_URL": "http://127.0.0.1:1"}
    from_env = options_from_sources(cli={}, ini={}, config=load_config(start=tmp_path), env=env)
    from_option = options_from_sources(
        cli={"emulator_url": "http://127.0.0.1:2"}, ini={}, config=load_config(start=tmp_path), env=env
    )
    for options, expected in ((from_env, "http://127.0.0.1:1"), (from_option, "http://127.0.0.1:2")):
        session = open_fuzz_session(options, env={})
        try:
            assert (session.target, session.emulator_url) == ("emulator", expected)
        finally:
            session.close()


def test_the_session_reads_profiles_from_the_run_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The profile exists only in the run's configuration, not in the current folder's.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kpn_contract.profiles.mine]\nkind = "grip"\nclient_id_env = "MINE_ID"\n'
        'client_secret_env = "MINE_SECRET"\ntenant_id_env = "MINE_TENANT"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path.parent)
    options = SessionOptions(target="emulator", emulator_url="http://127.0.0.1:2")
    session = open_fuzz_session(options, config=load_config(start=tmp_path), env={})
    try:
        session.schema("things", profile="mine")  # from the current folder: ConfigError, unknown profile
        assert len(session.auths) == 1
    finally:
        session.close()


def test_an_unknown_environment_target_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="staging"):
        open_fuzz_session(SessionOptions(), env={"KPN_FUZZ_TARGET": "staging"})
