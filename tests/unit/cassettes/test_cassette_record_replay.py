"""Recording and replay at the transport seam: round trips, record modes, matching, errors."""

from __future__ import annotations

import asyncio
import gzip
import json
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from kpn_contract import __version__
from kpn_contract.cassettes import (
    RecordingTransport,
    ReplayTransport,
    Scrubber,
    load_cassette,
    open_cassette_transport,
)
from kpn_contract.errors import CassetteError, NetworkBlockedError, UsageError
from kpn_contract.redact import register_secret

from .conftest import DEVICES_URL, GATEWAY_TOKEN_URL, FakeOrigin

# What a hard kill leaves: -SIGKILL on POSIX; Windows has no SIGKILL (Popen.kill exits 1).
KILLED_CODE = -getattr(signal, "SIGKILL", -1)

META = {"target": "emulator", "profiles": ["things", "sandbox"], "specs": {"KPN Things": "1.0.0"}}


def _record(path: Path, origin: FakeOrigin, mode: str, calls: list[tuple[str, str]], **kw: object) -> None:
    transport = RecordingTransport(httpx.MockTransport(origin), path, mode=mode, meta=META, **kw)  # type: ignore[arg-type]
    with httpx.Client(transport=transport) as client:
        for method, url in calls:
            client.request(method, url)


def _replay(path: Path, scrubber: Scrubber | None = None) -> ReplayTransport:
    transport = open_cassette_transport(path, "none", None, scrubber)
    assert isinstance(transport, ReplayTransport)
    return transport


def test_sync_round_trip(cassette_file: Path, origin: FakeOrigin) -> None:
    transport = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="once", meta=META)
    with httpx.Client(transport=transport) as client:
        live_page = client.get(DEVICES_URL, params={"currentPage": 1})
        live_post = client.post(DEVICES_URL, json={"name": "dev"})
    assert cassette_file.exists()
    with httpx.Client(transport=_replay(cassette_file)) as client:
        page = client.get(DEVICES_URL, params={"currentPage": 1})
        post = client.post(DEVICES_URL, json={"name": "dev"})
    assert (page.status_code, page.json(), page.headers["x-call"]) == (200, live_page.json(), "1")
    assert post.json() == live_post.json()
    assert origin.total == 2


def test_async_round_trip(cassette_file: Path, origin: FakeOrigin) -> None:
    async def scenario() -> tuple[object, object]:
        transport = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="once", meta=META)
        async with httpx.AsyncClient(transport=transport) as client:
            recorded = (await client.post(DEVICES_URL, json={"a": 1})).json()
        async with httpx.AsyncClient(transport=_replay(cassette_file)) as client:
            replayed = (await client.post(DEVICES_URL, json={"a": 1})).json()
        return recorded, replayed

    recorded, replayed = asyncio.run(scenario())
    assert recorded == replayed
    assert origin.total == 1


def test_metadata_is_written(cassette_file: Path, origin: FakeOrigin) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL)])
    meta = load_cassette(cassette_file).meta
    assert meta["target"] == "emulator"
    assert meta["profiles"] == ["sandbox", "things"]
    assert meta["specs"] == {"KPN Things": "1.0.0"}
    assert meta["toolkit"] == __version__
    assert datetime.fromisoformat(meta["recorded_at"]).utcoffset() is not None


def test_recordings_of_one_request_play_in_order_then_the_last_repeats(cassette_file: Path) -> None:
    origin = FakeOrigin()
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL)] * 3)
    with httpx.Client(transport=_replay(cassette_file)) as client:
        calls = [client.get(DEVICES_URL).json()["call"] for _ in range(5)]
    assert calls == [1, 2, 3, 3, 3]


# ---------------------------------------------------------------------- record modes


def test_mode_none_replays_and_never_writes(cassette_file: Path, origin: FakeOrigin) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL)])
    before = cassette_file.read_bytes(), cassette_file.stat().st_mtime_ns
    transport = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="none")
    with httpx.Client(transport=transport) as client:
        assert client.get(DEVICES_URL).json()["call"] == 1
        with pytest.raises(CassetteError) as info:
            client.get(DEVICES_URL + "/other?q=1")
    assert "GET https://api.kpnthings.com/api/devices/other?q=1" in str(info.value)
    assert info.value.path == str(cassette_file)
    assert not isinstance(info.value, NetworkBlockedError)
    assert (cassette_file.read_bytes(), cassette_file.stat().st_mtime_ns) == before
    assert origin.total == 1


def test_mode_once_records_a_new_cassette_then_refuses_additions(
    cassette_file: Path, origin: FakeOrigin
) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL), ("GET", DEVICES_URL)])
    assert origin.total == 2  # a new cassette records everything, repeats included
    before = cassette_file.read_bytes()
    transport = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="once")
    with httpx.Client(transport=transport) as client:
        assert client.get(DEVICES_URL).json()["call"] == 1
        with pytest.raises(CassetteError, match="record mode is 'once'"):
            client.delete(DEVICES_URL)
    assert cassette_file.read_bytes() == before
    assert origin.total == 2


