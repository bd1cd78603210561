"""No data loss on ``kill -9``, the same results with ``pytest -n 2`` as serially, and flat memory under load.

Everything runs real pytest subprocesses through the plugin, with cassettes in tmp folders.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kpn_contract.cassettes.store import load_cassette
from kpn_contract.emulator import EmulatorServer
from tests.inner_pytest import LEAN_PLUGINS, environment

REPO_ROOT = Path(__file__).resolve().parents[2]
SUBPROCESS_TIMEOUT = 300


# What a hard kill leaves: -SIGKILL on POSIX; Windows has no SIGKILL (Popen.kill exits 1).
KILLED_CODE = -getattr(signal, "SIGKILL", -1)


def _pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *LEAN_PLUGINS, "-q", *args]


# -- kill -9 during a recording ------------------------------------------------------------------------

SLOW_RECORDING = """
import pytest

@pytest.mark.kpn(profile="things")
def test_record(kpn_client):
    client = kpn_client()
    for page in range(4):
        client.get("/api/devices", params={"currentPage": page},
                   headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"})
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


@pytest.mark.slow
def test_kill_9_during_a_recording_leaves_the_previous_cassettes_intact(tmp_path: Path) -> None:
    (tmp_path / "test_slow.py").write_text(SLOW_RECORDING, encoding="utf-8")
    cassettes = tmp_path / "cassettes"
    with EmulatorServer() as emulator:
        args = [
            "test_slow.py",
            "--kpn-target=emulator",
            "--kpn-record-mode=all",
            f"--kpn-cassettes={cassettes}",
            f"--kpn-emulator-url={emulator.base_url}",
        ]
        first = subprocess.run(
            _pytest_command(*args), cwd=tmp_path, env=environment(), capture_output=True, text=True,
            timeout=SUBPROCESS_TIMEOUT, check=False,
        )  # fmt: skip
        assert first.returncode == 0, first.stdout[-2000:]
        before = _snapshot(cassettes)
        assert "test_slow/test_record.yaml" in before
        assert any(name.startswith("tokens/") for name in before), "no token cassette was written"

        emulator.reset()
        emulator.add_fault_rule("GET /api/devices=latency:1.0")  # every call slow: the run is caught mid-way
        process = subprocess.Popen(
            _pytest_command(*args), cwd=tmp_path, env=environment(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            # Kill once one response is recorded and the next is in flight.
            while emulator.stats()["requests"].get("GET /api/devices", 0) < 2:
                assert process.poll() is None, "the recording run ended before it could be killed"
                assert time.monotonic() < deadline, "the recording run never reached the API"
                time.sleep(0.02)
            process.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        finally:
            process.wait(timeout=30)
        assert process.returncode == KILLED_CODE

    after = _snapshot(cassettes)
    assert after == before, "a cassette changed although the recording was killed before it finished"
    for name in after:
        assert load_cassette(cassettes / name).interactions
    leftovers = [
        p.name
        for p in cassettes.rglob("*")
        if p.is_file() and not p.name.endswith(".yaml") and ".locks" not in p.parts  # the lock folder
    ]
    assert leftovers == [], "a half-written temporary file was left behind"


# -- the contract suite, serial and with xdist ----------------------------------------------------------


def _run_contract_suite(junit: Path, cassettes: Path, *extra: str) -> dict[str, str]:
    """Run tests/contract and return the outcome of every test id, from its JUnit XML."""
    command = _pytest_command("tests/contract", f"--junitxml={junit}", f"--kpn-cassettes={cassettes}", *extra)
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=environment(), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT
    )
    assert junit.exists(), result.stdout[-3000:] + result.stderr[-2000:]
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return outcomes


def _interactions(folder: Path) -> dict[str, list[tuple[str, str, int]]]:
    """Per cassette, what was asked and answered (tokens differ between runs; these do not)."""
    return {
        str(path.relative_to(folder)): [(i.method, i.uri, i.status) for i in load_cassette(path).interactions]
        for path in sorted(folder.rglob("*.yaml"))
    }


@pytest.mark.slow
def test_xdist_records_and_replays_the_contract_suite_like_a_serial_run(tmp_path: Path) -> None:
    record = ["--kpn-target=emulator", "--kpn-record-mode=all"]
    serial_dir, parallel_dir = tmp_path / "serial", tmp_path / "parallel"
    runs = {
        "record serial": _run_contract_suite(tmp_path / "r1.xml", serial_dir, *record),
        "record -n 2": _run_contract_suite(tmp_path / "r2.xml", parallel_dir, *record, "-n", "2"),
        # Crosswise, so each recording replays in the other mode than the one that made it.
        "replay serial recording with -n 2": _run_contract_suite(tmp_path / "p1.xml", serial_dir, "-n", "2"),
        "replay -n 2 recording serially": _run_contract_suite(tmp_path / "p2.xml", parallel_dir),
    }
    reference = runs["record serial"]
    assert len(reference) >= 16
    assert set(reference.values()) <= {"passed", "skipped"}, reference
    for name, outcomes in runs.items():
        assert outcomes == reference, f"{name} differs from the serial recording run"
    # Both recordings hold the same cassettes with the same calls, whichever worker made them.
    serial, parallel = _interactions(serial_dir), _interactions(parallel_dir)
    assert serial.keys() == parallel.keys()
    tests_only = [name for name in serial if not name.startswith("tokens/")]
    assert {n: serial[n] for n in tests_only} == {n: parallel[n] for n in tests_only}
    # Each worker fetched its own tokens: the same requests and answers, maybe more than once.
    for name in serial.keys() - set(tests_only):
        assert set(serial[name]) == set(parallel[name])


# -- load ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_replaying_10000_interactions_across_workers_keeps_memory_flat() -> None:
    script = str(REPO_ROOT / "benchmarks" / "load.py")
    result = subprocess.run(
        [sys.executable, script, "--sizes", "2000", "10000", "--workers", "2", "--no-specs"],
        cwd=REPO_ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    small, large = summary["sizes"]
    assert (small["interactions"], large["interactions"]) == (2000, 10000)
    assert small["passed"] == small["tests"]
    assert large["passed"] == large["tests"]
    assert len(large["peak_rss_mb"]) == 2, "each of the two workers reports its peak RSS"
    assert max(large["peak_rss_mb"].values()) <= 1.5 * max(small["peak_rss_mb"].values())
