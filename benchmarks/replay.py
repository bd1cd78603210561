"""Replay and recording speed on a 3,000-interaction cassette, against their baselines, in one run.

Measures, with an httpx client making the same requests each time:

* ``ours_s``: :class:`kpn_contract.cassettes.ReplayTransport` replaying the cassette;
* ``vcrpy_s``: stock vcrpy (``record_mode="none"``, ``allow_playback_repeats=False``) replaying it.
  vcrpy scans the recorded interactions for every request, so its cost grows with the square of
  the count; when the full run would take minutes it times a prefix and extrapolates (the JSON then
  says so: ``vcrpy_extrapolated``, ``vcrpy_measured_n``, ``vcrpy_fit_exponent``);
* ``floor_s``: ``httpx.MockTransport`` returning the same canned bytes for the same requests (ours
  and the floor are timed in turns, ``ROUNDS`` each, best of each; ``ours_over_floor_per_round``
  lists each round's ratio);
* ``index_s`` and ``canned_s``: the setup outside those timings, building our index (every
  recording's key) and the floor's dict; ``with_setup_over_floor`` is the ratio with both included;
* ``record_s``: recording the requests against the local emulator (or a tiny loopback app);
* ``unrecorded_s``: the same requests against the same server without recording.

* ``load_cold_s``: loading the cassette the first time (YAML parsed, the parsed-file cache written);
* ``load_warm_s`` (also ``load_s``): loading it again, unchanged (read from the cache).

Targets: ours at least 50 times faster than vcrpy and within 1.2 times the floor; recording within
twice the unrecorded time; the warm load within 0.3 times the replay.
The last line printed is one JSON object.

    .venv/bin/python benchmarks/replay.py [--interactions 3000]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from kpn_contract.cassettes import RecordingTransport, ReplayTransport, Scrubber, load_cassette
from kpn_contract.transport.routing import EmulatorRoutingTransport

DEVICES = "https://api.kpnthings.com/api/devices"
ROUNDS = 5  # replay and its floor, in turns; each figure is the best of its rounds
VCRPY_BUDGET_S = 60.0  # run vcrpy on the full cassette only if the prefix predicts less than this


@contextmanager
def loopback_origin(prefer: str) -> Iterator[tuple[str, dict[str, str], str]]:
    """(base URL, headers for the device calls, origin name): the emulator, else a tiny app."""
    try:
        from kpn_contract.config import _demo
        from kpn_contract.emulator import EmulatorServer
    except ImportError:
        have_emulator = False
    else:
        have_emulator = True
    if have_emulator and prefer == "emulator":
        server = EmulatorServer().start()
        try:
            with httpx.Client(base_url=server.base_url) as client:
                token = client.post(
                    f"/v2/{_demo.GRIP_TENANT_ID}/oidc/idp/c1/token",
                    json={
                        "grant_type": "client_credentials",
                        "audience": _demo.KPN_THINGS_APPLICATION_ID,
                        "client_id": _demo.GRIP_CLIENT_ID,
                        "client_secret": _demo.GRIP_CLIENT_SECRET,
                    },
                ).json()["access_token"]
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/vnd.kpnthings.device.v1.response+json",
                }
                probe = client.get("/api/devices", params={"currentPage": 0, "pageSize": 2}, headers=headers)
                probe.raise_for_status()
            yield server.base_url, headers, "emulator"
            return
        finally:
            server.stop()
    yield from _tiny_app()


def _tiny_app() -> Iterator[tuple[str, dict[str, str], str]]:
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def devices(request: Request) -> JSONResponse:
        page = int(request.query_params.get("currentPage", 0))
        return JSONResponse({"content": [{"uuid": f"d-{page}-{i}"} for i in range(2)], "number": page})

    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/api/devices", devices)]),
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", {}, "tiny starlette app"
    finally:
        server.should_exit = True
        thread.join()


def requests_for(n: int) -> list[dict[str, Any]]:
    return [{"currentPage": i, "pageSize": 2, "search": f"s{i % 7}"} for i in range(n)]


def run(client: httpx.Client, params: list[dict[str, Any]], headers: dict[str, str]) -> float:
    start = time.perf_counter()
    for p in params:
        client.get(DEVICES, params=p, headers=headers).raise_for_status()
    return time.perf_counter() - start


def best_of(times: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(times))


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def alternated(rounds: int, *measures: Callable[[], float]) -> list[list[float]]:
    """Each measure's times over ``rounds`` rounds, the measures taking turns within a round."""
    times: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for measure, taken in zip(measures, times, strict=True):
            taken.append(measure())
    return times


