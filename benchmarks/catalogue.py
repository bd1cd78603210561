"""The whole KPN API Store catalogue, fuzzed offline: every published definition, as published.

For each file of ``../shared/kpn-specs`` (or the folder given), the file is copied as-is into a folder
of its own, a throw-away project names that folder as its ``spec_dir``, and ``kpn-contract fuzz
--profile sandbox --spec FILE --target emulator`` runs against the emulator it starts (which serves
that folder). With ``--bundled`` the derived definitions in ``specs/`` are fuzzed by product name.

Prints one line per product (exit code, cases, warnings, seconds), then one JSON line last::

    {"products": 34, "passed": ..., "cases": ..., "seconds": ..., "spec_load_s": ...,
     "published_load_s": ..., "spec_load": {...}, "published_load": {...}, "load_goal_met": ...,
     "results": [...]}

``seconds`` is the whole-catalogue fuzz time; the load times are cold and warm, each in a fresh
process, with CPU seconds; ``load_goal_met``: both folders load in under 3 s (``_spec_load.py``).

Run: ``.venv/bin/python benchmarks/catalogue.py [FOLDER] [--max-examples 5] [--seed N] [--only NAME]
[--skip NAME] [--bundled] [--show]``; ``--only``/``--skip`` match part of a file stem (or, with
``--bundled``, of a product name).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _spec_load import spec_load

from kpn_contract.contract.specs import bundled_spec_dir, load_spec
from kpn_contract.fuzz import API_SPECS, run_fuzz

PUBLISHED = Path(__file__).resolve().parent.parent.parent / "shared" / "kpn-specs"
_CASES = re.compile(r"^(\d+) cases? over", re.MULTILINE)


def fuzz_one(spec: Path, *, max_examples: int, seed: int | None, workdir: Path) -> dict[str, Any]:
    """Copy ``spec`` into a folder of its own and fuzz it against the emulator; the figures."""
    folder = workdir / spec.stem
    folder.mkdir()
    copy = folder / spec.name
    shutil.copyfile(spec, copy)
    config = workdir / f"{spec.stem}.toml"
    config.write_text(f'spec_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    return _fuzz(spec.stem.removesuffix("-openapi"), copy, copy, max_examples, seed, config)


def fuzz_bundled(name: str, *, max_examples: int, seed: int | None) -> dict[str, Any]:
    """Fuzz the derived definition of product ``name`` in ``specs/`` by its name; the figures."""
    return _fuzz(name, name, bundled_spec_dir() / API_SPECS[name], max_examples, seed, None)


def _fuzz(
    product: str,
    spec: str | Path,
    file: Path,
    max_examples: int,
    seed: int | None,
    config: Path | None,
) -> dict[str, Any]:
    out = io.StringIO()
    started = time.perf_counter()
    try:
        code = run_fuzz(
            "sandbox",
            spec=spec,
            target="emulator",
            max_examples=max_examples,
            seed=seed,
            out=out,
            config_path=config,
        )
    except Exception as exc:  # a benchmark reports every failure and goes on
        code = 3
        out.write(f"{type(exc).__name__}: {exc}\n")
    seconds = time.perf_counter() - started
    cases = _CASES.search(out.getvalue())
    return {
        "product": product,
        "code": code,
        "cases": int(cases.group(1)) if cases else 0,
        "warnings": len(load_spec(file).warnings),
        "seconds": round(seconds, 1),
        "output": out.getvalue(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PUBLISHED)
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--only", action="append", default=[], help="a product (file stem) to run")
    parser.add_argument("--skip", action="append", default=[], help="a product (file stem) to leave out")
    parser.add_argument("--show", action="store_true", help="print the fuzz output of failing products")
    parser.add_argument(
        "--bundled", action="store_true", help="fuzz the derived definitions in specs/ by product name"
    )
    args = parser.parse_args()

    bundled_load = spec_load(bundled_spec_dir())  # cold and warm, each in a fresh process
    published_load = spec_load(args.folder)

    if args.bundled:
        names = sorted(name for name in API_SPECS if name != "things")
    else:
        names = [f.name for f in sorted(args.folder.glob("*.y*ml"))]
    if args.only:
        names = [n for n in names if any(part in n for part in args.only)]
    names = [n for n in names if not any(part in n for part in args.skip)]
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if args.bundled:
                result = fuzz_bundled(name, max_examples=args.max_examples, seed=args.seed)
            else:
                result = fuzz_one(
                    args.folder / name, max_examples=args.max_examples, seed=args.seed, workdir=Path(tmp)
                )
            print(
                f"{'ok  ' if result['code'] == 0 else 'FAIL'} {result['product']:<45} "
                f"{result['cases']:>6} cases "
                f"{result['warnings']:>3} warnings {result['seconds']:>6.1f}s"
            )
            if args.show and result["code"] != 0:
                print(result["output"])
            results.append({k: v for k, v in result.items() if k != "output"})
            sys.stdout.flush()
    total = time.perf_counter() - started
    summary = {
        "products": len(results),
        "passed": sum(1 for r in results if r["code"] == 0),
        "cases": sum(r["cases"] for r in results),
        "seconds": round(total, 1),
        "spec_load_s": bundled_load["cold_s"],
        "published_load_s": published_load["cold_s"],
        "spec_load": bundled_load,
        "published_load": published_load,
        "load_goal_met": bundled_load["goal_met"] and published_load["goal_met"],
        "results": results,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
