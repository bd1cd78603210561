"""Refuse every network connection while replaying, so a test that would go out fails clearly."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kpn_contract.errors import NetworkBlockedError

__all__ = ["block_network"]

_HINT = (
    "the replay target blocks the network; record the missing interaction with --kpn-target emulator or live"
)
_guard = threading.Lock()


def _address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


@contextlib.contextmanager
def block_network(*, allow_unix: bool = True) -> Iterator[None]:
    """Make ``socket.socket.connect``/``connect_ex`` and ``socket.create_connection`` raise.

    Each raises :class:`NetworkBlockedError` naming the address. Unix-domain sockets stay usable by
    default: they are local inter-process channels (kernels, workers), not the network. The patch is
    process-wide and restored on exit; blocks nest.
    """
    with _guard:
        saved: dict[str, Any] = {name: socket.socket.__dict__.get(name) for name in ("connect", "connect_ex")}
        original_connect: Callable[..., Any] = socket.socket.connect
        original_connect_ex: Callable[..., Any] = socket.socket.connect_ex
        original_create_connection = socket.create_connection

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

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.create_connection = create_connection
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
