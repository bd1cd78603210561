"""Async clients of a :class:`~kpn_contract.session.kpn_session.KPNSession`: ``httpx.AsyncClient``
with the same profiles, token cache, cassettes and validation as the sync clients.

Why each async client gets its own network stack: an ``httpx.AsyncHTTPTransport`` keeps its pooled
connections in the event loop that opened them, and a pytest run (or a notebook next to a script)
may use several loops while the session lives on. So the session-wide parts are shared (token cache,
cassettes, validator) and the loop-bound part (routing, retries, connection pool) belongs to the
client: ``await client.aclose()`` closes it in its own loop. Token requests of an async client go
through an async token client on the same network stack and the profile's token cassette, so
concurrent first requests share one fetch (``TokenCache.aget``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import httpx

from kpn_contract.cassettes.record import RecordingTransport
from kpn_contract.cassettes.replay import ReplayTransport
from kpn_contract.transport.routing import EmulatorRoutingTransport

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile
    from kpn_contract.session.kpn_session import CassetteHandle, KPNSession

__all__ = ["CassetteAsyncTransport", "aclose_all", "build_async_client", "network_for"]


class CassetteAsyncTransport(httpx.AsyncBaseTransport):
    """An async client's way into a cassette: played back or recorded there, sent over ``network``.

    ``cassette`` is the transport of a
    :class:`~kpn_contract.session.kpn_session.CassetteHandle` (shared with the sync clients of the
    same test); ``network`` is this client's own stack, or None in replay.
    Closing closes what this transport owns: ``network`` when ``owns_network``, and ``also_close``.
    """

    def __init__(
        self,
        cassette: httpx.BaseTransport | httpx.AsyncBaseTransport,
        network: httpx.AsyncBaseTransport | None,
        *,
        owns_network: bool,
        also_close: Sequence[httpx.AsyncClient] = (),
    ) -> None:
        self.cassette = cassette
        self.network = network
        self.owns_network = owns_network
        self.also_close = list(also_close)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(self.cassette, ReplayTransport):
            return await self.cassette.handle_async_request(request)
        if self.network is None:  # pragma: no cover - only replay has no network, and it replays
            raise TypeError("an async client outside replay needs a network transport")
        if isinstance(self.cassette, RecordingTransport):
            return await self.cassette.handle_async_request_via(request, self.network)
        # No cassette (emulator or live without a record mode): straight to the network.
        return await self.network.handle_async_request(request)

    async def aclose(self) -> None:
        try:
            for client in self.also_close:
                await client.aclose()
        finally:
            if self.owns_network and self.network is not None:
                await self.network.aclose()


def network_for(session: KPNSession, profile: Profile) -> httpx.AsyncBaseTransport | None:
    """A new async network stack for ``profile``: retries over routing or HTTPS; None in replay."""
    from kpn_contract.transport.retry import RetryPolicy, RetryTransport

    options = session.options
    if options.target == "replay":
        return None
    inner: httpx.AsyncBaseTransport
    if options.target == "live":
        inner = httpx.AsyncHTTPTransport(verify=profile.tls_verify())
    else:
        if options.emulator_url is None:  # pragma: no cover - KPNSession refuses this combination
            raise TypeError("the emulator target needs an emulator URL")
        inner = EmulatorRoutingTransport(options.emulator_url)
    # Retries sit below the recorder, as for sync clients: a cassette holds outcomes, not attempts.
    return RetryTransport(inner, options.retry or RetryPolicy())


def _async_hook(check: Callable[[httpx.Response], object]) -> Callable[[httpx.Response], Awaitable[None]]:
    # AsyncClient awaits its event hooks; the checks themselves need only the body, read here.
    async def hook(response: httpx.Response) -> None:
        await response.aread()
        check(response)

    return hook


def _async_request_hook(
    check: Callable[[httpx.Request], object],
) -> Callable[[httpx.Request], Awaitable[None]]:
    # The body of a streamed request is read here, in the loop, so the check sees it too.
    async def hook(request: httpx.Request) -> None:
        await request.aread()
        check(request)

    return hook


def build_async_client(
    session: KPNSession,
    name: str,
    *,
    cassette: CassetteHandle | None = None,
    validate: bool | str | None = None,
    subcustomer: bool = True,
    authenticated: bool = True,
) -> httpx.AsyncClient:
    """The asyncio form of :meth:`KPNSession.client <kpn_contract.session.kpn_session.KPNSession.client>`."""
    from kpn_contract.auth.httpx_auth import KPNAuth

    profile = session.profile(name)
    creds = session.credentials(name)
    if cassette is None:
        cassette = session.open_cassette(session.options.cassette_dir / "adhoc" / f"{name}.yaml", [name])
    network = network_for(session, profile)
    auth: KPNAuth | None = None
    token_clients: list[httpx.AsyncClient] = []
    if authenticated:
        # The session's token cassette of this profile, shared with its sync token client.
        token_cassette = session._token_cassette(name)
        token_check = session.token_check(name, token_cassette) if session.options.validate else None
        token_client = httpx.AsyncClient(
            transport=CassetteAsyncTransport(token_cassette.transport, network, owns_network=False),
            timeout=profile.timeout,
            follow_redirects=False,
            event_hooks={"response": [_async_hook(hook) for hook in session.response_hooks(token_check)]},
        )
        token_clients.append(token_client)
        auth = KPNAuth(
            session.provider(name),
            session.cache,
            async_token_client=token_client,
            subcustomer_id=creds.subcustomer_id if subcustomer else None,
        )
    hooks = session.api_client_hooks(name, cassette, auth, validate)
    return httpx.AsyncClient(
        base_url=profile.base_url,
        auth=auth,
        transport=CassetteAsyncTransport(
            cassette.transport, network, owns_network=True, also_close=token_clients
        ),
        timeout=profile.timeout,
        follow_redirects=False,  # a 302 from KPN Things is an auth failure, never a place to go
        event_hooks={
            "request": [_async_request_hook(hook) for hook in hooks["request"]],
            "response": [_async_hook(hook) for hook in hooks["response"]],
        },
    )


async def aclose_all(clients: Sequence[httpx.AsyncClient]) -> None:
    """Close every client in the running loop; the first error is raised after all were tried."""
    errors: list[BaseException] = []
    for client in clients:
        try:
            await client.aclose()
        except Exception as error:  # noqa: BLE001 - the others must be closed all the same
            errors.append(error)
    if errors:
        raise errors[0]
