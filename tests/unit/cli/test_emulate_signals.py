"""`kpn-contract emulate` stops on one Ctrl-C, and on SIGTERM, with connections still open."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

KPN_CONTRACT = str(Path(sys.executable).with_name("kpn-contract"))
STOP_WITHIN = 5.0  # seconds: the promise of the banner's "press Ctrl-C to stop" (a deadline)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _open_connections(port: int) -> list[socket.socket]:
    """A keep-alive connection after one answer, half a request, and a request the emulator holds."""
    kept = socket.create_connection(("127.0.0.1", port))
    kept.sendall(b"GET /_emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n")
    assert kept.recv(12) == b"HTTP/1.1 200"
    half = socket.create_connection(("127.0.0.1", port))
    half.sendall(b"GET /_emulator/stats HTTP/1.1\r\nHost: x\r\n")
    held = socket.create_connection(("127.0.0.1", port))
    held.sendall(b"GET /api/devices HTTP/1.1\r\nHost: x\r\n\r\n")  # slowed by a two-minute latency fault
    return [kept, half, held]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("ignored_sigint", [False, True], ids=["terminal", "started-with-&"])
def test_emulate_stops_on_one_signal_with_open_connections(
    tmp_path: Path, signum: signal.Signals, *, ignored_sigint: bool
) -> None:
    # A script's `kpn-contract emulate &` inherits SIGINT ignored: `kill -INT` must still stop it.
    preexec = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignored_sigint else None
    command = [KPN_CONTRACT, "emulate", "--port", "0", "--fault", "GET /api/devices=latency:120"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, preexec_fn=preexec
    ) as process:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:(\d+)", process.stdout.readline())
        assert match
        connections = _open_connections(int(match.group(1)))
        try:
            process.send_signal(signum)
            out, _ = process.communicate(timeout=STOP_WITHIN)
        finally:
            for connection in connections:
                connection.close()
            if process.poll() is None:  # pragma: no cover - only when the signal was not heeded
                process.kill()
    assert process.returncode == 0
    assert out.rstrip().endswith("stopping")