def test_mode_new_episodes_replays_known_and_appends_new(cassette_file: Path, origin: FakeOrigin) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL)])
    transport = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="new_episodes")
    with httpx.Client(transport=transport) as client:
        assert client.get(DEVICES_URL).json()["call"] == 1  # replayed
        assert client.get(DEVICES_URL).json()["call"] == 2  # queue used up: a new episode
        assert client.get(DEVICES_URL + "?currentPage=1").json()["query"] == "currentPage=1"
    assert origin.total == 3
    uris = [i.uri for i in load_cassette(cassette_file).interactions]
    assert uris == [DEVICES_URL, DEVICES_URL, DEVICES_URL + "?currentPage=1"]


def test_mode_all_records_everything_and_keeps_the_old(cassette_file: Path, origin: FakeOrigin) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL)])
    _record(cassette_file, origin, "all", [("GET", DEVICES_URL)])
    assert origin.total == 2
    calls = [json.loads(i.response_body)["call"] for i in load_cassette(cassette_file).interactions]
    assert calls == [1, 2]


def test_mode_rewrite_discards_the_old_cassette(cassette_file: Path, origin: FakeOrigin) -> None:
    _record(cassette_file, origin, "once", [("GET", DEVICES_URL), ("GET", DEVICES_URL + "/x")])
    _record(cassette_file, origin, "rewrite", [("GET", DEVICES_URL)])
    interactions = load_cassette(cassette_file).interactions
    assert [(i.uri, json.loads(i.response_body)["call"]) for i in interactions] == [(DEVICES_URL, 2)]


def test_mode_rewrite_replaces_a_corrupt_cassette_but_only_when_something_was_recorded(
    cassette_file: Path, origin: FakeOrigin
) -> None:
    cassette_file.parent.mkdir(parents=True)
    cassette_file.write_text("version: [\n")
    _record(cassette_file, origin, "rewrite", [])
    assert cassette_file.read_text() == "version: [\n"
    _record(cassette_file, origin, "rewrite", [("GET", DEVICES_URL)])
    assert len(load_cassette(cassette_file).interactions) == 1


def test_unknown_mode_is_a_usage_error(cassette_file: Path, origin: FakeOrigin) -> None:
    with pytest.raises(UsageError, match="choose one of none, once, new_episodes, all, rewrite"):
        RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="sometimes")
    with pytest.raises(UsageError, match="needs a target"):
        open_cassette_transport(cassette_file, "once", None)


# ---------------------------------------------------------------------- matching


def test_tokens_and_credentials_that_differ_per_run_still_match(
    cassette_file: Path, clean_secret_registry: None
) -> None:
    origin = FakeOrigin()
    tenant_a, tenant_b = "tenant-aaaaaaaa", "tenant-bbbbbbbb"
    recorder = RecordingTransport(
        httpx.MockTransport(origin),
        cassette_file,
        mode="once",
        scrubber=Scrubber(secrets=[tenant_a, "secret-aaaa"]),
    )
    with httpx.Client(transport=recorder) as client:
        token = client.post(
            f"https://auth.grip-on-it.com/v2/{tenant_a}/oidc/idp/c1/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "key-aaaa",
                "client_secret": "secret-aaaa",
            },
        ).json()["access_token"]
        register_secret(token)
        client.get(DEVICES_URL, headers={"Authorization": f"Bearer {token}"})
        client.post(GATEWAY_TOKEN_URL, data={"client_id": "id-aaaa", "client_secret": "secret-aaaa"})
    replay = _replay(cassette_file, Scrubber(secrets=[tenant_b, "secret-bbbb"]))
    with httpx.Client(transport=replay) as client:
        grip = client.post(
            f"https://auth.grip-on-it.com/v2/{tenant_b}/oidc/idp/c1/token",
            json={
                "client_secret": "secret-bbbb",
                "client_id": "key-bbbb",
                "grant_type": "client_credentials",
            },
        )
        devices = client.get(DEVICES_URL, headers={"Authorization": "Bearer a-different-token-123"})
        gateway = client.post(
            GATEWAY_TOKEN_URL, data={"client_secret": "secret-bbbb", "client_id": "id-bbbb"}
        )
    assert grip.json()["access_token"] == "REDACTED"
    assert devices.json()["path"] == "/api/devices"
    assert gateway.json()["access_token"] == "REDACTED"
    assert replay.unplayed() == []


def test_bodies_match_semantically_and_urls_normalised(cassette_file: Path, origin: FakeOrigin) -> None:
    recorder = RecordingTransport(httpx.MockTransport(origin), cassette_file, mode="once")
    with httpx.Client(transport=recorder) as client:
        client.post(
            DEVICES_URL,
            content=b'{"a": 1, "b": {"x": [1, 2], "y": null}}',
            headers={"content-type": "application/json"},
        )
        client.post(DEVICES_URL + "/form", data={"one": "1", "two": "2"})
        client.get(DEVICES_URL + "?sortBy=name&pageSize=20")
    with httpx.Client(transport=_replay(cassette_file)) as client:
        assert (
            client.post(
                DEVICES_URL,
                content=b'{"b":{"y":null,"x":[1,2]},"a":1}',
                headers={"content-type": "application/json"},
            ).json()["call"]
            == 1
        )
        assert (
            client.post(
                DEVICES_URL + "/form",
                content=b"two=2&one=1",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ).json()["echo"]
            == "form"
        )
        assert (
            client.get("HTTPS://API.KPNTHINGS.COM:443/api/devices?pageSize=20&sortBy=name").status_code == 200
        )
        with pytest.raises(NetworkBlockedError) as info:
            client.post(DEVICES_URL, json={"a": 2, "b": {"x": [2, 1], "y": None}})
    assert "POST https://api.kpnthings.com/api/devices" in str(info.value)
    assert str(cassette_file) in str(info.value)


