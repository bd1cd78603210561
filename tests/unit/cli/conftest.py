"""A running emulator shared by the CLI tests of one module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kpn_contract.emulator import EmulatorServer


@pytest.fixture(scope="module")
def kpn_emulator_url() -> Iterator[str]:
    with EmulatorServer() as server:
        yield server.base_url
