"""``kpn-contract diff`` end to end on the largest published definition against itself, in one run.

Measures, each in a fresh interpreter as a user runs it (``kpn-contract diff SPEC SPEC``), from a
throwaway project folder (a ``kpn-contract.toml``, so the parsed-file cache has a home):

* ``cold_s``: the parsed-file cache empty (the YAML parsed once; the second load of the same bytes
  already reads the entry the first one wrote);
* ``warm_s``: the file unchanged since (both loads from the cache): the goal is < 1 s;
* ``no_cache_s``: with the cache switched off (``KPN_CONTRACT_CACHE=0``): both YAML parses;
* ``diff_only_s``: ``diff_specs`` alone on the two loaded specs, in this process;
* ``oasdiff_s``: ``oasdiff breaking SPEC SPEC`` on the same pair, when an ``oasdiff`` binary is on the
  PATH (``null`` and ``"oasdiff": "not installed"`` otherwise).

Best of three for each end-to-end figure, in wall seconds and (``*_cpu_s``) in CPU seconds of the
child, which a machine loaded by other work disturbs less. The last line printed is one JSON object.

    .venv/bin/python benchmarks/diff.py [--specs ../shared/kpn-specs]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.spec.specdiff import diff_specs

REPO = Path(__file__).resolve().parent.parent
LARGEST = "kpn-sd-lan-sd-wan-network-view-openapi.yml"
GOAL_S = 1.0
CLI = str(Path(sys.executable).with_name("kpn-contract"))


CPU: dict[str, float] = {}  # label -> the least CPU seconds (user + system) of its runs


def _timed(args: list[str], cwd: Path, env: dict[str, str], label: str = "") -> float:
    """Wall seconds of one run; its CPU seconds are kept in CPU (less disturbed by a loaded machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if label:
        CPU[label] = min(CPU.get(label, cpu), cpu)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--specs", type=Path, default=REPO.parent / "shared" / "kpn-specs")
    args = parser.parse_args()
    spec = (args.specs / LARGEST).resolve()
    if not spec.is_file():
        raise SystemExit(f"{spec} not found (the published definitions live in ../shared/kpn-specs)")
    result: dict[str, Any] = {"spec": spec.name, "spec_bytes": spec.stat().st_size}

    start = time.perf_counter()
    old, new = load_spec(spec), load_spec(spec)
    loaded = time.perf_counter() - start
    result["operations"] = len(old.operations)
    start = time.perf_counter()
    diff_specs(old, new)
    result["diff_only_s"] = time.perf_counter() - start
    print(f"{spec.name}: {result['operations']} operations, {result['spec_bytes']:,} bytes")
    print(f"two loads in this process: {loaded:.2f} s; diff_specs alone: {result['diff_only_s']:.3f} s")

    command = [CLI, "diff", str(spec), str(spec)]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "kpn-contract.toml").write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "KPN_CONTRACT_CACHE"}
        cold = []
        for _ in range(3):
            shutil.rmtree(project / ".kpn-contract-cache", ignore_errors=True)
            cold.append(_timed(command, project, env, "cold"))
        result["cold_s"] = min(cold)
        result["warm_s"] = min(_timed(command, project, env, "warm") for _ in range(3))
        off = {**env, "KPN_CONTRACT_CACHE": "0"}
        result["no_cache_s"] = min(_timed(command, project, off, "no_cache") for _ in range(3))
        oasdiff = shutil.which("oasdiff")
        if oasdiff:
            result["oasdiff"] = oasdiff
            result["oasdiff_s"] = min(
                _timed([oasdiff, "breaking", str(spec), str(spec)], project, env) for _ in range(3)
            )
            result["warm_over_oasdiff"] = round(result["warm_s"] / result["oasdiff_s"], 2)
        else:
            result["oasdiff"] = "not installed"
            result["oasdiff_s"] = None

    print(f"kpn-contract diff, cache empty:     {result['cold_s']:.2f} s")
    print(f"kpn-contract diff, file unchanged:  {result['warm_s']:.2f} s  (goal < {GOAL_S:.0f} s)")
    print(f"kpn-contract diff, cache off:       {result['no_cache_s']:.2f} s")
    oasdiff_s = result["oasdiff_s"]
    print(f"oasdiff: {result['oasdiff'] if oasdiff_s is None else f'{oasdiff_s:.2f} s'}")
    print("CPU seconds (user + system): " + ", ".join(f"{k} {v:.2f}" for k, v in CPU.items()))
    for label, seconds in CPU.items():
        result[f"{label}_cpu_s"] = seconds
    for key in ("diff_only_s", "cold_s", "warm_s", "no_cache_s", *(f"{k}_cpu_s" for k in CPU)):
        result[key] = round(result[key], 3)
    result["warm_over_goal"] = round(result["warm_s"] / GOAL_S, 3)
    result["targets_met"] = result["warm_s"] < GOAL_S
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["targets_met"] else 1)


if __name__ == "__main__":
    main()
