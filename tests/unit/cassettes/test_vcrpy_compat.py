"""vcrpy compatibility, both ways: the cassette files are vcrpy's format, whoever wrote them.

* Stock vcrpy replays every cassette this repository ships (recorded by kpn_contract's own engine),
  and answers each request as kpn_contract's replay does.
* Cassettes recorded by stock vcrpy, and by pytest-recording in a pytest run, replay in kpn_contract:
  through :class:`ReplayTransport`, and through the plugin's ``kpn_cassette`` with its own naming, so
  a team can bring the cassettes it already has.

The recordings are made against a small ``http.server`` on 127.0.0.1 (bodies of every kind: JSON,
a POST body, gzip-encoded, binary), which is shut down before anything is replayed.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from kpn_contract.cassettes import Interaction, ReplayTransport, iter_cassettes, load_cassette

REPO_CASSETTES = Path(__file__).resolve().parents[3] / "cassettes"
GZIPPED = b'{"zipped": true}'
BINARY = bytes(range(256))


class _Origin(BaseHTTPRequestHandler):
    """JSON echo of the path, a POST echo, a gzip-encoded body and a binary body."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet: the test output is pytest's."""

    def _send(self, body: bytes, content_type: str = "application/json", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        if body[:2] == b"\x1f\x8b":
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/gzipped":
            self._send(gzip.compress(GZIPPED))
        elif self.path == "/binary":
            self._send(BINARY, "application/octet-stream")
        else:
            self._send(json.dumps({"path": self.path}).encode())

    def do_POST(self) -> None:
        sent = self.rfile.read(int(self.headers.get("content-length", "0")))
        self._send(json.dumps({"received": sent.decode()}).encode(), status=201)


@contextmanager
def serving() -> Iterator[str]:
    """The origin on a free loopback port, for the recording only."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _calls(client: httpx.Client, base: str) -> list[tuple[int, bytes]]:
    """The same four calls in every test; (status, decoded body) of each."""
    responses = [
        client.get(f"{base}/api/devices?currentPage=2"),
        client.post(f"{base}/api/devices", json={"name": "sensor-1"}),
        client.get(f"{base}/gzipped"),
        client.get(f"{base}/binary"),
    ]
    return [(response.status_code, response.content) for response in responses]


def _expected(base: str) -> list[tuple[int, bytes]]:
    del base
    return [
        (200, b'{"path": "/api/devices?currentPage=2"}'),
        (201, b'{"received": "{\\"name\\":\\"sensor-1\\"}"}'),
        (200, GZIPPED),
        (200, BINARY),
    ]


# --------------------------------------------------------- stock vcrpy replays kpn_contract's cassettes


def _shipped() -> list[Path]:
    return sorted(iter_cassettes([REPO_CASSETTES]))


def _largest_of_each_folder() -> list[Path]:
    """One shipped cassette per folder (each contract module, notebooks, tokens): its largest file.

    Not all 96: stock vcrpy takes about a quarter of a second per cassette.
    """
    largest: dict[tuple[str, ...], Path] = {}
    for path in _shipped():
        parts = path.relative_to(REPO_CASSETTES).parts
        folder = parts[:2] if parts[0] == "contract" else parts[:1]
        if folder not in largest or path.stat().st_size > largest[folder].stat().st_size:
            largest[folder] = path
    return sorted(largest.values())


def _request_of(interaction: Interaction) -> httpx.Request:
    skipped = {"host", "content-length", "accept-encoding"}  # httpx sets them from the URL and body
    headers = [(name, value) for name, value in interaction.request_headers if name.lower() not in skipped]
    return httpx.Request(
        interaction.method, interaction.uri, headers=headers, content=interaction.request_body
    )


def test_the_repository_ships_cassettes_of_every_kind() -> None:
    folders = {path.relative_to(REPO_CASSETTES).parts[0] for path in _shipped()}
    assert folders == {"contract", "notebooks", "tokens"}


@pytest.mark.parametrize(
    "path", _largest_of_each_folder(), ids=lambda path: path.relative_to(REPO_CASSETTES).as_posix()
)
def test_stock_vcrpy_replays_a_shipped_cassette_as_kpn_contract_does(path: Path) -> None:
    import vcr

    cassette = load_cassette(path)
    assert cassette.interactions
    ours = httpx.Client(transport=ReplayTransport(cassette))
    stock = vcr.VCR(record_mode="none")
    with stock.use_cassette(str(path)) as played, httpx.Client() as client, ours:
        for interaction in cassette.interactions:
            replayed = client.send(_request_of(interaction))
            expected = ours.send(_request_of(interaction))
            assert replayed.status_code == interaction.status == expected.status_code
            assert replayed.content == expected.content
            assert replayed.headers.get("content-type") == expected.headers.get("content-type")
        assert played.all_played


# ------------------------------------------------------- kpn_contract replays vcrpy's own recordings


def test_a_stock_vcrpy_recording_replays_in_kpn_contract(tmp_path: Path) -> None:
    import vcr

    path = tmp_path / "stock.yaml"
    with serving() as base, vcr.VCR(record_mode="once").use_cassette(str(path)), httpx.Client() as client:
        assert _calls(client, base) == _expected(base)
    assert "kpn_contract" not in path.read_text(encoding="utf-8")  # stock vcrpy wrote it, no metadata
    assert "!!binary" in path.read_text(encoding="utf-8")  # the gzip and binary bodies
    # The origin is gone: every answer comes from the file.
    with httpx.Client(transport=ReplayTransport(load_cassette(path))) as client:
        assert _calls(client, base) == _expected(base)


RECORDED_BY_PYTEST_RECORDING = """
import os

import httpx
import pytest

from test_support import calls, expected


@pytest.mark.vcr
def test_devices():
    base = os.environ["ORIGIN_URL"]
    with httpx.Client() as client:
        assert calls(client, base) == expected(base)
"""

REPLAYED_BY_KPN_CONTRACT = """
import os

import httpx

from test_support import calls, expected


def test_devices(kpn_cassette):
    base = os.environ["ORIGIN_URL"]
    # In kpn_contract's replay target: the network is blocked, answers come from the cassette.
    with httpx.Client(transport=kpn_cassette.transport) as client:
        assert calls(client, base) == expected(base)
"""


def test_a_pytest_recording_cassette_replays_through_the_kpn_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    tests = pytester.mkdir("tests")
    (tests / "test_support.py").write_text(f"import httpx\n\n{_source_of_calls()}", encoding="utf-8")
    module = tests / "test_devices.py"
    module.write_text(RECORDED_BY_PYTEST_RECORDING, encoding="utf-8")
    with serving() as base:
        monkeypatch.setenv("ORIGIN_URL", base)
        recorded = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=once")
    recorded.assert_outcomes(passed=1)
    # pytest-recording's layout (cassettes/<module>/<test>.yaml beside the module) is the path
    # kpn_contract's naming gives the same test, with the cassette folder pointed at it.
    cassette = tests / "cassettes" / "test_devices" / "test_devices.yaml"
    assert cassette.is_file()
    assert "kpn_contract" not in cassette.read_text(encoding="utf-8")

    module.write_text(REPLAYED_BY_KPN_CONTRACT, encoding="utf-8")
    replayed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:recording", "--kpn-cassettes", "tests/cassettes"
    )
    replayed.assert_outcomes(passed=1)
    assert "target=replay" in replayed.stdout.str()


def _source_of_calls() -> str:
    """``calls`` and ``expected`` as a module of the throwaway project, so both runs make the same calls."""
    import inspect

    gzipped = f"GZIPPED = {GZIPPED!r}\nBINARY = bytes(range(256))\n\n\n"
    calls = inspect.getsource(_calls).replace("def _calls", "def calls")
    expected = inspect.getsource(_expected).replace("def _expected", "def expected")
    return gzipped + calls.replace("client: httpx.Client", "client") + "\n\n" + expected
