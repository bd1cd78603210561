"""The load time of a folder of definitions, cold and warm, each in a fresh process (issue 20's 3 s bound).

The folder is copied into a throw-away project (a ``kpn-contract.toml`` beside it), so the parsed-file
cache starts empty and is the project's own. *Cold*: the first load, every file parsed (an empty
cache, as after a fresh clone). *Warm*: a second fresh process, the parsed forms read back from the
cache. Each process times ``load_specs`` over the folder, not its own start-up or imports.

Used by ``load.py`` and ``catalogue.py``; run alone: ``.venv/bin/python benchmarks/_spec_load.py [FOLDER]``
(default the bundled ``specs/``), which prints one JSON line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

LOAD_GOAL_S: Final = 3.0  # issue 20: every bundled spec loads in under 3 s

_TIMED_LOAD = """
import json, sys, time
from pathlib import Path
from kpn_contract.contract.specs import load_specs
started, cpu = time.perf_counter(), time.process_time()
specs = load_specs([Path(sys.argv[1])])
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "specs": len(specs)}))
"""


def _timed_load(folder: Path, project: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _TIMED_LOAD, str(folder)],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def spec_load(folder: Path | None = None) -> dict[str, Any]:
    """``{"specs": n, "cold_s": …, "warm_s": …, "cold_cpu_s": …, "warm_cpu_s": …, "goal_s": 3.0,
    "goal_met": …, "goal_met_wall": …}`` for ``folder`` (``goal_met``: both CPU times under the bound).
    """
    if folder is None:
        from kpn_contract.contract.specs import bundled_spec_dir

        folder = bundled_spec_dir()
    with tempfile.TemporaryDirectory(prefix="kpn-spec-load-") as tmp:
        project = Path(tmp)
        (project / "kpn-contract.toml").write_text("", encoding="utf-8")
        copy = project / "specs"
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("_tools", "__pycache__"))
        cold = _timed_load(copy, project)
        warm = _timed_load(copy, project)
    cold_s, warm_s = round(cold["seconds"], 2), round(warm["seconds"], 2)
    return {
        "specs": cold["specs"],
        "cold_s": cold_s,
        "warm_s": warm_s,
        # CPU seconds of the loading process: what the load costs, whatever else the machine runs.
        "cold_cpu_s": round(cold["cpu"], 2),
        "warm_cpu_s": round(warm["cpu"], 2),
        "goal_s": LOAD_GOAL_S,
        # Loading is single-threaded: on an idle machine wall ≈ CPU, on a loaded one wall is the wait.
        "goal_met": max(cold["cpu"], warm["cpu"]) < LOAD_GOAL_S,
        "goal_met_wall": max(cold_s, warm_s) < LOAD_GOAL_S,
    }


if __name__ == "__main__":
    print(json.dumps(spec_load(Path(sys.argv[1]) if len(sys.argv) > 1 else None)))
