"""The anyio backend a test runs under never lands in its cassette's name: every backend shares one."""

from __future__ import annotations

from pathlib import Path

import pytest

# PyYAML's C extension cannot be imported twice in pytester's in-process runs (see test_plugin.py).
import yaml  # noqa: F401
from anyio import get_available_backends

from tests.unit.plugin.test_async_client import ANYIO_TEST, record_then_replay

UNPARAMETRIZED = ANYIO_TEST.replace('@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n', "")

PARAMETRIZED_BACKEND = (
    ANYIO_TEST.replace(
        '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n',
        '@pytest.fixture(params=["asyncio", "trio"])\n'
        "def anyio_backend(request):\n    return request.param\n",
    )
    .replace("async def test_devices(kpn_async_client):", "async def test_devices(kpn_async_client, page):")
    .replace(
        '@pytest.mark.kpn(profile="things")',
        '@pytest.mark.kpn(profile="things")\n@pytest.mark.parametrize("page", [1, 2])',
    )
)


def _names(cassettes: Path) -> list[str]:
    return sorted(path.name for path in (cassettes / "test_devices").glob("*.yaml"))


def test_anyios_own_backend_runs_share_one_cassette(pytester: pytest.Pytester) -> None:
    cassettes = pytester.path / "cassettes"
    record_then_replay(pytester, UNPARAMETRIZED, cassettes, tests=len(get_available_backends()))
    assert _names(cassettes) == ["test_devices.yaml"]


@pytest.mark.skipif("trio" not in get_available_backends(), reason="needs trio")
def test_a_parametrized_backend_fixture_keeps_the_other_ids(pytester: pytest.Pytester) -> None:
    cassettes = pytester.path / "cassettes"
    record_then_replay(pytester, PARAMETRIZED_BACKEND, cassettes, tests=4)
    assert _names(cassettes) == ["test_devices-1.yaml", "test_devices-2.yaml"]
