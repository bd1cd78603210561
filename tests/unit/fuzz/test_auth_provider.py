"""KPNSchemathesisAuth: one fetch for many cases, renewal before expiry, refetch after an auth failure."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from kpn_contract.auth import GripTokenProvider, Token
from kpn_contract.auth.tokens import TokenCache
from kpn_contract.config.profiles import DEFAULT_PROFILES, resolve_credentials
from kpn_contract.fuzz import KPNSchemathesisAuth


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def grip_transport(calls: list[str], *, lifetime: int = 3600) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/token"):
            token = f"grip-token-{len(calls):04d}-abcdef"
            return httpx.Response(
                200, json={"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}
            )
        return httpx.Response(204)

    return httpx.MockTransport(handler)


def make_auth(
    profile_name: str, calls: list[str], *, clock: FakeClock | None = None, lifetime: int = 3600
) -> KPNSchemathesisAuth:
    profile = DEFAULT_PROFILES[profile_name]
    credentials = resolve_credentials(profile, {}, demo_fallback=True)
    cache = TokenCache(margin=60.0, clock=clock) if clock else None
    auth = KPNSchemathesisAuth.for_profile(
        profile, credentials, transport=grip_transport(calls, lifetime=lifetime), cache=cache
    )
    if clock:
        assert isinstance(auth.provider, GripTokenProvider)  # make_auth serves the grip profiles
        auth.provider.clock = clock
    return auth


def fake_case(operation_raw: dict[str, Any] | None = None) -> SimpleNamespace:
    raw = operation_raw or {
        "responses": {"200": {"content": {"application/vnd.kpnthings.device.v1.response+json": {}}}}
    }
    operation = SimpleNamespace(definition=SimpleNamespace(raw=raw), schema=SimpleNamespace(raw_schema={}))
    return SimpleNamespace(headers=None, operation=operation)


def test_many_cases_share_one_token_fetch() -> None:
    calls: list[str] = []
    auth = make_auth("things", calls)
    try:
        tokens: set[str] = set()
        for _ in range(50):
            case = fake_case()
            auth.set(case, auth.get(case, None), None)
            tokens.add(case.headers["Authorization"])
        assert len(tokens) == 1
        assert auth.token_fetches == 1
        assert calls == ["POST /v2/emu-grip-tenant-0001/oidc/idp/c1/token"]
        assert case.headers["Accept"] == "application/vnd.kpnthings.device.v1.response+json"
        assert "x-client-id" not in case.headers
    finally:
        auth.close()


def test_short_lived_token_is_renewed_before_it_expires() -> None:
    calls: list[str] = []
    clock = FakeClock()
    auth = make_auth("things", calls, clock=clock, lifetime=10)
    try:
        first = auth.get(fake_case(), None)
        clock.now += 4  # margin is capped at half the lifetime: still fresh
        assert auth.get(fake_case(), None) is first
        clock.now += 2  # 6 s of 10: within the margin, so renewed before the server would refuse it
        second = auth.get(fake_case(), None)
        assert second.access_token != first.access_token
        assert auth.token_fetches == 2
    finally:
        auth.close()


def _sent(token: Token) -> str:
    return f"Bearer {token.access_token}"


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, b"", "401"),
        (302, b"", "302"),
        (
            200,
            json.dumps(
                {"fault": {"faultstring": "x", "detail": {"errorcode": "oauth.v2.AccessTokenExpired"}}}
            ).encode(),
            "oauth.v2.AccessTokenExpired",
        ),
    ],
)
def test_auth_failure_drops_the_token_and_the_next_case_fetches_a_new_one(
    status: int, body: bytes, reason: str
) -> None:
    calls: list[str] = []
    auth = make_auth("things", calls)
    try:
        first = auth.get(fake_case(), None)
        assert auth.observe(status, {"content-type": "application/json"}, body, _sent(first)) == reason
        second = auth.get(fake_case(), None)
        assert second.access_token != first.access_token
        assert auth.token_fetches == 2
        assert auth.auth_failures == 1
    finally:
        auth.close()


def test_a_negative_case_without_our_token_costs_no_fetch() -> None:
    calls: list[str] = []
    auth = make_auth("things", calls)
    try:
        token = auth.get(fake_case(), None)
        assert auth.observe(401, {}, b"", None) is None  # Authorization left out on purpose
        assert auth.observe(302, {}, b"", "Bearer something-else-entirely") is None
        assert auth.observe(200, {}, b"{}", _sent(token)) is None
        assert auth.get(fake_case(), None) is token
        assert auth.token_fetches == 1
    finally:
        auth.close()


def test_302_is_no_auth_failure_for_api_store_profiles() -> None:
    # Number Verify's session redirect is a success contract.
    profile = DEFAULT_PROFILES["sandbox"]
    credentials = resolve_credentials(profile, {}, demo_fallback=True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "gateway-token-123456", "expires_in": "3599"})

    auth = KPNSchemathesisAuth.for_profile(profile, credentials, transport=httpx.MockTransport(handler))
    try:
        token = auth.get(fake_case(), None)
        assert auth.observe(302, {"location": "https://example.test"}, b"", _sent(token)) is None
        assert auth.observe(401, {}, b"", _sent(token)) == "401"
    finally:
        auth.close()


def test_subcustomer_profile_adds_x_client_id_after_one_context_switch() -> None:
    calls: list[str] = []
    auth = make_auth("things-subcustomer", calls)
    try:
        for _ in range(5):
            case = fake_case()
            auth.set(case, auth.get(case, None), None)
            assert case.headers["x-client-id"] == "emu-subcustomer-0042"
        assert calls.count("POST /api/v1/lifecycle/clients/emu-subcustomer-0042/context-switch") == 1
        assert auth.token_fetches == 1
        assert "emu-subcustomer-0042" not in repr(auth)
    finally:
        auth.close()
