"""The pytest-asyncio half of ``kpn_async_client``, registered by the plugin only when pytest-asyncio is.

pytest-asyncio's strict mode runs only async fixtures made with its decorator, and importing it is
left to the runs that have it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio

if TYPE_CHECKING:
    import httpx


@pytest_asyncio.fixture
async def _kpn_async_clients_asyncio() -> AsyncIterator[list[httpx.AsyncClient]]:
    """Async clients of one pytest-asyncio test, closed in its event loop."""
    # Imported here: this module loads when pytest starts, the cassette machinery only when used.
    from kpn_contract.session.async_clients import aclose_all

    clients: list[httpx.AsyncClient] = []
    yield clients
    await aclose_all(clients)
