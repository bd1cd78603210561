"""Load: replay 10,000 recorded interactions across xdist workers and show that memory stays flat.

It records ONE test making ``--per-test`` validated KPN Things calls through ``kpn_client`` against
the emulator (through the plugin), once per run. For each size it builds a throw-away pytest project
with that recording (tokens included), clones the cassette with the cassette store API for every
other test, and replays the whole set with ``pytest -n WORKERS``. Each worker writes its peak RSS
(``ru_maxrss``) when its session ends.

Prints one line per size, then one JSON line last (``spec_load_s``: loading every bundled spec cold,
``spec_load``: cold and warm with CPU seconds, ``load_goal_met``: under 3 s, see ``_spec_load.py``)::

    {"per_test": 100, "workers": 2, "sizes": [{"interactions": 2000, "tests": 20, "seconds": ...,
     "passed": 20, "peak_rss_mb": {"gw0": ..., "gw1": ...}}, ...]}

Run: ``.venv/bin/python benchmarks/load.py [--sizes 2000 10000] [--per-test 100] [--workers 2]``
(``--specs-only``: only the spec load time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kpn_contract.cassettes.naming import cassette_path
from kpn_contract.cassettes.store import Cassette, load_cassette, save_cassette

TEST_MODULE = """
import os

import pytest

DEVICES_JSON = "application/vnd.kpnthings.device.v1.response+json"
TESTS = int(os.environ["KPN_LOAD_TESTS"])
PER_TEST = int(os.environ["KPN_LOAD_PER_TEST"])


@pytest.mark.kpn(profile="things")
@pytest.mark.parametrize("case", range(TESTS))
def test_replay(kpn_client, case):
    client = kpn_client()
    for page in range(PER_TEST):
        response = client.get(
            "/api/devices", params={"pageSize": 2, "currentPage": page}, headers={"Accept": DEVICES_JSON}
        )
        assert response.status_code == 200
"""

# Every worker (and the controller) writes its own peak resident set size when its session ends.
CONFTEST = """
import json
import os
import resource
from pathlib import Path


def pytest_sessionfinish(session):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    out = Path(os.environ["KPN_LOAD_RSS_DIR"]) / f"{worker}.json"
    out.write_text(json.dumps({"worker": worker, "peak_rss_mb": round(peak_kb / 1024, 1)}))
"""

NODE = "test_load.py::test_replay[{}]"


def _environment(tests: int, per_test: int, rss_dir: Path) -> dict[str, str]:
    # Not PYTEST_XDIST_*: run from an xdist worker (the load test), the inner controller would report
    # its RSS under the outer worker's name, gw0 or gw1, over an inner worker's own report.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("KPN_", "PYTEST_XDIST"))}
    env.update(KPN_LOAD_TESTS=str(tests), KPN_LOAD_PER_TEST=str(per_test), KPN_LOAD_RSS_DIR=str(rss_dir))
    return env


def _pytest(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_load.py", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)


def record_template(folder: Path, per_test: int) -> Path:
    """Record one test against the emulator: the cassette every size clones (recorded once per run)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_load.py").write_text(TEST_MODULE, encoding="utf-8")
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    cassettes = folder / "cassettes"
    rss = folder / "rss-record"
    rss.mkdir(exist_ok=True)
    recorded = _pytest(
        folder,
        _environment(1, per_test, rss),
        "--kpn-target=emulator",
        "--kpn-record-mode=all",
        f"--kpn-cassettes={cassettes}",
    )
    if recorded.returncode != 0:
        raise RuntimeError(
            f"recording the template failed:\n{recorded.stdout[-3000:]}{recorded.stderr[-2000:]}"
        )
    template = load_cassette(cassette_path(cassettes, NODE.format(0)))
    if len(template.interactions) != per_test:
        raise RuntimeError(f"the template holds {len(template.interactions)} interactions, not {per_test}")
    return folder


def build(folder: Path, tests: int, template: Path) -> Path:
    """Write the project: the template's cassettes (tokens included) and one clone per other test."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_load.py").write_text(TEST_MODULE, encoding="utf-8")
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    cassettes = folder / "cassettes"
    shutil.copytree(template / "cassettes", cassettes, ignore=shutil.ignore_patterns(".locks"))
    recorded = load_cassette(cassette_path(cassettes, NODE.format(0)))
    for case in range(1, tests):
        path = cassette_path(cassettes, NODE.format(case))
        save_cassette(Cassette(path=path, interactions=recorded.interactions, meta=recorded.meta), lock=False)
    return cassettes


def replay(folder: Path, tests: int, per_test: int, workers: int) -> dict[str, Any]:
    """Replay every cassette with ``pytest -n workers``; the time, the outcome and each worker's peak RSS."""
    rss = folder / f"rss-{tests}"
    rss.mkdir(exist_ok=True)
    started = time.perf_counter()
    result = _pytest(
        folder,
        _environment(tests, per_test, rss),
        "-n",
        str(workers),
        f"--kpn-cassettes={folder / 'cassettes'}",
    )
    seconds = time.perf_counter() - started
    passed = re.search(r"(\d+) passed", result.stdout)
    peaks = {}
    for report in sorted(rss.glob("gw*.json")):
        data = json.loads(report.read_text(encoding="utf-8"))
        peaks[data["worker"]] = data["peak_rss_mb"]
    return {
        "interactions": tests * per_test,
        "tests": tests,
        "seconds": round(seconds, 2),
        "passed": int(passed.group(1)) if passed else 0,
        "exit_code": result.returncode,
        "peak_rss_mb": peaks,
        **({"output": result.stdout[-2000:]} if result.returncode else {}),
    }


def run(sizes: list[int], per_test: int, workers: int, root: Path) -> dict[str, Any]:
    """Build and replay every size under ``root``; the JSON summary."""
    results = []
    # One recording serves every size: each size replays clones of the same recorded test.
    template = record_template(root / "template", per_test)
    for size in sizes:
        tests = max(size // per_test, 1)
        folder = root / f"size-{size}"
        build(folder, tests, template)
        outcome = replay(folder, tests, per_test, workers)
        print(
            f"{outcome['interactions']:>6} interactions in {outcome['tests']} tests: "
            f"{outcome['seconds']:.1f} s, {outcome['passed']} passed, "
            f"peak RSS per worker (MB): {outcome['peak_rss_mb']}"
        )
        results.append(outcome)
    return {"per_test": per_test, "workers": workers, "sizes": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--per-test", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    parser.add_argument("--specs-only", action="store_true", help="only the load time of the bundled specs")
    parser.add_argument(
        "--no-specs", action="store_true", help="only the replays (the load test of tests/reliability)"
    )
    args = parser.parse_args(argv)
    if args.specs_only:
        load = spec_load_seconds()
        summary = {"spec_load_s": load["cold_s"], "spec_load": load, "load_goal_met": load["goal_met"]}
        print(json.dumps(summary))
        return 0
    if args.keep:
        summary = run(args.sizes, args.per_test, args.workers, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kpn-load-") as tmp:
            summary = run(args.sizes, args.per_test, args.workers, Path(tmp))
    if not args.no_specs:
        load = spec_load_seconds()
        summary.update(spec_load_s=load["cold_s"], spec_load=load, load_goal_met=load["goal_met"])
    print(json.dumps(summary))
    return 0 if all(s["exit_code"] == 0 for s in summary["sizes"]) else 1


def spec_load_seconds() -> dict[str, Any]:
    """Loading every bundled spec, cold and warm, each in a fresh process (the issue's bound: under 3 s)."""
    from _spec_load import spec_load

    return spec_load()


if __name__ == "__main__":
    raise SystemExit(main())
