"""Refuse every network connection while replaying, so a test that would go out fails clearly.

Three layers, because async clients meet the network differently from sync ones:

* httpx's own transports (sync and async) refuse first, naming the request (``GET https://...``);
* name lookups (``socket.getaddrinfo``, which asyncio and anyio run in a worker thread) are refused,
  so an async library fails before it starts its connection attempts;
* ``connect``/``connect_ex``/``create_connection`` refuse whatever gets that far.

The first two matter for async clients: anyio's happy-eyeballs connects run in a task group, and an
error raised there reaches the caller wrapped in an ExceptionGroup (still so for raw anyio sockets
to an IP address, the one path neither earlier layer sees).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from kpn_contract.errors import NetworkBlockedError

__all__ = ["block_network"]

_HINT = (
    "the replay target blocks the network; record the missing interaction with --kpn-target emulator or live"
)
_guard = threading.Lock()


def _address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if isinstance(host, bytes):  # anyio hands lookups an IDNA-encoded name
            host = host.decode("ascii", "replace")
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


@contextlib.contextmanager
def block_network(*, allow_unix: bool = True) -> Iterator[None]:
    """Make httpx's transports, name lookups and socket connections raise :class:`NetworkBlockedError`.

    The error names the request (httpx) or the address (lookups, sockets). Unix-domain sockets stay
    usable by default: they are local inter-process channels (kernels, workers), not the network. The
    patch is process-wide and restored on exit; blocks nest.
    """
    with _guard:
        saved: dict[str, Any] = {name: socket.socket.__dict__.get(name) for name in ("connect", "connect_ex")}
        original_connect: Callable[..., Any] = socket.socket.connect
        original_connect_ex: Callable[..., Any] = socket.socket.connect_ex
        original_create_connection = socket.create_connection
        original_getaddrinfo = socket.getaddrinfo
        original_sync_send = httpx.HTTPTransport.handle_request
        original_async_send = httpx.AsyncHTTPTransport.handle_async_request

        def refuse(address: Any) -> NetworkBlockedError:
            return NetworkBlockedError(f"network connection to {_address(address)} refused: {_HINT}")

        def connect(self: socket.socket, address: Any) -> None:
            if allow_unix and self.family == getattr(socket, "AF_UNIX", None):
                original_connect(self, address)
                return
            raise refuse(address)

        def connect_ex(self: socket.socket, address: Any) -> int:
            if allow_unix and self.family == getattr(socket, "AF_UNIX", None):
                return int(original_connect_ex(self, address))
            raise refuse(address)

        def create_connection(address: Any, *_args: Any, **_kwargs: Any) -> socket.socket:
            raise refuse(address)

        def getaddrinfo(host: Any, port: Any, *_args: Any, **_kwargs: Any) -> Any:
            raise NetworkBlockedError(f"name lookup of {_address((host, port))} refused: {_HINT}")

        def refuse_request(request: httpx.Request) -> NetworkBlockedError:
            return NetworkBlockedError(f"network request {request.method} {request.url} refused: {_HINT}")

        def sync_send(_transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            raise refuse_request(request)

        async def async_send(_transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            raise refuse_request(request)

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.create_connection = create_connection
        socket.getaddrinfo = getaddrinfo
        httpx.HTTPTransport.handle_request = sync_send  # type: ignore[method-assign,assignment]
        httpx.AsyncHTTPTransport.handle_async_request = async_send  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        with _guard:
            for name, value in saved.items():
                if value is None:
                    delattr(socket.socket, name)
                else:
                    setattr(socket.socket, name, value)
            socket.create_connection = original_create_connection
            socket.getaddrinfo = original_getaddrinfo
            httpx.HTTPTransport.handle_request = original_sync_send  # type: ignore[method-assign]
            httpx.AsyncHTTPTransport.handle_async_request = original_async_send  # type: ignore[method-assign]