def time_vcrpy(path: Path, params: list[dict[str, Any]], headers: dict[str, str], n: int) -> float:
    import vcr

    with (
        vcr.use_cassette(str(path), record_mode="none", allow_playback_repeats=False),
        httpx.Client() as client,
    ):
        return run(client, params[:n], headers)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--interactions", type=int, default=3000)
    parser.add_argument(
        "--origin",
        choices=("emulator", "tiny"),
        default="emulator",
        help="record against the kpn_contract emulator (default) or a minimal starlette app",
    )
    parser.add_argument(
        "--vcrpy-budget",
        type=float,
        default=VCRPY_BUDGET_S,
        metavar="SECONDS",
        help="time stock vcrpy on the whole cassette when a prefix predicts at most this (default 60; "
        "use 1000 to always measure it in full)",
    )
    args = parser.parse_args()
    n = args.interactions
    params = requests_for(n)
    result: dict[str, Any] = {"interactions": n}

    with tempfile.TemporaryDirectory() as tmp, loopback_origin(args.origin) as (base_url, headers, origin):
        path = Path(tmp) / "bench.yaml"
        result["origin"] = origin
        with httpx.Client(transport=EmulatorRoutingTransport(base_url), timeout=30) as client:
            run(client, params[:200], headers)  # warm up server and client
            result["unrecorded_s"] = run(client, params, headers)

        recorder = RecordingTransport(
            EmulatorRoutingTransport(base_url),
            path,
            mode="rewrite",
            scrubber=Scrubber(),
            meta={"target": "emulator"},
        )
        with httpx.Client(transport=recorder, timeout=30) as client:
            start = time.perf_counter()
            run(client, params, headers)
            client.close()  # the cassette is written here; part of the cost of recording
            result["record_s"] = time.perf_counter() - start
        result["cassette_bytes"] = path.stat().st_size

        # The cassette sits in a project (a kpn-contract.toml beside it), so loading it goes through
        # the project's parsed-file cache: the first load parses the YAML (cold), later ones of the
        # unchanged file read the cache (warm).
        (Path(tmp) / "kpn-contract.toml").write_text("", encoding="utf-8")
        start = time.perf_counter()
        cassette = load_cassette(path)
        result["load_cold_s"] = time.perf_counter() - start
        assert len(cassette.interactions) == n, len(cassette.interactions)

        def warm() -> float:
            start = time.perf_counter()
            again = load_cassette(path)
            elapsed = time.perf_counter() - start
            assert again.interactions == cassette.interactions
            return elapsed

        result["load_warm_s"] = best_of(3, warm)
        result["load_s"] = result["load_warm_s"]

        def ours() -> float:
            with httpx.Client(transport=ReplayTransport(cassette, Scrubber())) as client:
                return run(client, params, headers)

        def floor() -> float:
            canned = {i.uri: i for i in cassette.interactions}

            def answer(request: httpx.Request) -> httpx.Response:
                i = canned[str(request.url)]
                return httpx.Response(i.status, headers=i.response_headers, content=i.response_body)

            with httpx.Client(transport=httpx.MockTransport(answer)) as client:
                return run(client, params, headers)

        # In turns (ours, floor, ours, ...), so a burst of load on a shared machine hits both alike.
        ours_runs, floor_runs = alternated(ROUNDS, ours, floor)
        result["ours_s"], result["floor_s"] = min(ours_runs), min(floor_runs)
        result["ours_over_floor_per_round"] = [
            round(o / f, 3) for o, f in zip(ours_runs, floor_runs, strict=True)
        ]
        # Setup, outside the timings above: our index (every recording's key) and the floor's dict.
        result["index_s"] = best_of(ROUNDS, lambda: timed(lambda: ReplayTransport(cassette, Scrubber())))
        result["canned_s"] = best_of(ROUNDS, lambda: timed(lambda: {i.uri: i for i in cassette.interactions}))

        small, large = min(n, 300), min(n, 600)
        t_small = time_vcrpy(path, params, headers, small)
        t_large = time_vcrpy(path, params, headers, large) if large > small else t_small
        exponent = math.log(t_large / t_small) / math.log(large / small) if large > small else 2.0
        predicted = t_large * (n / large) ** 2
        if large == n or predicted <= args.vcrpy_budget:
            result["vcrpy_s"] = time_vcrpy(path, params, headers, n) if large < n else t_large
            result["vcrpy_extrapolated"] = False
        else:
            result["vcrpy_s"] = predicted
            result["vcrpy_extrapolated"] = True
            result["vcrpy_measured_n"] = large
            result["vcrpy_measured_s"] = round(t_large, 3)
            result["vcrpy_model"] = "quadratic: vcrpy_measured_s * (interactions / vcrpy_measured_n) ** 2"
        result["vcrpy_fit_exponent"] = round(exponent, 2)

    result["speedup_vs_vcrpy"] = round(result["vcrpy_s"] / result["ours_s"], 1)
    result["ours_over_floor"] = round(result["ours_s"] / result["floor_s"], 2)
    result["ours_over_floor_median_round"] = round(statistics.median(result["ours_over_floor_per_round"]), 2)
    result["with_setup_over_floor"] = round(
        (result["ours_s"] + result["index_s"]) / (result["floor_s"] + result["canned_s"]), 2
    )
    result["record_over_unrecorded"] = round(result["record_s"] / result["unrecorded_s"], 2)
    result["load_warm_over_replay"] = round(result["load_warm_s"] / result["ours_s"], 3)
    result["load_cold_over_replay"] = round(result["load_cold_s"] / result["ours_s"], 3)
    result["targets_met"] = (
        result["speedup_vs_vcrpy"] >= 50
        and result["ours_over_floor"] <= 1.2
        and result["record_over_unrecorded"] <= 2
        and result["load_warm_over_replay"] <= 0.3
    )
    for key in (
        "ours_s",
        "vcrpy_s",
        "floor_s",
        "record_s",
        "unrecorded_s",
        "load_s",
        "load_cold_s",
        "load_warm_s",
        "index_s",
        "canned_s",
    ):
        result[key] = round(result[key], 4)
    print(json.dumps(result), flush=True)
    sys.exit(0 if result["targets_met"] else 1)


if __name__ == "__main__":
    main()
