"""Every emulator fault against the token endpoints (gateway and GRIP) and an API endpoint.

Each case drives a real KPNSession against a real EmulatorServer, with a 0.5 s timeout and a fast
retry policy (3 attempts), and expects one of two outcomes, chosen per case:

* RECOVERS: the call succeeds, and the faulty endpoint was asked exactly N times;
* FAILS: a clear error (TokenError, an httpx error carrying the request, or a ContractViolation
  naming the operation) arrives, after at most the policy's attempts, within a bounded time.

Every case runs under a hard deadline: a hang fails the test instead of blocking the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kpn_contract.emulator import EmulatorServer
from kpn_contract.errors import ContractViolation, TokenError
from kpn_contract.session.kpn_session import KPNSession

from .conftest import FAST_RETRY, SHORT_TIMEOUT, fast_session, within_deadline

DEVICES_JSON = "application/vnd.kpnthings.device.v1.response+json"
PARLEY_CONFIG = "https://api-prd.kpn.com/communication/parley/secure-messenger/config"
GATEWAY_TOKEN = "POST /oauth/client_credential/accesstoken"
GRIP_TOKEN = "POST /v2/{tenantId}/oidc/idp/c1/token"
DEVICES = "GET /api/devices"
# The longest a failing case may take: every attempt timing out, plus the largest backoff between them.
FAIL_BOUND = FAST_RETRY.attempts * SHORT_TIMEOUT + (FAST_RETRY.attempts - 1) * FAST_RETRY.maximum + 2.0


@dataclass(frozen=True)
class Endpoint:
    rule: str  # the fault rule's endpoint
    counted_as: str  # its key in /_emulator/stats
    profile: str  # the profile whose API call reaches it
    operation: str  # the operationId a ContractViolation names
    is_token: bool


ENDPOINTS = {
    "gateway-token": Endpoint(GATEWAY_TOKEN, GATEWAY_TOKEN, "sandbox", "getApiStoreToken", is_token=True),
    "grip-token": Endpoint(
        "POST /v2/*/oidc/idp/c1/token", GRIP_TOKEN, "things", "getGripToken", is_token=True
    ),
    "api-devices": Endpoint(DEVICES, DEVICES, "things", "listDevices", is_token=False),
}


@dataclass(frozen=True)
class Case:
    fault: str  # the command-line form after "ENDPOINT="
    recovers: bool
    attempts: int  # requests the faulty endpoint sees
    validate: bool = True
    twice: bool = False  # call, wait past the early expiry, call again


# One case per fault kind and endpoint; "-always" cases show the retries are bounded.
CASES: dict[str, Case] = {
    "latency": Case("latency:1.0:times=1", recovers=True, attempts=2),
    "5xx": Case("503:times=2", recovers=True, attempts=3),
    "reset": Case("reset:times=2", recovers=True, attempts=3),
    "malformed-json": Case("malformed-json:times=1", recovers=False, attempts=1),
    "html": Case("html:502:times=2", recovers=True, attempts=3),
    "truncated": Case("truncated:times=2", recovers=True, attempts=3),
    "expire-early": Case("expire-early:0.3", recovers=True, attempts=2, twice=True),
    "429-retry-after": Case("429:retry-after=1:times=1", recovers=True, attempts=2),
    "5xx-always": Case("503", recovers=False, attempts=FAST_RETRY.attempts),
    "reset-always": Case("reset", recovers=False, attempts=FAST_RETRY.attempts),
    "latency-always": Case("latency:1.0", recovers=False, attempts=FAST_RETRY.attempts),
    "html-always": Case("html:502", recovers=False, attempts=FAST_RETRY.attempts),
}


def call_api(session: KPNSession, profile: str) -> httpx.Response:
    """One authenticated, validated API call of ``profile`` (it fetches the token first when needed)."""
    with session.client(profile) as client:
        if profile == "things":
            return client.get("/api/devices", headers={"Accept": DEVICES_JSON})
        return client.get(PARLEY_CONFIG, headers={"uniqueAppDeviceId": "fault-matrix-device"})  # required


def expire_early_action(session: KPNSession, profile: str) -> httpx.Response:
    call_api(session, profile)
    time.sleep(0.5)  # past the 0.3 s the fault gives the token
    return call_api(session, profile)


def stats(emulator: EmulatorServer) -> dict[str, int]:
    return emulator.stats()["requests"]


def assert_clear_error(error: BaseException, endpoint: Endpoint, case: Case) -> None:
    """The error names the profile, the operation or the request that failed."""
    if isinstance(error, TokenError):
        assert endpoint.is_token
        assert f"profile {endpoint.profile!r}" in error.message
        assert error.hint, "a TokenError must carry KPN's documented hint"
    elif isinstance(error, ContractViolation):
        assert endpoint.operation in str(error)
    elif isinstance(error, httpx.HTTPError):
        assert not endpoint.is_token, "token transport errors must become a TokenError"
        assert error.request.url.path == "/api/devices"
    else:
        pytest.fail(f"{case.fault} on {endpoint.rule} gave an unclear error: {type(error).__name__}: {error}")


@pytest.mark.parametrize("endpoint_id", list(ENDPOINTS))
@pytest.mark.parametrize("case_id", list(CASES))
def test_fault_recovers_or_fails_clearly(
    emulator: EmulatorServer, tmp_path: Path, endpoint_id: str, case_id: str
) -> None:
    endpoint, case = ENDPOINTS[endpoint_id], CASES[case_id]
    emulator.reset()
    emulator.add_fault_rule(f"{endpoint.rule}={case.fault}")
    session = fast_session(emulator.base_url, tmp_path, validate=case.validate)
    action: Callable[[], httpx.Response] = (
        (lambda: expire_early_action(session, endpoint.profile))
        if case.twice
        else (lambda: call_api(session, endpoint.profile))
    )
    started = time.monotonic()
    try:
        if case.recovers:
            response = within_deadline(action)
            assert response.status_code == 200
        else:
            with pytest.raises((TokenError, ContractViolation, httpx.HTTPError)) as info:
                within_deadline(action)
            assert_clear_error(info.value, endpoint, case)
            assert time.monotonic() - started < FAIL_BOUND
    finally:
        session.close()
    elapsed = time.monotonic() - started
    counts = stats(emulator)
    if case.twice and not endpoint.is_token:
        # The endpoint rejects the aged token once (a 302), KPNAuth renews it and asks again.
        assert counts[endpoint.counted_as] == 3
        assert counts[GRIP_TOKEN] == case.attempts
    else:
        assert counts[endpoint.counted_as] == case.attempts
    if case_id == "429-retry-after":
        assert elapsed >= 1.0, "the Retry-After of 1 s was not honoured"


@pytest.mark.parametrize("endpoint_id", ["gateway-token", "grip-token"])
def test_malformed_token_without_validation_is_a_token_error(
    emulator: EmulatorServer, tmp_path: Path, endpoint_id: str
) -> None:
    """Without validation, the token parser itself reports the broken body (and it is not retried)."""
    endpoint = ENDPOINTS[endpoint_id]
    emulator.reset()
    emulator.add_fault_rule(f"{endpoint.rule}=malformed-json:times=1")
    session = fast_session(emulator.base_url, tmp_path, validate=False)
    try:
        with pytest.raises(TokenError) as info:
            within_deadline(lambda: session.token(endpoint.profile))
    finally:
        session.close()
    assert f"profile {endpoint.profile!r}" in info.value.message
    assert "JSON" in info.value.message or "access_token" in info.value.message
    assert stats(emulator)[endpoint.counted_as] == 1


@pytest.mark.parametrize("fault", ["503", "reset", "html:502", "429:retry-after=0"])
def test_a_post_api_call_is_never_retried(emulator: EmulatorServer, tmp_path: Path, fault: str) -> None:
    """KPN may have acted on a POST before the fault: the downlink is sent exactly once."""
    emulator.reset()
    emulator.add_fault_rule(f"POST /api/actuator/downlinks={fault}")
    session = fast_session(emulator.base_url, tmp_path)
    try:
        with session.client("things", validate=False) as client:
            body = {"urn": "urn:dev:DEVEUI:0000000000000001:"}
            if fault == "reset":
                with pytest.raises(httpx.TransportError) as info:
                    within_deadline(lambda: client.post("/api/actuator/downlinks", json=body))
                assert info.value.request.url.path == "/api/actuator/downlinks"
            else:
                response = within_deadline(lambda: client.post("/api/actuator/downlinks", json=body))
                assert response.status_code >= 429
    finally:
        session.close()
    assert stats(emulator)["POST /api/actuator/downlinks"] == 1


@pytest.mark.parametrize(
    ("profile", "variable", "counted_as"),
    [
        ("sandbox", "KPN_SANDBOX_CLIENT_SECRET", GATEWAY_TOKEN),
        ("things", "KPN_GRIP_CLIENT_SECRET", GRIP_TOKEN),
    ],
)
def test_a_credential_error_is_never_retried(
    emulator: EmulatorServer, tmp_path: Path, profile: str, variable: str, counted_as: str
) -> None:
    """A 4xx from the token endpoint does not heal by asking again: one request, one TokenError."""
    emulator.reset()
    wrong = "wrong-secret-for-the-fault-matrix"
    session = fast_session(emulator.base_url, tmp_path, env={variable: wrong})
    try:
        with pytest.raises(TokenError) as info:
            within_deadline(lambda: session.token(profile))
    finally:
        session.close()
    assert stats(emulator)[counted_as] == 1
    assert info.value.status in (400, 401)
    assert variable in info.value.message or "API Key" in info.value.message
    assert wrong not in info.value.message


def test_the_deadline_guard_itself_fails_a_hang() -> None:
    """The guard every case relies on: a call that never returns fails, it does not block the run."""
    from .conftest import HungError

    with pytest.raises(HungError):
        within_deadline(lambda: time.sleep(5), seconds=0.2)
