"""An interrupted recording writes nothing: the previous cassette byte-identical, a new one absent."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kpn_contract.cassettes import RecordingTransport
from kpn_contract.config.run_modes import RecordMode

from .conftest import DEVICES_URL, FakeOrigin

ACCEPT = {"Accept": "application/json"}


def _record(path: Path, origin: FakeOrigin, mode: str, pages: int) -> RecordingTransport:
    transport = RecordingTransport(httpx.MockTransport(origin), path, mode=mode)
    client = httpx.Client(transport=transport)
    for page in range(pages):
        client.get(DEVICES_URL, params={"currentPage": page})
    return transport


def test_a_discarded_rewrite_leaves_the_previous_cassette_byte_identical(
    cassette_file: Path, origin: FakeOrigin
) -> None:
    _record(cassette_file, origin, "rewrite", 3).close()
    before = cassette_file.read_bytes()
    interrupted = _record(cassette_file, origin, "rewrite", 1)
    assert interrupted.discard() == 1
    interrupted.close()
    assert cassette_file.read_bytes() == before


def test_a_discarded_once_leaves_no_cassette(cassette_file: Path, origin: FakeOrigin) -> None:
    interrupted = _record(cassette_file, origin, "once", 2)
    interrupted.discard()
    interrupted.close()
    assert not cassette_file.exists()


def _get_devices(session: object, handle: object) -> None:
    session.client("things", cassette=handle).get("/devices", headers=ACCEPT)  # type: ignore[attr-defined]


def _interrupted_test(session: object) -> None:
    from kpn_contract.session.run_contexts import test_cassette

    with test_cassette(session, "t.py::test_a", "things", None) as handle:  # type: ignore[arg-type]
        _get_devices(session, handle)
        raise KeyboardInterrupt


def test_a_keyboard_interrupt_leaving_a_test_cassette_writes_nothing(tmp_path: Path) -> None:
    from kpn_contract.config.profiles import load_config
    from kpn_contract.config.run_settings import SessionOptions
    from kpn_contract.emulator import EmulatorServer
    from kpn_contract.session.kpn_session import KPNSession
    from kpn_contract.session.run_contexts import test_cassette

    with EmulatorServer() as emulator:
        options = SessionOptions(
            target="emulator",
            emulator_url=emulator.base_url,
            cassette_dir=tmp_path,
            record_mode=RecordMode.ONCE,
        )
        session = KPNSession(load_config(start=tmp_path), options, env={})
        try:
            with pytest.raises(KeyboardInterrupt):
                _interrupted_test(session)
            with test_cassette(session, "t.py::test_b", "things", None) as handle:
                _get_devices(session, handle)
        finally:
            session.close()
    assert sorted(p.name for p in tmp_path.rglob("test_*.yaml")) == ["test_b.yaml"]
