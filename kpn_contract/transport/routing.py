"""Transports that choose *where* a request goes, below recording and replay.

Clients always speak the canonical live URLs (``https://api.kpnthings.com/...``). In the
``emulator`` target, :class:`EmulatorRoutingTransport` rewrites scheme, host and port to the local
emulator just before the socket; everything above it (auth, validation, the cassette recorder) sees
the live URL. That keeps cassettes identical whichever target recorded them, and lets replay match
them whatever port the emulator happened to use. The cassette metadata says which target it was.
"""

from __future__ import annotations

import httpx

# Re-exported: the target names lived here before they got their one home.
from kpn_contract.config.run_modes import TARGETS, Target, parse_target
from kpn_contract.config.tls import trusted_context

__all__ = [
    "LIVE_HOSTS",
    "TARGETS",
    "EmulatorRoutingTransport",
    "SharedTransport",
    "Target",
    "async_inner",
    "check_emulator_url",
    "parse_target",
    "sync_inner",
]

# The hosts a default profile talks to; documentation, and the audit's idea of "live".
LIVE_HOSTS = ("api-prd.kpn.com", "auth.grip-on-it.com", "api.kpnthings.com")


def check_emulator_url(url: str, *, timeout: float = 3.0) -> None:
    """Refuse an ``--emulator-url`` that is not an http(s) URL or where no emulator answers.

    Checked before anything is sent, so the error names this URL (a failed token request would name
    the live token URL the client asked for).
    """
    from kpn_contract.errors import UsageError

    parts = httpx.URL(url) if url.startswith(("http://", "https://")) else None
    if parts is None or not parts.host:
        raise UsageError(f"--emulator-url {url!r} is not an absolute http(s) URL")
    shown = parts.copy_with(userinfo=b"")  # a password in the URL is never echoed
    stats = parts.join("/_emulator/stats")
    try:
        answer = httpx.get(stats, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - whatever the failure (httpx's or its transport's), nothing answers
        raise UsageError(
            f"--emulator-url {shown}: no emulator answers there ({type(exc).__name__})"
        ) from None
    if answer.status_code != 200:
        raise UsageError(f"--emulator-url {shown}: it answered {answer.status_code}, not as an emulator does")


class EmulatorRoutingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Send every request to the emulator at ``emulator_url``, whatever host it names."""

    def __init__(self, emulator_url: str, *, timeout: float | None = None) -> None:
        self.emulator_url = httpx.URL(emulator_url)
        # Made on first use: an async client builds its own routing transport, and would otherwise
        # pay for a sync pool (and its TLS context) it never uses.
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncHTTPTransport | None = None
        self._timeout = timeout

    def _route(self, request: httpx.Request) -> httpx.Request:
        target = request.url.copy_with(
            scheme=self.emulator_url.scheme, host=self.emulator_url.host, port=self.emulator_url.port
        )
        routed = httpx.Request(
            request.method,
            target,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        # The Host header must follow the URL, or the emulator would see the live host name.
        routed.headers["host"] = target.netloc.decode("ascii")
        return routed

    def _unreachable(self, exc: httpx.ConnectError, request: httpx.Request) -> httpx.ConnectError:
        # Name the emulator, not the live URL the client asked for: that is where nothing answered.
        return httpx.ConnectError(
            f"the emulator at {self.emulator_url.copy_with(userinfo=b'')} cannot be reached: {exc}",
            request=request,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._sync is None:
            self._sync = httpx.HTTPTransport(verify=trusted_context())
        try:
            return self._sync.handle_request(self._route(request))
        except httpx.ConnectError as exc:
            raise self._unreachable(exc, request) from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            self._async = httpx.AsyncHTTPTransport(verify=trusted_context())
        try:
            return await self._async.handle_async_request(self._route(request))
        except httpx.ConnectError as exc:
            raise self._unreachable(exc, request) from exc

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


class SharedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Lend one transport to several clients; closing a client does not close the transport.

    The API client and its token client share a cassette transport, and the owner (a pytest test,
    a notebook session) closes it once, when the cassette is complete.
    """

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return sync_inner(self.inner).handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await async_inner(self.inner).handle_async_request(request)

    def close(self) -> None:
        """Deliberately nothing: the owner closes ``inner``."""

    async def aclose(self) -> None:
        """Deliberately nothing: the owner closes ``inner``."""


# Wrapping transports serve sync and async clients in one class, like httpx.MockTransport, and
# serve whichever kinds their inner transport serves. A client of the other kind is a TypeError
# (httpx: "Cannot use an async handler in a sync Client"); an assert would vanish under -O.
def sync_inner(inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> httpx.BaseTransport:
    """``inner`` for a synchronous client, or a ``TypeError`` naming it when it is async only."""
    if not isinstance(inner, httpx.BaseTransport):
        raise TypeError(f"{type(inner).__name__} cannot serve a synchronous client")
    return inner


def async_inner(inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    """``inner`` for an asynchronous client, or a ``TypeError`` naming it when it is sync only."""
    if not isinstance(inner, httpx.AsyncBaseTransport):
        raise TypeError(f"{type(inner).__name__} cannot serve an asynchronous client")
    return inner
