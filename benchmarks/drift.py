"""Time the drift hot paths: the largest spec diffed against a mutated copy, and drift over 3,000
recorded interactions. Targets: diff < 0.2 s (issue 15; issue 5 had 2 s), drift < 5 s. The last line
printed is JSON.

Run: .venv/bin/python benchmarks/drift.py [--specs ../shared/kpn-specs]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from kpn_contract.cassettes.store import Cassette, Interaction, dump_cassette
from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.recordings.shapes import drift_recordings
from kpn_contract.drift.spec.specdiff import diff_specs

LARGEST = "kpn-sd-lan-sd-wan-network-view-openapi.yml"
DIFF_TARGET_S = 0.2
DRIFT_TARGET_S = 5.0
INTERACTIONS = 3000
PER_CASSETTE = 100


def _mutate(raw: dict[str, Any]) -> None:
    """Touch many operations: delete some, retype response fields, add required parameters."""
    rng = random.Random(5)
    paths = raw["paths"]
    for n, path in enumerate(list(paths)):
        item = paths[path]
        if n % 25 == 0:
            del paths[path]
            continue
        for method, op in item.items():
            if not isinstance(op, dict) or method == "parameters":
                continue
            if n % 7 == 0:
                op.setdefault("parameters", []).append(
                    {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}
                )
            for response in op.get("responses", {}).values():
                schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
                props = (schema.get("items") or schema).get("properties") or {}
                for name in list(props)[:2]:
                    if rng.random() < 0.3:
                        props[name] = {"type": "integer"}


def bench_diff(specs: Path, work: Path) -> dict[str, float]:
    source = specs / LARGEST
    started = time.perf_counter()
    old = load_spec(source)
    loaded = time.perf_counter() - started
    raw = yaml.load(source.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    mutated = copy.deepcopy(raw)
    _mutate(mutated)
    target = work / "mutated.yml"
    target.write_text(yaml.safe_dump(mutated, sort_keys=False), encoding="utf-8")
    new = load_spec(target)
    started = time.perf_counter()
    findings = diff_specs(old, new)
    diffed = time.perf_counter() - started
    return {
        "operations": len(old.operations),
        "findings": len(findings),
        "diff_s": round(diffed, 3),
        "load_one_spec_s": round(loaded, 3),
        "load_both_and_diff_s": round(2 * loaded + diffed, 3),
    }


def _page(i: int, variant: str) -> bytes:
    devices = []
    for d in range(20):
        device: dict[str, Any] = {
            "uuid": f"00000000-0000-4000-8000-{i:06d}{d:06d}",
            "name": f"sensor {d}",
            "description": "Door sensor",
            "metadata": None if d % 3 else {"floor": d},
            "state": ["ACTIVE", "INACTIVE", "UNKNOWN"][d % 3],
            "barcode": None if d % 4 == 0 else f"{d:013d}",
        }
        if variant == "next":
            device["deviceSpecificationId"] = device.pop("uuid")
            device["lastSeen"] = "2026-11-20T08:00:00Z"
        devices.append(device)
    page = {"content": devices, "totalElements": 1000, "number": i, "size": 20, "last": False}
    if variant == "next":
        page["totalElements"] = "1000"
    return json.dumps(page).encode()


def _write_set(folder: Path, variant: str) -> None:
    folder.mkdir(parents=True)
    for c in range(INTERACTIONS // PER_CASSETTE):
        interactions = [
            Interaction(
                method="GET",
                uri=f"https://api.kpnthings.com/api/devices?currentPage={i}",
                request_headers=(("Accept", "application/json"),),
                request_body=b"",
                status=200,
                reason="OK",
                response_headers=(("Content-Type", "application/json"),),
                response_body=_page(i, variant),
            )
            for i in range(c * PER_CASSETTE, (c + 1) * PER_CASSETTE)
        ]
        path = folder / f"c{c:03d}.yaml"
        path.write_text(dump_cassette(Cassette(path=path, interactions=interactions)), encoding="utf-8")


def bench_drift(work: Path) -> dict[str, float]:
    _write_set(work / "base", "current")
    _write_set(work / "new", "next")
    started = time.perf_counter()
    findings = drift_recordings([work / "base"], [work / "new"], index=None)
    elapsed = time.perf_counter() - started
    return {"interactions_per_set": INTERACTIONS, "findings": len(findings), "drift_s": round(elapsed, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--specs", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "kpn-specs"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"benchmark": "drift"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if (args.specs / LARGEST).is_file():
            results["diff"] = bench_diff(args.specs, work)
            print(f"diff {LARGEST}: {results['diff']}", file=sys.stderr)
        else:
            results["diff"] = {"skipped": f"{args.specs / LARGEST} not found"}
        results["drift"] = bench_drift(work)
        print(f"drift: {results['drift']}", file=sys.stderr)
    results["targets"] = {"diff_s": DIFF_TARGET_S, "drift_s": DRIFT_TARGET_S}
    results["ok"] = (
        results["drift"]["drift_s"] < DRIFT_TARGET_S and results["diff"].get("diff_s", 0) < DIFF_TARGET_S
    )
    print(json.dumps(results))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
