"""KPNAuth's sync and async flows are one loop over the attempts each, and behave alike.

The flows were once written out attempt by attempt (apply, yield, read, classify, then all of it
again), so a fix to one copy could miss the other. Each flow is now a loop over
``KPNAuth.ATTEMPTS``; these tests fail on the copied form: a subclass asking for more attempts would
still get two, and the sync and async outcomes are compared step by step.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from collections.abc import Callable

import httpx
import pytest

from kpn_contract.auth import KPNAuth, TokenCache, provider_for
from kpn_contract.config.profiles import Credentials, Profile
from kpn_contract.errors import TokenError

from .conftest import FakeKPN, json_response

OK = {"content": [], "totalElements": 0}


class ThreeAttempts(KPNAuth):
    ATTEMPTS = 3


def _status_after(
    auth_class: type[KPNAuth], profile: Profile, creds: Credentials, kpn: FakeKPN, *, use_async: bool
) -> int | str:
    """The status of one GET through ``auth_class``, or the TokenError's message."""
    transport = kpn.transport()
    if not use_async:
        with httpx.Client(transport=transport) as token_client:
            auth = auth_class(provider_for(profile, creds), TokenCache(), token_client=token_client)
            with httpx.Client(base_url=profile.base_url, transport=transport, auth=auth) as client:
                try:
                    return client.get("/communication/parley/secure-messenger/v1/x").status_code
                except TokenError as error:
                    return str(error)

    async def main() -> int | str:
        async with httpx.AsyncClient(transport=transport) as token_client:
            auth = auth_class(provider_for(profile, creds), TokenCache(), async_token_client=token_client)
            async with httpx.AsyncClient(base_url=profile.base_url, transport=transport, auth=auth) as client:
                try:
                    return (await client.get("/communication/parley/secure-messenger/v1/x")).status_code
                except TokenError as error:
                    return str(error)

    return asyncio.run(main())


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_each_flow_makes_as_many_attempts_as_the_class_says(
    sandbox: Profile, sandbox_creds: Credentials, use_async: bool
) -> None:
    kpn = FakeKPN(api=lambda request, fake: json_response(401, {}))
    outcome = _status_after(ThreeAttempts, sandbox, sandbox_creds, kpn, use_async=use_async)
    assert isinstance(outcome, str)
    assert "refused with a freshly issued token: 401" in outcome
    assert len(kpn.token_requests()) == 3
    assert kpn.api_authorizations == [f"Bearer issued-token-000{n}-xyz" for n in (1, 2, 3)]


def _answering(script: list[int]) -> Callable[[httpx.Request, FakeKPN], httpx.Response]:
    def api(request: httpx.Request, fake: FakeKPN) -> httpx.Response:
        return json_response(script.pop(0), OK)

    return api


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param([200], id="accepted at once"),
        pytest.param([401, 200], id="renewed once"),
        pytest.param([401, 401], id="refused twice"),
        pytest.param([500], id="other errors pass through"),
    ],
)
def test_sync_and_async_flows_take_the_same_steps(
    sandbox: Profile, sandbox_creds: Credentials, answers: list[int]
) -> None:
    seen: dict[bool, tuple[int | str, list[str], int]] = {}
    for use_async in (False, True):
        kpn = FakeKPN(api=_answering(list(answers)))
        outcome = _status_after(KPNAuth, sandbox, sandbox_creds, kpn, use_async=use_async)
        seen[use_async] = (outcome, kpn.api_authorizations, len(kpn.token_requests()))
    assert seen[False] == seen[True]
    assert len(seen[False][1]) == len(answers)


@pytest.mark.parametrize("flow", [KPNAuth.sync_auth_flow, KPNAuth.async_auth_flow])
def test_each_flow_yields_once_inside_its_loop(flow: Callable[..., object]) -> None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(flow)))
    yields = [node for node in ast.walk(tree) if isinstance(node, ast.Yield)]
    loops = [node for node in ast.walk(tree) if isinstance(node, ast.For)]
    assert len(yields) == 1
    assert len(loops) == 1
    assert yields[0] in list(ast.walk(loops[0]))
