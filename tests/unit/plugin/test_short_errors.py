"""A request violation or a token error reads as its message plus the test's own line, in pytest."""

from __future__ import annotations

import pytest

from kpn_contract.config import _demo

TESTS = """
import pytest

@pytest.mark.kpn(profile="things")
def test_bad_request(kpn_client):
    kpn_client().get("/devices", params={"limit": "many"})

@pytest.mark.kpn(profile="noservice")
def test_token_error(kpn_client):
    kpn_client().get("/devices")

def test_own_assert_keeps_its_frames():
    def helper():
        assert 1 == 2
    helper()
"""
NO_SERVICE = """
[profiles.noservice]
kind = "grip"
tenant_id_env = "KPN_GRIP_TENANT_ID"
client_id_env = "NOSERVICE_ID"
client_secret_env = "NOSERVICE_SECRET"
"""


def _block(output: str, name: str) -> list[str]:
    text = output.split(f"_ {name} _", 1)[1]
    text = text.split("\n___", 1)[0].split("\n===", 1)[0]
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def failures(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makefile(".toml", **{"kpn-contract": NO_SERVICE})
    pytester.makepyfile(test_short=TESTS)
    monkeypatch.setenv("NOSERVICE_ID", _demo.GRIP_NO_SERVICE_CLIENT_ID)
    monkeypatch.setenv("NOSERVICE_SECRET", _demo.GRIP_NO_SERVICE_CLIENT_SECRET)
    return pytester


def test_toolkit_errors_show_the_message_and_the_tests_line(failures: pytest.Pytester) -> None:
    result = failures.runpytest_subprocess("-p", "no:cacheprovider", "--kpn-target", "emulator")
    result.assert_outcomes(failed=3)
    out = result.stdout.str()
    request = _block(out, "test_bad_request")
    assert len(request) <= 8, "\n".join(request)
    assert any(line.startswith(">") and 'get("/devices"' in line for line in request)
    assert any("RequestViolation: 1 contract violation(s) in the request GET" in line for line in request)
    assert request[-1].endswith("test_short.py:5: RequestViolation")
    token = _block(out, "test_token_error")
    assert len(token) <= 8, "\n".join(token)
    assert any("TokenError: profile 'noservice': GRIP refused the token request" in line for line in token)
    for line in request + token:
        assert "httpx" not in line
        assert "kpn_contract/" not in line
    # A user's own failure keeps every frame of its own.
    assert "def helper():" in "\n".join(_block(out, "test_own_assert_keeps_its_frames"))


def test_fulltrace_shows_every_frame(failures: pytest.Pytester) -> None:
    result = failures.runpytest_subprocess(
        "-p", "no:cacheprovider", "--kpn-target", "emulator", "--fulltrace", "-k", "bad_request"
    )
    result.assert_outcomes(failed=1)
    assert "httpx/_client.py" in result.stdout.str()
