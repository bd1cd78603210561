"""The profile's token (and sub-customer) goes to the profile's API host only, never to another host.

FIAM Eneco lives on Eneco's own host and a few definitions list a mock server first: a gateway token
sent there would hand a KPN credential to a third party.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from kpn_contract.auth import KPNAuth, TokenCache, provider_for
from kpn_contract.config.profiles import Credentials, Profile

from .conftest import SUBCUSTOMER, FakeKPN, json_response

OK: dict[str, list[object]] = {"content": []}
ELSEWHERE = "https://api-acc.enecogroup.com/datashare/v1/products"


def _kpn() -> FakeKPN:
    return FakeKPN(api=lambda request, fake: json_response(200, OK))


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_another_host_gets_neither_the_token_nor_the_subcustomer(
    things: Profile, things_creds: Credentials, use_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    kpn = _kpn()
    transport = kpn.transport()
    provider = provider_for(things, things_creds)

    def sync() -> list[int]:
        with httpx.Client(transport=transport) as tokens:
            auth = KPNAuth(provider, TokenCache(), token_client=tokens, subcustomer_id=SUBCUSTOMER)
            with httpx.Client(base_url=things.base_url, transport=transport, auth=auth) as client:
                return [client.get(ELSEWHERE).status_code, client.get("/devices").status_code]

    async def asynchronous() -> list[int]:
        async with httpx.AsyncClient(transport=transport) as tokens:
            auth = KPNAuth(provider, TokenCache(), async_token_client=tokens, subcustomer_id=SUBCUSTOMER)
            async with httpx.AsyncClient(base_url=things.base_url, transport=transport, auth=auth) as client:
                return [(await client.get(ELSEWHERE)).status_code, (await client.get("/devices")).status_code]

    with caplog.at_level(logging.WARNING, logger="kpn_contract.auth"):
        statuses = asyncio.run(asynchronous()) if use_async else sync()
    assert statuses == [200, 200]
    foreign, own = kpn.api_requests()
    assert foreign.url.host == "api-acc.enecogroup.com"
    assert "authorization" not in foreign.headers
    assert "x-client-id" not in foreign.headers
    assert own.headers["authorization"] == "Bearer issued-token-0001-xyz"  # the API host still gets it
    assert own.headers["x-client-id"] == SUBCUSTOMER
    assert len(kpn.token_requests()) == 1  # the other host's request fetched no token
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "not sending the 'things' profile's token to api-acc.enecogroup.com" in warning
    assert "issued-token" not in caplog.text


def test_the_same_host_on_another_port_or_scheme_is_another_host(
    sandbox: Profile, sandbox_creds: Credentials
) -> None:
    kpn = _kpn()
    transport = kpn.transport()
    with httpx.Client(transport=transport) as tokens:
        auth = KPNAuth(provider_for(sandbox, sandbox_creds), TokenCache(), token_client=tokens)
        with httpx.Client(transport=transport, auth=auth) as client:
            for url in (
                "http://api-prd.kpn.com/x",
                "https://api-prd.kpn.com:8443/x",
                "https://api-prd.kpn.com/x",
            ):
                client.get(url)
    assert [r.headers.get("authorization", "") for r in kpn.api_requests()] == [
        "",
        "",
        "Bearer issued-token-0001-xyz",
    ]
