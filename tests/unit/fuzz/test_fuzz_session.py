"""Which target the pytest fuzz session picks, from --kpn-target and the environment."""

from __future__ import annotations

import pytest

from kpn_contract.errors import UsageError
from kpn_contract.fuzz import open_fuzz_session


@pytest.mark.parametrize(
    ("run_target", "env_target", "expected"),
    [
        ("live", None, "live"),
        ("live", "emulator", "live"),  # --kpn-target live wins over the environment
        ("replay", None, "emulator"),  # fuzzing cannot replay: the loopback emulator it is
        ("emulator", None, "emulator"),
        (None, "live", "live"),
    ],
)
def test_target_choice(
    monkeypatch: pytest.MonkeyPatch, run_target: str | None, env_target: str | None, expected: str
) -> None:
    if env_target is None:
        monkeypatch.delenv("KPN_FUZZ_TARGET", raising=False)
    else:
        monkeypatch.setenv("KPN_FUZZ_TARGET", env_target)
    session = open_fuzz_session(run_target=run_target)
    try:
        assert session.target == expected
    finally:
        session.close()


def test_a_running_emulator_is_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPN_EMULATOR_URL", "http://127.0.0.1:1")
    session = open_fuzz_session(run_target="emulator", emulator_url="http://127.0.0.1:2")
    try:
        assert session.emulator_url == "http://127.0.0.1:2"  # the plugin's URL beats the environment
    finally:
        session.close()


def test_an_unknown_environment_target_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPN_FUZZ_TARGET", "staging")
    with pytest.raises(UsageError, match="staging"):
        open_fuzz_session()
