"""Stock ``schemathesis run`` against the emulator for every bundled spec, the known failures included.

Runs what ``tests/unit/fuzz/test_stock_schemathesis.py`` runs (the schemathesis CLI's own command, in
this process, against one emulator; the spec's server base path; a gateway token for API Store products,
a GRIP token for KPN Things), but for every spec, and prints one line per spec (exit code, seconds, the
failure codes schemathesis reports), then one JSON line last::

    {"specs": 47, "passed": ..., "cases": ..., "seconds": ..., "results": [{"spec": ..., "code": ..., ...}]}

Run: ``.venv/bin/python benchmarks/stock.py [--max-examples 1] [--seed 20] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_FAILURE = re.compile(r"^\s*\S+\s+(ST\d{3}|Schema Error)[^:\n]*: (\d+)$", re.MULTILINE)
_CASES = re.compile(r"^Test cases:\n\s+(\d+) generated", re.MULTILINE)  # schemathesis's summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--only", action="append", default=[], help="a spec (file name part) to run")
    parser.add_argument("--no-config", action="store_true", help="without the repository's schemathesis.toml")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings
    from tests.unit.fuzz.test_stock_schemathesis import (
        CONFIG,
        bundled_specs,
        issue_tokens,
        run_stock_cli,
        stock_arguments,
    )

    os.chdir(tempfile.mkdtemp(prefix="kpn-stock-"))  # schemathesis keeps its crash cache in the cwd
    specs = [s for s in bundled_specs() if not args.only or any(n in s.name for n in args.only)]
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with EmulatorServer(EmulatorSettings(remember_deletions=True)) as server:
        issued = issue_tokens(server.base_url)
        for spec in specs:
            arguments = ["--config-file", str(CONFIG)] if not args.no_config else []
            arguments += stock_arguments(spec, server, issued, max_examples=args.max_examples, seed=args.seed)
            one = time.perf_counter()
            exit_code, output = run_stock_cli(arguments)
            failures = {code: int(n) for code, n in _FAILURE.findall(output)}
            seconds = round(time.perf_counter() - one, 1)
            cases = int(found.group(1)) if (found := _CASES.search(output)) else 0
            row = {"spec": spec.name, "code": exit_code, "seconds": seconds, "cases": cases}
            results.append({**row, "failures": failures})
            verdict = "ok  " if exit_code == 0 else "FAIL"
            print(f"{verdict} {spec.name:<45} {seconds:>6.1f}s {cases:>6} cases {failures}")
            sys.stdout.flush()
    summary = {
        "specs": len(results),
        "passed": sum(1 for r in results if r["code"] == 0),
        "cases": sum(r["cases"] for r in results),
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
