"""Throughput of response and request validation against their baselines, and what validation costs a
replayed pytest run, in one run.

Prints human-readable lines, then one JSON line last:
``{"ours_per_s", "json_loads_per_s", "naive_jsonschema_per_s", "load_all_34_s", "request_per_s",
"pytest_overhead_ratio", ...}``.

* ours: the full ``Validator.validate(...)`` path from bytes (operation lookup, status and
  content-type rules, JSON parse, compiled jsonschema-rs schema);
* json_loads: ``json.loads`` alone on the same bytes (the goal: ours >= 1.0x it; ours and this
  baseline are timed in alternated rounds, best of seven each);
* naive_jsonschema: a jsonschema Draft 2020-12 validator built per call (the goal: ours >= 20x);
* load_all_34_s: cold load and index of ../shared/kpn-specs, in a fresh interpreter;
* request: ``Validator.check_request`` on a typical request, 10 parameters (path, query, header:
  uuid, pattern, boolean, enum, exploded array, date-time, bounded integer) and a 2 KB JSON body
  (the goal: >= 0.6x ``json.loads`` of that body alone, timed in alternated rounds);
* pytest overhead: ``tests/contract`` replayed with validation as shipped (requests and responses)
  and with it forced off (``_validation_off.py``), alternated, best of three each (the goal: < 10%);
  and, since a loaded machine's noise can swamp that ratio, the seconds spent validating measured
  inside the run (``_validation_timer.py``) against the rest of the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jsonschema
import jsonschema_rs
import yaml

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


def paired_rates(
    ours: Callable[[], object], baseline: Callable[[], object], rounds: int = 7
) -> tuple[float, float]:
    """(ours, baseline) calls per second, best of ``rounds`` alternated rounds each: on a machine loaded
    by other work, a burst of noise then falls on both sides rather than on whichever ran second."""
    best_ours = best_baseline = 0.0
    for _ in range(rounds):
        best_ours = max(best_ours, rate(ours, seconds=0.3))
        best_baseline = max(best_baseline, rate(baseline, seconds=0.3))
    return best_ours, best_baseline


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


REQUEST_SPEC = """
openapi: 3.1.0
info: {title: Request benchmark, version: '1'}
servers: [{url: 'https://api.example.test'}]
components:
  securitySchemes: {bearer: {type: http, scheme: bearer}}
