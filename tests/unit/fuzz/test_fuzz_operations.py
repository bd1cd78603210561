"""``fuzz --operation``: only the named operations are sent; an unknown name is one line with a suggestion."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.errors import UsageError
from kpn_contract.fuzz import run_fuzz


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


def _sent(emulator: EmulatorServer) -> set[str]:
    return {key for key in emulator.stats()["requests"] if key.split()[1].startswith("/api/")}


@pytest.mark.parametrize("named", ["listDevices", "GET /api/devices", "get  /api/devices"])
def test_only_the_named_operation_is_fuzzed(emulator: EmulatorServer, named: str) -> None:
    out = io.StringIO()
    before = emulator.stats()["requests"]
    run_fuzz(
        "things",
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=2,
        phases=["examples", "coverage"],
        checks=["not_a_server_error"],
        operations=[named],
        out=out,
    )
    after = emulator.stats()["requests"]
    grown = {key for key in _sent(emulator) if after[key] != before.get(key)}
    assert grown, out.getvalue()
    assert {key.split()[1] for key in grown} == {"/api/devices"}, grown
    assert "1 operation(s)" in out.getvalue()


def test_an_unknown_operation_is_one_line_naming_the_nearest(emulator: EmulatorServer) -> None:
    with pytest.raises(UsageError) as raised:
        run_fuzz(
            "things",
            target="emulator",
            emulator_url=emulator.base_url,
            operations=["GET /devices"],
            out=io.StringIO(),
        )
    assert raised.value.message.splitlines() == [
        "--operation 'GET /devices': no such operation in this spec (did you mean 'GET /api/devices'?)"
    ]


def test_workers_fuzz_several_operations_at_once_with_one_token(emulator: EmulatorServer) -> None:
    out = io.StringIO()
    before = emulator.stats()["requests"]
    code = run_fuzz(
        "things",
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=2,
        phases=["examples"],
        checks=["not_a_server_error"],
        operations=["listDevices", "sendDownlink"],
        workers=2,
        out=out,
    )
    after = emulator.stats()["requests"]
    assert code == 0, out.getvalue()
    assert "over 2 operation(s); 1 token fetch(es)" in out.getvalue()
    assert {key for key in after if "token" in key and after[key] != before.get(key)} != set()


@pytest.mark.parametrize("workers", [0, 65, True])
def test_a_bad_worker_count_is_one_line(workers: int) -> None:
    with pytest.raises(UsageError, match=r"^--workers must be a whole number from 1 to 64, not "):
        run_fuzz("things", target="emulator", workers=workers, out=io.StringIO())
