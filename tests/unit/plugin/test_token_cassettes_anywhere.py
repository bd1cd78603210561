"""Token cassettes are keyed by what a request means (kind and token host), not by who made it.

A set recorded with one team's credentials replays with none set (CI under ``env -i``) and with
someone else's; profiles that share credentials, or not, replay in any order.
"""

from __future__ import annotations

import pytest

TESTS = """
import pytest

@pytest.mark.kpn(profile="sandbox")
def test_sandbox(kpn_token):
    assert kpn_token()

@pytest.mark.kpn(profile="things")
def test_things(kpn_client):
    accept = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
    assert kpn_client().get("/api/devices", headers=accept).status_code == 200

@pytest.mark.kpn(profile="project")
def test_project(kpn_token):
    assert kpn_token()
"""

RECORDER = {
    "KPN_SANDBOX_CLIENT_ID": "recorder-sandbox-client-id-1234",
    "KPN_SANDBOX_CLIENT_SECRET": "recorder-sandbox-secret-5678",
    "KPN_GRIP_TENANT_ID": "recorder-tenant-0000-1111",
    "KPN_GRIP_CLIENT_ID": "recorder-grip-key-id-2222",
    "KPN_GRIP_CLIENT_SECRET": "recorder-grip-key-secret-3333",
}
OTHER = {name: value.replace("recorder", "someone-else") for name, value in RECORDER.items()}


def _clear_kpn_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("KPN_"):
            monkeypatch.delenv(name)


def _record(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_tokens=TESTS)
    _clear_kpn_env(monkeypatch)
    for name, value in RECORDER.items():
        monkeypatch.setenv(name, value)  # the emulator the plugin starts accepts these, as a live run would
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--kpn-target", "emulator", "--kpn-record-mode", "rewrite",
        "--kpn-cassettes", "cassettes",
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    _clear_kpn_env(monkeypatch)


def test_token_cassettes_are_named_by_kind_and_host_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(pytester, monkeypatch)
    tokens = sorted(p.name for p in (pytester.path / "cassettes" / "tokens").iterdir())
    assert tokens == ["api-store-api-prd.kpn.com.yaml", "grip-auth.grip-on-it.com.yaml"]
    text = (pytester.path / "cassettes" / "tokens" / tokens[0]).read_text()
    assert "- project\n  - sandbox" in text  # both API Store profiles share the file
    for value in RECORDER.values():
        assert value not in text


def test_a_recording_replays_with_no_or_other_credentials_in_any_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(pytester, monkeypatch)
    replay = ("-p", "no:cacheprovider", "--kpn-cassettes", "cassettes")
    pytester.runpytest_subprocess(*replay).assert_outcomes(passed=3)  # no KPN_* variable at all
    for name, value in OTHER.items():
        monkeypatch.setenv(name, value)
    pytester.runpytest_subprocess(*replay).assert_outcomes(passed=3)  # someone else's credentials
    # Profiles sharing the token file replay alone, whichever asks first.
    pytester.runpytest_subprocess(*replay, "test_tokens.py::test_project").assert_outcomes(passed=1)
