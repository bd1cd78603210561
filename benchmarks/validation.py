"""Throughput of response validation on a 20-device KPN Things page, against its baselines, in one run.

Prints human-readable lines, then one JSON line last:
``{"ours_per_s", "json_loads_per_s", "naive_jsonschema_per_s", "load_all_34_s", ...}``.

* ours: the full ``Validator.validate(...)`` path from bytes (operation lookup, status and
  content-type rules, JSON parse, compiled jsonschema-rs schema);
* json_loads: ``json.loads`` alone on the same bytes (the goal: ours >= 50% of it);
* naive_jsonschema: a jsonschema Draft 2020-12 validator built per call (the goal: ours >= 20x);
* load_all_34_s: cold load and index of ../shared/kpn-specs, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import jsonschema_rs

from kpn_contract.contract.specs import SpecIndex, bundled_spec_dir, load_specs
from kpn_contract.contract.validate import Validator

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "kpn-specs"
URL = "https://api.kpnthings.com/api/devices?currentPage=0&pageSize=20"
HEADERS = {"Content-Type": "application/vnd.kpnthings.device.v1.response+json;charset=UTF-8"}


def device_page(n: int = 20) -> bytes:
    content = [
        {
            "uuid": f"0d6f8f2c-1a2b-4c3d-8e9f-{i:012d}",
            "name": f"sensor-{i:03d}",
            "description": "Temperature and humidity sensor, building 7",
            "metadata": None if i % 2 else {"room": f"7.{i:02d}", "floor": 7},
            "deviceSpecificationUUID": "a1b2c3d4-0000-4000-8000-000000000001",
            "barcode": None if i % 3 else f"KPN{i:08d}",
        }
        for i in range(n)
    ]
    sort = [
        {
            "direction": "ASC",
            "property": "name",
            "ignoreCase": False,
            "nullHandling": "NATIVE",
            "ascending": True,
            "descending": False,
        }
    ]
    page = {
        "content": content,
        "last": False,
        "first": True,
        "totalPages": 3,
        "totalElements": 55,
        "numberOfElements": n,
        "size": n,
        "number": 0,
        "sort": sort,
    }
    return json.dumps(page).encode()


def rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    """Calls per second, best of three rounds of about ``seconds / 3`` each."""
    fn()
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for _ in range(50):
                fn()
            n += 50
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, n / (now - start))
    return best


def cold_load_seconds() -> float:
    code = (
        "import time; t=time.perf_counter();"
        "from kpn_contract.contract.specs import SpecIndex, load_specs;"
        f"i=SpecIndex(load_specs([{str(CORPUS)!r}]));"
        "print(time.perf_counter()-t, len(i.operations))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    seconds, operations = out.split()
    print(f"cold load + index of {CORPUS.name}: {float(seconds):.2f} s, {operations} operations")
    return float(seconds)


def main() -> None:
    body = device_page()
    index = SpecIndex(load_specs([bundled_spec_dir()]))
    validator = Validator(index)
    assert validator.validate("GET", URL, 200, HEADERS, body) == [], "the benchmark page must be valid"
    operation = index.find("GET", URL)
    assert operation is not None
    schema = operation.responses["200"].content[HEADERS["Content-Type"].split(";")[0]].schema
    assert schema is not None
    compiled_rs = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)

    ours = rate(lambda: validator.validate("GET", URL, 200, HEADERS, body))
    loads = rate(lambda: json.loads(body))
    schema_only_rs = rate(lambda: compiled_rs.is_valid(json.loads(body)))
    cached_py = jsonschema.Draft202012Validator(schema)
    cached_jsonschema = rate(lambda: cached_py.is_valid(json.loads(body)))
    naive = rate(lambda: jsonschema.Draft202012Validator(schema).is_valid(json.loads(body)))
    load_all = cold_load_seconds() if CORPUS.is_dir() else float("nan")

    print(f"page: {len(body)} bytes, 20 devices")
    print(f"json.loads alone:                          {loads:12.0f}/s")
    print(f"ours (full validate from bytes):           {ours:12.0f}/s  = {ours / loads:.0%} of json.loads")
    print(f"json.loads + jsonschema-rs is_valid:       {schema_only_rs:12.0f}/s")
    print(f"json.loads + cached jsonschema (Python):   {cached_jsonschema:12.0f}/s")
    print(f"naive jsonschema, validator built per call: {naive:11.0f}/s  ours is {ours / naive:.0f}x")
    print(
        json.dumps(
            {
                "ours_per_s": round(ours),
                "json_loads_per_s": round(loads),
                "naive_jsonschema_per_s": round(naive),
                "load_all_34_s": round(load_all, 3),
                "ours_vs_json_loads": round(ours / loads, 3),
                "ours_vs_naive": round(ours / naive, 1),
                "cached_jsonschema_per_s": round(cached_jsonschema),
                "jsonschema_rs_schema_only_per_s": round(schema_only_rs),
            }
        )
    )


if __name__ == "__main__":
    main()
