"""KPNAuth: bearer and x-client-id, retry once on an auth failure, never follow KPN Things' 302."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from kpn_contract.auth import KPNAuth, TokenCache, provider_for, request_access_rights
from kpn_contract.config.profiles import Credentials, Profile
from kpn_contract.errors import TokenError, UsageError
from kpn_contract.transport.retry import RetryPolicy

from .conftest import SUBCUSTOMER, FakeKPN, json_response

FAULT = {
    "fault": {"faultstring": "Invalid access token", "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}
}
OK = {"content": [], "totalElements": 0}


def make_client(
    profile: Profile, creds: Credentials, kpn: FakeKPN, *, subcustomer: str | None = None
) -> httpx.Client:
    transport = kpn.transport()
    token_client = httpx.Client(transport=transport)
    auth = KPNAuth(
        provider_for(profile, creds), TokenCache(), token_client=token_client, subcustomer_id=subcustomer
    )
    client = httpx.Client(base_url=profile.base_url, transport=transport, auth=auth)
    client._kpn_token_client = token_client  # type: ignore[attr-defined]
    return client


def close(client: httpx.Client) -> None:
    client._kpn_token_client.close()  # type: ignore[attr-defined]
    client.close()


def test_bearer_token_attached_and_reused(sandbox: Profile, sandbox_creds: Credentials) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(200, OK))
    client = make_client(sandbox, sandbox_creds, kpn)
    try:
        for _ in range(100):
            assert client.get("/communication/parley/secure-messenger/v1/x").status_code == 200
    finally:
        close(client)
    assert len(kpn.token_requests()) == 1
    assert set(kpn.api_authorizations) == {"Bearer issued-token-0001-xyz"}
    assert all("x-client-id" not in r.headers for r in kpn.api_requests())


def test_subcustomer_profile_sends_x_client_id(things: Profile, things_creds: Credentials) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(200, OK))
    client = make_client(things, things_creds, kpn, subcustomer=SUBCUSTOMER)
    try:
        client.get("/api/devices")
    finally:
        close(client)
    assert kpn.api_requests()[0].headers["x-client-id"] == SUBCUSTOMER
    assert kpn.token_requests()[0].url.host == "auth.grip-on-it.com"


@pytest.mark.parametrize(
    ("failure", "grip"),
    [
        (json_response(401, {"message": "Unauthorized"}), False),
        (json_response(500, FAULT), False),
        (json_response(200, {"fault": {"detail": {"errorcode": "oauth.v2.AccessTokenExpired"}}}), False),
        (
            json_response(
                401, {"fault": {"detail": {"errorcode": "keymanagement.service.invalid_access_token"}}}
            ),
            False,
        ),
        (httpx.Response(302, headers={"location": "https://login.example/"}), True),
    ],
    ids=["401", "fault-500", "expired-200", "keymanagement", "302"],
)
def test_auth_failure_renews_the_token_and_retries_once(
    sandbox: Profile,
    sandbox_creds: Credentials,
    things: Profile,
    things_creds: Credentials,
    failure: httpx.Response,
    grip: bool,
) -> None:
    answers = [failure]

    def api(request: httpx.Request, fake: FakeKPN) -> httpx.Response:
        return answers.pop(0) if answers else json_response(200, OK)

    kpn = FakeKPN(api=api)
    profile, creds = (things, things_creds) if grip else (sandbox, sandbox_creds)
    client = make_client(profile, creds, kpn)
    try:
        response = client.get("/api/devices")
    finally:
        close(client)
    assert response.status_code == 200
    assert len(kpn.token_requests()) == 2
    assert kpn.api_authorizations == ["Bearer issued-token-0001-xyz", "Bearer issued-token-0002-xyz"]


def test_302_twice_raises_the_documented_meaning_and_is_never_followed(
    things: Profile, things_creds: Credentials
) -> None:
    kpn = FakeKPN(
        api=lambda request, fake: httpx.Response(302, headers={"location": "https://things.example/login"})
    )
    client = make_client(things, things_creds, kpn)
    try:
        with pytest.raises(TokenError) as info:
            client.get("/api/devices")
    finally:
        close(client)
    assert info.value.status == 302
    assert (
        info.value.hint
        == "the access token is wrong or has no access to KPN Things; check the API key in GRIP"
    )
    assert "/api/devices" in str(info.value)
    assert all(r.url.host != "things.example" for r in kpn.requests)
    assert len(kpn.api_requests()) == 2


def test_302_is_not_an_auth_failure_for_api_store_products(
    sandbox: Profile, sandbox_creds: Credentials
) -> None:
    # Number Verify's GET /session/{id} answers 302 as its success contract.
    kpn = FakeKPN(
        api=lambda request, fake: httpx.Response(302, headers={"location": "https://verify.example/"})
    )
    client = make_client(sandbox, sandbox_creds, kpn)
    try:
        response = client.get("/session/abc")
    finally:
        close(client)
    assert response.status_code == 302
    assert len(kpn.api_requests()) == 1


def test_gateway_fault_twice_raises_with_code(sandbox: Profile, sandbox_creds: Credentials) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(401, FAULT))
    client = make_client(sandbox, sandbox_creds, kpn)
    try:
        with pytest.raises(TokenError) as info:
            client.get("/x")
    finally:
        close(client)
    assert info.value.code == "oauth.v2.InvalidAccessToken"
    assert info.value.status == 401
    assert info.value.hint is not None
    assert "'sandbox'" in info.value.hint


def test_other_errors_pass_through_untouched(things: Profile, things_creds: Credentials) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(403, {"message": "Forbidden"}))
    client = make_client(things, things_creds, kpn)
    try:
        assert client.get("/api/devices").status_code == 403
    finally:
        close(client)
    assert len(kpn.token_requests()) == 1


def test_token_error_during_flow_propagates(sandbox: Profile, sandbox_creds: Credentials) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(200, OK))
    kpn.token_failures.append(
        json_response(401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"})
    )
    client = make_client(sandbox, sandbox_creds, kpn)
    try:
        with pytest.raises(TokenError, match="ClientId is Invalid"):
            client.get("/x")
        assert client.get("/x").status_code == 200  # the failure was not cached
    finally:
        close(client)
    assert len(kpn.api_requests()) == 1


def _closed_port_profile() -> Profile:
    """A profile whose token endpoint is a closed loopback port (port 9, discard, nothing listens)."""
    return Profile(
        name="local",
        kind="api-store",
        token_url="http://127.0.0.1:9/token",
        client_id_env="A",
        client_secret_env="B",
        timeout=0.5,
    )


def test_without_a_token_client_a_short_lived_one_is_used(sandbox_creds: Credentials) -> None:
    # A closed loopback port: the private token client must fail cleanly within the timeout.
    profile = _closed_port_profile()
    provider = provider_for(
        profile, sandbox_creds, retry=RetryPolicy(attempts=2, initial=0.0, sleep=lambda s: None)
    )
    auth = KPNAuth(provider, TokenCache())
    with pytest.raises(TokenError, match="failed after 2 attempt"):
        auth.token()


def test_async_client_flow(things: Profile, things_creds: Credentials) -> None:
    calls: list[httpx.Request] = []
    failures = [httpx.Response(302, headers={"location": "https://x.example/"})]

    async def handler(request: httpx.Request) -> httpx.Response:
        await request.aread()
        calls.append(request)
        if "token" in request.url.path:
            n = sum("token" in r.url.path for r in calls)
            return json_response(200, {"access_token": f"async-token-{n:04d}-abc", "expires_in": 3600})
        return failures.pop() if failures else json_response(200, OK)

    async def main() -> list[int]:
        transport = httpx.MockTransport(handler)
        async with httpx.AsyncClient(transport=transport) as token_client:
            auth = KPNAuth(
                provider_for(things, things_creds),
                TokenCache(),
                async_token_client=token_client,
                subcustomer_id=SUBCUSTOMER,
            )
            async with httpx.AsyncClient(base_url=things.base_url, transport=transport, auth=auth) as client:
                responses = await asyncio.gather(*(client.get("/api/devices") for _ in range(10)))
        return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 10
    api = [r for r in calls if "token" not in r.url.path]
    assert all(r.headers["x-client-id"] == SUBCUSTOMER for r in api)
    assert sum("token" in r.url.path for r in calls) == 2  # one shared fetch, one renewal after the 302


def test_async_flow_without_token_client_and_failure(sandbox_creds: Credentials) -> None:
    profile = _closed_port_profile()
    provider = provider_for(profile, sandbox_creds, retry=RetryPolicy(attempts=1))
    auth = KPNAuth(provider, TokenCache())
    with pytest.raises(TokenError, match="could not be reached"):
        asyncio.run(auth.atoken())


# -- sub-customer access rights ---------------------------------------------------------------------------


def test_request_access_rights_posts_empty_body_without_x_client_id(
    things: Profile, things_creds: Credentials
) -> None:
    kpn = FakeKPN(api=lambda request, fake: httpx.Response(204))
    client = make_client(things, things_creds, kpn, subcustomer=SUBCUSTOMER)
    try:
        response = request_access_rights(client, SUBCUSTOMER)
    finally:
        close(client)
    assert response.status_code == 204
    (call,) = kpn.api_requests()
    assert call.method == "POST"
    assert call.url.path == f"/api/v1/lifecycle/clients/{SUBCUSTOMER}/context-switch"
    assert call.content == b""
    assert "x-client-id" not in call.headers
    assert call.headers["authorization"].startswith("Bearer ")


@pytest.mark.parametrize(
    ("status", "hint_part"), [(403, "Customer Management"), (404, "no sub-customer"), (500, "unexpected")]
)
def test_request_access_rights_refused(
    things: Profile, things_creds: Credentials, status: int, hint_part: str
) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(status, {"message": f"refused {SUBCUSTOMER}"}))
    client = make_client(things, things_creds, kpn)
    try:
        with pytest.raises(TokenError) as info:
            request_access_rights(client, SUBCUSTOMER)
    finally:
        close(client)
    assert info.value.status == status
    assert info.value.hint is not None
    assert hint_part in info.value.hint
    assert SUBCUSTOMER not in str(info.value)


def test_request_access_rights_needs_an_id() -> None:
    with httpx.Client() as client, pytest.raises(UsageError, match="sub-customer ID"):
        request_access_rights(client, " ")


def test_kpnauth_repr_hides_the_subcustomer(things: Profile, things_creds: Credentials) -> None:
    auth = KPNAuth(provider_for(things, things_creds), TokenCache(), subcustomer_id=SUBCUSTOMER)
    assert SUBCUSTOMER not in repr(auth)
    assert "things" in repr(auth)
    assert json.dumps({"r": repr(auth)})


def test_profile_expiry_margin_drives_renewal(sandbox_creds: Credentials) -> None:
    profile = Profile(
        name="m", kind="api-store", client_id_env="A", client_secret_env="B", expiry_margin=400.0
    )
    kpn = FakeKPN(api=lambda request, fake: json_response(200, OK), lifetime="1000")
    later = TokenCache(margin=0.0, clock=lambda: time.time() + 700.0)  # the cache looks 700 s ahead
    with httpx.Client(transport=kpn.transport()) as token_client:
        auth = KPNAuth(provider_for(profile, sandbox_creds), later, token_client=token_client)
        auth.token()
        # 300 s left: fresh for the cache's 0 s margin, stale for the profile's 400 s, so it is renewed.
        auth.token()
    assert len(kpn.token_requests()) == 2