security: [{bearer: []}]
paths:
  /projects/{projectId}/devices/{deviceId}/readings:
    post:
      operationId: addReadings
      parameters:
        - {name: projectId, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: deviceId, in: path, required: true, schema: {type: string, pattern: '^[A-F0-9]{16}$'}}
        - {name: dryRun, in: query, schema: {type: boolean}}
        - {name: source, in: query, schema: {type: string, enum: [sensor, import, manual]}}
        - {name: tags, in: query, schema: {type: array, items: {type: string, maxLength: 20}}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
        - {name: X-Request-Id, in: header, required: true, schema: {type: string, format: uuid}}
        - {name: x-client-id, in: header, schema: {type: string, minLength: 1}}
        - {name: Accept-Language, in: header, schema: {type: string, enum: [en, nl]}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [readings]
              properties:
                batch: {type: string, maxLength: 64}
                readings:
                  type: array
                  maxItems: 500
                  items:
                    type: object
                    required: [name, value, unit, time]
                    properties:
                      name: {type: string, minLength: 1, maxLength: 40}
                      value: {type: number}
                      unit: {type: string, enum: [Cel, '%RH', hPa, V]}
                      time: {type: string, format: date-time}
      responses:
        '202': {description: accepted}
"""


def typical_request() -> httpx.Request:
    """10 parameters and a 2 KB JSON body, valid, as a client would send them."""
    readings = [
        {
            "name": f"temperature-{i:02d}",
            "value": 20.5 + i,
            "unit": "Cel",
            "time": f"2026-11-30T10:{i:02d}:00Z",
        }
        for i in range(22)
    ]
    body = json.dumps({"batch": "building-7-morning", "readings": readings}).encode()
    url = (
        "https://api.example.test/projects/0d6f8f2c-1a2b-4c3d-8e9f-000000000001/devices/0123456789ABCDEF/readings"
        "?dryRun=false&source=sensor&tags=hall&tags=floor-7&since=2026-11-30T00:00:00Z&limit=50"
    )
    headers = {
        "Authorization": "Bearer benchmark-token",
        "Content-Type": "application/json",
        "X-Request-Id": "5b0c9a4e-8f1d-4e2a-9c3b-7d6e5f4a3b2c",
        "x-client-id": "customer-42",
        "Accept-Language": "nl",
    }
    return httpx.Request("POST", url, headers=headers, content=body)


def request_rates(tmp: Path) -> dict[str, float]:
    from kpn_contract.contract.specs import load_spec

    path = tmp / "request-benchmark.yaml"
    path.write_text(REQUEST_SPEC, encoding="utf-8")
    assert yaml.safe_load(REQUEST_SPEC)["paths"]
    validator = Validator(SpecIndex([load_spec(path)]))
    request = typical_request()
    assert validator.check_request(request) == [], validator.check_request(request)
    body = request.content
    ours, loads = paired_rates(lambda: validator.check_request(request), lambda: json.loads(body))
    print(f"request: 10 parameters, {len(body)} bytes of JSON body")
    print(f"check_request (full, from the httpx request): {ours:9.0f}/s  (goal >= 20,000/s)")
    print(f"json.loads of the body alone:                 {loads:9.0f}/s")
    return {"request_per_s": ours, "request_body_json_loads_per_s": loads, "request_body_bytes": len(body)}


def _pytest_run(plugin: str | None, tmp: Path) -> dict[str, float]:
    """One replayed run of tests/contract: wall seconds, pytest's session seconds, and with the timer
    plugin the seconds spent validating inside the run."""
    import os

    args = [sys.executable, "-m", "pytest", "tests/contract", "-q", "-p", "no:cacheprovider"]
    timer_out = tmp / "timer.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "benchmarks"), "KPN_VALIDATION_TIMER_OUT": str(timer_out)}
    if plugin:
        args += ["-p", plugin]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"tests/contract failed (plugin {plugin}):\n{done.stdout[-2000:]}")
    summary = done.stdout.strip().splitlines()[-1]  # "81 passed in 3.41s"
    result = {"wall": wall, "session": float(summary.rsplit(" in ", 1)[1].split("s", 1)[0])}
    if plugin == "_validation_timer":
        spent = json.loads(timer_out.read_text(encoding="utf-8"))
        result.update(validating=spent["seconds"], requests=spent["requests"], responses=spent["responses"])
    return result


def pytest_overhead(tmp: Path, rounds: int = 3) -> dict[str, float]:
    on: list[dict[str, float]] = []
    off: list[dict[str, float]] = []
    timed: list[dict[str, float]] = []
    for _ in range(rounds):  # alternated, so that machine noise falls on both sides
        on.append(_pytest_run(None, tmp))
        off.append(_pytest_run("_validation_off", tmp))
        timed.append(_pytest_run("_validation_timer", tmp))
    on_wall, off_wall = min(r["wall"] for r in on), min(r["wall"] for r in off)
    on_session, off_session = min(r["session"] for r in on), min(r["session"] for r in off)
    inside = min(timed, key=lambda r: r["validating"])
    share = inside["validating"] / (inside["session"] - inside["validating"])
    print(f"tests/contract replayed, validation on:  {on_wall:.2f} s wall, {on_session:.2f} s in pytest")
    print(f"tests/contract replayed, validation off: {off_wall:.2f} s wall, {off_session:.2f} s in pytest")
    print(f"validation overhead, on vs off: {on_wall / off_wall - 1:+.1%} of the wall time (goal < 10%)")
    print(
        f"measured inside: {inside['validating']:.3f} s validating ({inside['requests']:.0f} requests, "
        f"{inside['responses']:.0f} responses, specs loaded once) = {share:.1%} of the rest of the run"
    )
    return {
        "pytest_on_wall_s": round(on_wall, 3),
        "pytest_off_wall_s": round(off_wall, 3),
        "pytest_on_session_s": round(on_session, 3),
        "pytest_off_session_s": round(off_session, 3),
        "pytest_overhead_ratio": round(on_wall / off_wall - 1, 4),
        "pytest_session_overhead_ratio": round(on_session / off_session - 1, 4),
        "pytest_validating_s": round(inside["validating"], 4),
        "pytest_validating_share": round(share, 4),
        "pytest_requests_checked": inside["requests"],
        "pytest_responses_checked": inside["responses"],
    }


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

    ours, loads = paired_rates(
        lambda: validator.validate("GET", URL, 200, HEADERS, body), lambda: json.loads(body)
    )
    schema_only_rs = rate(lambda: compiled_rs.is_valid(json.loads(body)))
    cached_py = jsonschema.Draft202012Validator(schema)
    cached_jsonschema = rate(lambda: cached_py.is_valid(json.loads(body)))
    naive = rate(lambda: jsonschema.Draft202012Validator(schema).is_valid(json.loads(body)))
    load_all = cold_load_seconds() if CORPUS.is_dir() else float("nan")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        requests = request_rates(Path(tmp))
        overhead = pytest_overhead(Path(tmp))

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
                "request_per_s": round(requests["request_per_s"]),
                "request_vs_json_loads": round(
                    requests["request_per_s"] / requests["request_body_json_loads_per_s"], 3
                ),
                "request_body_json_loads_per_s": round(requests["request_body_json_loads_per_s"]),
                "request_body_bytes": requests["request_body_bytes"],
                **overhead,
            }
        )
    )


if __name__ == "__main__":
    main()
