"""The replay target's network block: httpx and raw sockets are refused, then work again."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from kpn_contract.cassettes import block_network
from kpn_contract.errors import NetworkBlockedError


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_block_refuses_httpx_and_raw_sockets_then_restores(server: tuple[str, int]) -> None:
    host, port = server
    url = f"http://{host}:{port}/"
    with block_network():
        with pytest.raises(NetworkBlockedError, match=rf"127\.0\.0\.1:{port}"):
            httpx.get(url)
        with socket.socket() as raw, pytest.raises(NetworkBlockedError, match=rf"127\.0\.0\.1:{port}"):
            raw.connect((host, port))
        with socket.socket() as raw, pytest.raises(NetworkBlockedError):
            raw.connect_ex((host, port))
        with pytest.raises(NetworkBlockedError):
            socket.create_connection((host, port))

        async def fetch() -> None:
            async with httpx.AsyncClient() as client:
                await client.get(url)

        # Refused at httpx's transport, before anyio's happy-eyeballs task group could wrap the error.
        with pytest.raises(NetworkBlockedError, match=rf"network request GET {re.escape(url)} refused"):
            asyncio.run(fetch())
        with pytest.raises(NetworkBlockedError, match=r"name lookup of example\.invalid:443 refused"):
            socket.getaddrinfo("example.invalid", 443)
    assert httpx.get(url).text == "hello"

    async def fetch_after() -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).text

    assert asyncio.run(fetch_after()) == "hello"
    assert socket.getaddrinfo(host, port)
    with socket.create_connection((host, port)) as raw:
        assert raw.getpeername()[1] == port


def test_unix_sockets_stay_usable_and_blocks_nest(tmp_path: object) -> None:
    left, right = socket.socketpair()
    with left, right, block_network():
        with block_network():
            pass
        with socket.socket() as raw, pytest.raises(NetworkBlockedError):
            raw.connect(("127.0.0.1", 9))
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    assert "connect" not in socket.socket.__dict__
