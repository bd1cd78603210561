"""The auth layer against the real loopback emulator: token reuse, renewal, documented errors, faults."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from kpn_contract.auth import KPNAuth, Token, TokenCache, provider_for, request_access_rights
from kpn_contract.config import _demo
from kpn_contract.config.profiles import DEFAULT_PROFILES, Credentials, Profile, resolve_credentials
from kpn_contract.errors import TokenError
from kpn_contract.transport.retry import RetryPolicy

if TYPE_CHECKING:  # importorskip returns a bare module: mypy needs the real one for the annotations
    import kpn_contract.emulator as emulator_module
else:
    emulator_module = pytest.importorskip("kpn_contract.emulator")

DEVICES = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
GATEWAY_TOKEN = "POST /oauth/client_credential/accesstoken"
GRIP_TOKEN = "POST /v2/{tenantId}/oidc/idp/c1/token"


@pytest.fixture(scope="module")
def emulator() -> Iterator[emulator_module.EmulatorServer]:
    with emulator_module.EmulatorServer(emulator_module.EmulatorSettings()) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(emulator: emulator_module.EmulatorServer) -> None:
    emulator.reset()


def at(emulator: emulator_module.EmulatorServer, name: str) -> Profile:
    """A default profile pointed at the emulator."""
    profile = DEFAULT_PROFILES[name]
    path = httpx.URL(profile.token_url.replace("{tenant_id}", "TENANT")).path.replace("TENANT", "{tenant_id}")
    return dataclasses.replace(
        profile, token_url=emulator.base_url + path, base_url=emulator.base_url, timeout=5.0
    )


def demo(profile: Profile, **overrides: str) -> Credentials:
    return dataclasses.replace(resolve_credentials(profile, {}, demo_fallback=True), **overrides)


def client_for(profile: Profile, creds: Credentials, *, retry: RetryPolicy | None = None) -> httpx.Client:
    provider = provider_for(profile, creds, retry=retry)
    auth = KPNAuth(provider, TokenCache(margin=profile.expiry_margin), subcustomer_id=creds.subcustomer_id)
    return httpx.Client(base_url=profile.base_url, auth=auth, headers=DEVICES, timeout=profile.timeout)


def test_hundred_calls_one_token_request(emulator: emulator_module.EmulatorServer) -> None:
    profile = at(emulator, "things")
    with client_for(profile, demo(profile)) as client:
        statuses = {client.get("/api/devices", params={"pageSize": 1}).status_code for _ in range(100)}
    assert statuses == {200}
    requests = emulator.stats()["requests"]
    assert requests[GRIP_TOKEN] == 1
    assert requests["GET /api/devices"] == 100


@pytest.mark.parametrize("name", ["sandbox", "project"])
def test_gateway_token_from_the_emulator(emulator: emulator_module.EmulatorServer, name: str) -> None:
    profile = at(emulator, name)
    provider = provider_for(profile, demo(profile))
    with httpx.Client() as client:
        token = provider.fetch(client)
    assert token.token_type == "Bearer"
    assert token.expires_in == 3599.0
    assert isinstance(token.raw["expires_in"], str)
    assert token.issued_at is not None


def test_gateway_invalid_client(emulator: emulator_module.EmulatorServer) -> None:
    profile = at(emulator, "sandbox")
    provider = provider_for(profile, demo(profile, client_secret="wrong-secret-planted-0001"))
    with httpx.Client() as client, pytest.raises(TokenError) as info:
        provider.fetch(client)
    assert (info.value.status, info.value.code) == (401, "invalid_client")
    assert info.value.hint is not None
    assert "KPN_SANDBOX_CLIENT_ID" in info.value.hint
    assert "wrong-secret-planted-0001" not in str(info.value)
    assert emulator.stats()["requests"][GATEWAY_TOKEN] == 1  # a credential error is never retried


@pytest.mark.parametrize(
    ("overrides", "status", "hint"),
    [
        ({"client_secret": "wrong-grip-secret-planted"}, 401, "check your API Key ID or Secret"),
        (
            {
                "client_id": _demo.GRIP_NO_SERVICE_CLIENT_ID,
                "client_secret": _demo.GRIP_NO_SERVICE_CLIENT_SECRET,
            },
            401,
            "add the KPN Things Portal service",
        ),
        ({"tenant_id": "no-such-tenant-planted"}, 404, "your tenant ID (a path variable) is wrong"),
    ],
    ids=["wrong-key", "no-service", "wrong-tenant"],
)
def test_grip_documented_errors(
    emulator: emulator_module.EmulatorServer, overrides: dict[str, str], status: int, hint: str
) -> None:
    profile = at(emulator, "things")
    provider = provider_for(profile, demo(profile, **overrides))
    with httpx.Client() as client, pytest.raises(TokenError) as info:
        provider.fetch(client)
    assert info.value.status == status
    assert info.value.hint is not None
    assert info.value.hint.startswith(hint)
    assert "planted" not in str(info.value)


def test_two_second_token_is_renewed_without_a_failed_call() -> None:
    settings = emulator_module.EmulatorSettings(grip_token_lifetime=2)
    with emulator_module.EmulatorServer(settings) as server:
        profile = at(server, "things")
        with client_for(profile, demo(profile)) as client:
            statuses = []
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                statuses.append(client.get("/api/devices", params={"pageSize": 1}).status_code)
                time.sleep(0.1)
        requests = server.stats()["requests"]
    assert set(statuses) == {200}
    assert requests[GRIP_TOKEN] >= 2  # renewed at least once, before expiry: no 302 was ever seen


def test_bad_token_302_is_retried_once_then_explained(emulator: emulator_module.EmulatorServer) -> None:
    profile = at(emulator, "things")

    class BogusProvider:
        cache_key = "bogus"

        def __init__(self) -> None:
            self.profile = profile
            self.fetches = 0

        def fetch(self, client: httpx.Client) -> Token:
            self.fetches += 1
            return Token(f"not-a-real-token-{self.fetches:03d}", "Bearer", 3600.0, time.time())

    provider = BogusProvider()
    auth = KPNAuth(provider, TokenCache())  # type: ignore[arg-type]
    with (
        httpx.Client(base_url=emulator.base_url, auth=auth, headers=DEVICES) as client,
        pytest.raises(TokenError) as info,
    ):
        client.get("/api/devices")
    assert info.value.status == 302
    assert provider.fetches == 2
    requests = emulator.stats()["requests"]
    assert requests["GET /api/devices"] == 2
    assert not any("login" in key for key in requests)  # the Location was never requested


def test_subcustomer_flow(emulator: emulator_module.EmulatorServer) -> None:
    things = at(emulator, "things")
    sub = at(emulator, "things-subcustomer")
    sub_creds = demo(sub)
    with client_for(sub, sub_creds) as sub_client:
        before = sub_client.get("/api/devices")
        with client_for(things, demo(things)) as things_client:
            granted = request_access_rights(things_client, sub_creds.subcustomer_id or "")
        after = sub_client.get("/api/devices")
    assert (before.status_code, granted.is_success, after.status_code) == (403, True, 200)


def test_subcustomer_without_rights_is_explained(emulator: emulator_module.EmulatorServer) -> None:
    things = at(emulator, "things")
    with client_for(things, demo(things)) as client, pytest.raises(TokenError) as info:
        request_access_rights(client, "emu-subcustomer-unknown-77")
    assert info.value.status in (403, 404)
    assert info.value.hint


@pytest.mark.parametrize("fault", ["status", "reset", "rate-limit", "html"])
def test_token_endpoint_faults_recover_within_the_retries(
    emulator: emulator_module.EmulatorServer, fault: str
) -> None:
    profile = at(emulator, "things")
    params = {"retry_after": 0} if fault == "rate-limit" else {}
    emulator.inject_fault(GRIP_TOKEN, fault, times=2, **params)
    retry = RetryPolicy(attempts=4, initial=0.01, maximum=0.05)
    with client_for(profile, demo(profile), retry=retry) as client:
        assert client.get("/api/devices", params={"pageSize": 1}).status_code == 200
    assert emulator.stats()["requests"][GRIP_TOKEN] == 3


def test_token_endpoint_latency_beyond_the_timeout_gives_a_clear_error(
    emulator: emulator_module.EmulatorServer,
) -> None:
    profile = dataclasses.replace(at(emulator, "sandbox"), timeout=0.2)
    emulator.inject_fault(GATEWAY_TOKEN, "latency", seconds=1.0)
    provider = provider_for(profile, demo(profile), retry=RetryPolicy(attempts=2, initial=0.0))
    started = time.monotonic()
    with httpx.Client() as client, pytest.raises(TokenError, match="ReadTimeout") as info:
        provider.fetch(client)
    assert time.monotonic() - started < 2.0
    assert info.value.hint is not None
    assert "timeout" in info.value.hint
