"""Ctrl-C and SIGTERM during a recording run: the run stops within seconds, and no cassette is cut short.

Real pytest subprocesses record against a real emulator; each run is stopped once it is mid-way
(one response recorded, the next slowed down by a latency fault). Ctrl-C from a terminal reaches
the whole process group (xdist's workers too), so SIGINT goes to the group; SIGTERM goes to the
main process only, as ``kill`` sends it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.cassettes.store import load_cassette
from kpn_contract.emulator import EmulatorServer
from tests.inner_pytest import LEAN_PLUGINS, environment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups"),
]

STOP_WITHIN = 30.0  # seconds: a hard deadline for the subprocess, not a timed assertion

RECORDING = """
import pytest

@pytest.mark.kpn(profile="things")
@pytest.mark.parametrize("part", ["a", "b"])
def test_record(kpn_client, part):
    client = kpn_client()
    for page in range(6):
        client.get("/api/devices", params={"currentPage": page, "part": part},
                   headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"})
"""


def _command(emulator: EmulatorServer, cassettes: Path, mode: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *LEAN_PLUGINS,
        "-q", "test_rec.py",
        "--kpn-target=emulator", f"--kpn-record-mode={mode}", f"--kpn-cassettes={cassettes}",
        f"--kpn-emulator-url={emulator.base_url}", *extra,
    ]  # fmt: skip


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _interrupt(process: subprocess.Popen[bytes], emulator: EmulatorServer, how: str) -> None:
    """Wait until the run is mid-way, then send ``how`` ("SIGINT" to the group, "SIGTERM" to the pid)."""
    deadline = time.monotonic() + STOP_WITHIN * 2
    while emulator.stats()["requests"].get("GET /api/devices", 0) < 2:
        assert process.poll() is None, "the recording run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the recording run never reached the API"
        time.sleep(0.02)
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    else:
        os.kill(process.pid, signal.SIGTERM)


def _run_interrupted(tmp_path: Path, emulator: EmulatorServer, mode: str, how: str, *extra: str) -> int:
    emulator.reset()
    emulator.add_fault_rule("GET /api/devices=latency:0.5")  # every call slow: the run is caught mid-way
    process = subprocess.Popen(
        _command(emulator, tmp_path / "cassettes", mode, *extra), cwd=tmp_path, env=environment(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        _interrupt(process, emulator, how)
        return process.wait(timeout=STOP_WITHIN)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the run ignored the signal
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_WITHIN)


def _leftovers(cassettes: Path) -> list[str]:
    files = [p for p in cassettes.rglob("*") if p.is_file()]
    return [p.name for p in files if p.suffix != ".yaml" and p.name != ".gitignore"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """One emulator for the module: each run resets it first, so no state passes between tests."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def recorded(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole recording of RECORDING, made once: each rewrite test interrupts the re-recording of a copy."""
    project = tmp_path_factory.mktemp("recorded")
    (project / "test_rec.py").write_text(RECORDING, encoding="utf-8")
    emulator.reset()  # no fault left by an earlier test: this run is not to be interrupted
    first = subprocess.run(
        _command(emulator, project / "cassettes", "rewrite"), cwd=project, env=environment(),
        capture_output=True, text=True, timeout=STOP_WITHIN * 4, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout[-2000:]
    return project / "cassettes"


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_an_interrupted_rewrite_keeps_the_previous_cassettes_byte_identical(
    tmp_path: Path, emulator: EmulatorServer, recorded: Path, how: str, workers: tuple[str, ...]
) -> None:
    (tmp_path / "test_rec.py").write_text(RECORDING, encoding="utf-8")
    cassettes = tmp_path / "cassettes"
    shutil.copytree(recorded, cassettes, ignore=shutil.ignore_patterns(".locks"))
    before = _snapshot(cassettes)
    assert len([name for name in before if name.startswith("test_rec/")]) == 2, sorted(before)

    returncode = _run_interrupted(tmp_path, emulator, "rewrite", how, *workers)

    assert returncode != 0, f"the run exited 0 after {how}: the signal was swallowed"
    after = _snapshot(cassettes)
    if how == "SIGTERM" and workers:
        # SIGTERM reached the controller only: a worker finishes the test it is running, and stops.
        for name, content in after.items():
            finished = name.startswith("tokens/") or len(load_cassette(cassettes / name).interactions) == 6
            assert content == before[name] or finished, f"{name} was cut short"
    else:
        assert after == before, f"a cassette changed although {how} stopped the recording mid-way"
    assert _leftovers(cassettes) == [], "a temporary or lock file was left behind"


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_an_interrupted_once_leaves_no_partial_cassette(
    tmp_path: Path, emulator: EmulatorServer, how: str, workers: tuple[str, ...]
) -> None:
    (tmp_path / "test_rec.py").write_text(RECORDING, encoding="utf-8")
    cassettes = tmp_path / "cassettes"
    returncode = _run_interrupted(tmp_path, emulator, "once", how, *workers)
    assert returncode != 0, f"the run exited 0 after {how}: the signal was swallowed"
    for path in cassettes.rglob("test_rec/*.yaml"):
        # A test that finished before the signal may have written its cassette: then it is whole.
        assert len(load_cassette(path).interactions) == 6, f"{path.name} holds a partial recording"
    assert _leftovers(cassettes) == [], "a temporary or lock file was left behind"