def test_replay_miss_names_request_scrubbed_and_cassette(tmp_path: Path, clean_secret_registry: None) -> None:
    register_secret("the-tenant-secret-42")
    missing = tmp_path / "never-recorded.yaml"
    with httpx.Client(transport=_replay(missing)) as client, pytest.raises(NetworkBlockedError) as info:
        client.get("https://auth.grip-on-it.com/v2/the-tenant-secret-42/x?client_secret=abc123456")
    message = str(info.value)
    assert "GET https://auth.grip-on-it.com/v2/REDACTED/x?client_secret=REDACTED" in message
    assert str(missing) in message
    assert "does not exist" in message
    assert "the-tenant-secret-42" not in message
    assert "abc123456" not in message


def test_gzip_responses_are_stored_decoded_and_scrubbed(
    cassette_file: Path, clean_secret_registry: None
) -> None:
    secret = "gzipped-secret-value-1"
    payload = gzip.compress(json.dumps({"note": secret}).encode())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=payload, headers={"content-encoding": "gzip", "content-type": "application/json"}
        )

    recorder = RecordingTransport(
        httpx.MockTransport(handler), cassette_file, mode="once", scrubber=Scrubber(secrets=[secret])
    )
    with httpx.Client(transport=recorder) as client:
        assert client.get(DEVICES_URL).json() == {"note": secret}
    interaction = load_cassette(cassette_file).interactions[0]
    assert interaction.response_header("content-encoding") is None
    assert json.loads(interaction.response_body) == {"note": "REDACTED"}
    assert secret.encode() not in cassette_file.read_bytes()


# ---------------------------------------------------------------------- interruption and parallel writers

KILLED = textwrap.dedent(
    """\
    import sys, time, httpx
    from kpn_contract.cassettes import RecordingTransport

    def handler(request):
        if request.url.params.get("n") == "5":
            print("recording", flush=True)
            time.sleep(60)
        return httpx.Response(200, json={"n": request.url.params["n"]})

    transport = RecordingTransport(httpx.MockTransport(handler), sys.argv[1], mode="all")
    with httpx.Client(transport=transport) as client:
        for n in range(10):
            client.get("https://api.kpnthings.com/api/devices", params={"n": n})
    """
)


def test_kill_9_mid_recording_leaves_the_previous_cassette_intact(
    cassette_file: Path, tmp_path: Path
) -> None:
    _record(cassette_file, FakeOrigin(), "once", [("GET", DEVICES_URL)])
    before = cassette_file.read_bytes()
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(cassette_file)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "recording"
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
    finally:
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == KILLED_CODE
    assert cassette_file.read_bytes() == before
    assert [p.name for p in cassette_file.parent.iterdir() if p.name.endswith(".tmp")] == []


PARALLEL = textwrap.dedent(
    """\
    import sys, httpx
    from kpn_contract.cassettes import RecordingTransport

    path, worker = sys.argv[1], sys.argv[2]
    transport = RecordingTransport(
        httpx.MockTransport(lambda r: httpx.Response(200, text="x" * 5000)), path, mode="new_episodes"
    )
    with httpx.Client(transport=transport) as client:
        for n in range(40):
            client.get(f"https://api.kpnthings.com/api/devices/{worker}/{n}")
    """
)


def test_parallel_recorders_of_one_cassette_keep_each_others_interactions(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    script = tmp_path / "parallel.py"
    script.write_text(PARALLEL)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), w]) for w in ("w1", "w2", "w3")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    uris = {i.uri for i in load_cassette(path).interactions}
    assert len(uris) == 120
    assert {u.split("/")[-2] for u in uris} == {"w1", "w2", "w3"}


# ---------------------------------------------------------------------- stock vcrpy compatibility


def test_stock_vcrpy_replays_our_cassette(cassette_file: Path, origin: FakeOrigin) -> None:
    import vcr

    _record(cassette_file, origin, "once", [("GET", DEVICES_URL + "?currentPage=2"), ("DELETE", DEVICES_URL)])
    with vcr.use_cassette(str(cassette_file), record_mode="none"), httpx.Client() as client:
        page = client.get(DEVICES_URL + "?currentPage=2")
        deleted = client.delete(DEVICES_URL)
    assert page.json() == {"path": "/api/devices", "query": "currentPage=2", "call": 1}
    assert deleted.status_code == 200
    assert origin.total == 2
