"""Every wrapping transport serves sync and async clients in one class; the wrong kind is a TypeError.

As httpx's MockTransport: one class for both kinds of client, and a clear ``TypeError`` (not an
``assert``, which ``python -O`` removes) when the inner transport cannot serve the client's kind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kpn_contract.cassettes import RecordingTransport
from kpn_contract.transport.retry import RetryPolicy, RetryTransport
from kpn_contract.transport.routing import SharedTransport

URL = "https://api.kpnthings.com/api/devices"

Wrap = Callable[[httpx.BaseTransport | httpx.AsyncBaseTransport, Path], httpx.BaseTransport]


class SyncOnly(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="sync")


class AsyncOnly(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="async")


def _retry(inner: httpx.BaseTransport | httpx.AsyncBaseTransport, _: Path) -> RetryTransport:
    return RetryTransport(inner, RetryPolicy(attempts=1))


def _shared(inner: httpx.BaseTransport | httpx.AsyncBaseTransport, _: Path) -> SharedTransport:
    return SharedTransport(inner)


def _recording(inner: httpx.BaseTransport | httpx.AsyncBaseTransport, folder: Path) -> RecordingTransport:
    return RecordingTransport(inner, folder / "kinds.yaml", mode="all")


WRAPPERS = [
    pytest.param(_retry, id="RetryTransport"),
    pytest.param(_shared, id="SharedTransport"),
    pytest.param(_recording, id="RecordingTransport"),
]


def _get_async(transport: httpx.AsyncBaseTransport) -> str:
    async def main() -> str:
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.get(URL)).text

    return asyncio.run(main())


@pytest.mark.parametrize("wrap", WRAPPERS)
def test_one_class_serves_sync_and_async_clients(wrap: Wrap, tmp_path: Path) -> None:
    sync_wrapper = wrap(SyncOnly(), tmp_path)
    async_wrapper = wrap(AsyncOnly(), tmp_path)
    assert isinstance(async_wrapper, httpx.AsyncBaseTransport)
    with httpx.Client(transport=sync_wrapper) as client:
        assert client.get(URL).text == "sync"
    assert _get_async(async_wrapper) == "async"


@pytest.mark.parametrize("wrap", WRAPPERS)
def test_an_async_only_inner_under_a_sync_client_is_a_type_error(wrap: Wrap, tmp_path: Path) -> None:
    with (
        httpx.Client(transport=wrap(AsyncOnly(), tmp_path)) as client,
        pytest.raises(TypeError, match=r"^AsyncOnly cannot serve a synchronous client$"),
    ):
        client.get(URL)


@pytest.mark.parametrize("wrap", WRAPPERS)
def test_a_sync_only_inner_under_an_async_client_is_a_type_error(wrap: Wrap, tmp_path: Path) -> None:
    wrapper = wrap(SyncOnly(), tmp_path)
    assert isinstance(wrapper, httpx.AsyncBaseTransport)
    with pytest.raises(TypeError, match=r"^SyncOnly cannot serve an asynchronous client$"):
        _get_async(wrapper)
