"""Replay's known-key lookup gives what the full key computation (scrub, normalise, canonicalise) gives.

:class:`InteractionIndex` keeps each recording's key by the raw request it was computed from, so a
request spelled exactly as a recording skips the computation. These tests hold the lookup to the
slow path, :func:`request_key`: key by key, and replay by replay (matches, order, repeats, misses,
what is left unplayed, what is recorded next to the replayed).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpn_contract.cassettes import Cassette, Interaction, RecordingTransport, ReplayTransport, Scrubber
from kpn_contract.cassettes.match import InteractionIndex, RequestKey, request_key
from kpn_contract.cassettes.store import save_cassette
from kpn_contract.errors import CassetteError, NetworkBlockedError
from kpn_contract.redact import register_secret

from .conftest import DEVICES_URL, FakeOrigin

TENANT = "tenant-aaaaaaaa"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
PLANTED = "planted-secret-value-1"  # held unscrubbed by a cassette from elsewhere (stock vcrpy)


def _interaction(
    method: str, uri: str, body: bytes = b"", content_type: str | None = None, n: int = 0
) -> Interaction:
    headers = (("content-type", content_type),) if content_type else ()
    return Interaction(method, uri, headers, body, 200, "OK", (("x-n", str(n)),), f"answer {n}".encode())


RECORDINGS = [
    _interaction("GET", f"{DEVICES_URL}?currentPage=0&pageSize=2", n=1),
    _interaction("GET", f"{DEVICES_URL}?currentPage=1&pageSize=2", n=2),
    _interaction("GET", f"{DEVICES_URL}?currentPage=1&pageSize=2", n=3),  # the same request, played next
    _interaction("get", "HTTPS://API.kpnthings.com:443/api/devices?b=2&a=1", n=4),
    _interaction("GET", f"https://files.example.test/{PLANTED}?z=1", n=5),
    _interaction("GET", "https://auth.example.test/x?client_secret=secret-cccc&z=1", n=11),
    _interaction("GET", f"https://auth.grip-on-it.com/v2/{TENANT}/x", n=6),
    _interaction("POST", DEVICES_URL, b'{"a": 1, "b": [1, 2]}', JSON, n=7),
    _interaction("POST", f"{DEVICES_URL}/token", b"client_id=id-aaaa&client_secret=secret-aaaa", FORM, n=8),
    _interaction("PUT", f"{DEVICES_URL}/9", b"plain text body", None, n=9),
    _interaction("DELETE", f"{DEVICES_URL}/9", b"a body a DELETE does not match on", None, n=10),
]
# (method, url, body, content type) as a run may send them: as recorded, spelled otherwise, or new.
REQUESTS = [
    *((i.method, i.uri, i.request_body, i.request_header("content-type")) for i in RECORDINGS),
    ("GET", "https://api.kpnthings.com/api/devices?pageSize=2&currentPage=0", b"", None),
    ("GET", "https://api.kpnthings.com/api/devices?a=1&b=2", b"", None),
    ("GET", "https://auth.example.test/x?z=1&client_secret=other-secret-2", b"", None),
    ("GET", "https://files.example.test/planted-secret-value-2?z=1", b"", None),
    ("GET", "https://auth.grip-on-it.com/v2/tenant-bbbbbbbb/x", b"", None),
    ("POST", DEVICES_URL, b'{"b":[1,2],"a":1}', JSON),
    ("POST", DEVICES_URL, b'{"a": 1, "b": [1, 2]}', "text/plain"),
    ("POST", DEVICES_URL, b'{"a": 2}', JSON),
    ("POST", f"{DEVICES_URL}/token", b"client_secret=secret-bbbb&client_id=id-bbbb", FORM),
    ("POST", f"{DEVICES_URL}/token", b"client_id=\xff", FORM),
    ("DELETE", f"{DEVICES_URL}/9", b"", None),
    ("GET", f"{DEVICES_URL}?never=recorded", b"", None),
    ("PATCH", f"{DEVICES_URL}/9", b"plain text body", None),
]


def _scrubber() -> Scrubber:
    return Scrubber(secrets=[TENANT, "tenant-bbbbbbbb", "secret-aaaa", "secret-bbbb"])


@pytest.mark.parametrize(("method", "url", "body", "content_type"), REQUESTS)
def test_every_request_gets_the_key_the_full_computation_gives(
    method: str, url: str, body: bytes, content_type: str | None, clean_secret_registry: None
) -> None:
    scrubber = _scrubber()
    index = InteractionIndex(RECORDINGS, scrubber)
    assert index.key(method, url, body, content_type) == request_key(
        method, url, body, content_type, scrubber
    )


_PARTS = st.sampled_from(
    ["https://Api.Example.test", "http://h:8080", "/p", "/v2/", TENANT, PLANTED, "?", "a=1", "&", "b=",
     "client_secret=", "token=", "x%20y", "+", "#f", "secret-aaaa"]
)  # fmt: skip
_METHODS = st.sampled_from(["GET", "get", "POST", "put", "PATCH", "DELETE"])
_BODIES = st.sampled_from(
    [b"", b'{"client_secret": "secret-aaaa", "n": 1}', b"client_id=x&client_secret=y", b"\xff"]
)
_TYPES = st.sampled_from([None, JSON, FORM, "text/plain"])
_RAW = st.tuples(_METHODS, st.lists(_PARTS, min_size=1, max_size=7).map("".join), _BODIES, _TYPES)


@given(recorded=st.lists(_RAW, min_size=1, max_size=6), others=st.lists(_RAW, max_size=3))
def test_generated_requests_get_the_key_the_full_computation_gives(
    recorded: list[tuple[str, str, bytes, str | None]], others: list[tuple[str, str, bytes, str | None]]
) -> None:
    scrubber = _scrubber()
    index = InteractionIndex([_interaction(*raw) for raw in recorded], scrubber)
    for raw in (*recorded, *others):
        assert index.key(*raw) == request_key(*raw, scrubber)


def test_a_secret_registered_after_the_index_was_built_is_scrubbed_from_requests(
    clean_secret_registry: None,
) -> None:
    scrubber = _scrubber()
    index = InteractionIndex(RECORDINGS, scrubber)
    url = RECORDINGS[4].uri
    recorded_key = index.key("GET", url, b"", None)
    assert recorded_key == request_key("GET", url, b"", None, scrubber)
    assert PLANTED in recorded_key[1]
    register_secret(PLANTED)
    now = index.key("GET", url, b"", None)
    assert now == request_key("GET", url, b"", None, scrubber)
    assert PLANTED not in now[1]
    assert index.next(now, repeat_last=True) is None  # as the full computation has it: no match now


# ---------------------------------------------------------------------- whole replays, fast and slow

Outcome = tuple[int, bytes] | str


def _slow(index: InteractionIndex, scrubber: Scrubber, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``index`` compute every key the full way, as it did before the known-key lookup."""
    monkeypatch.setattr(index, "key", functools.partial(request_key, scrubber=scrubber))


def _send(client: httpx.Client, requests: list[tuple[str, str, bytes, str | None]]) -> Iterator[Outcome]:
    for method, url, body, content_type in requests:
        headers = {"content-type": content_type} if content_type else {}
        try:
            response = client.request(method, url, content=body, headers=headers)
        except (NetworkBlockedError, CassetteError) as exc:
            yield f"{type(exc).__name__}: {exc}"
        else:
            yield response.status_code, response.content + response.headers.get("x-n", "").encode()


def test_replay_plays_the_same_with_and_without_the_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_secret_registry: None
) -> None:
    cassette = Cassette(tmp_path / "c.yaml", list(RECORDINGS))
    runs = [*REQUESTS, *REQUESTS, *REQUESTS[:3]]  # each twice and more: queues run out, the last repeats
    played: list[tuple[list[Outcome], list[Interaction]]] = []
    for slow in (False, True):
        transport = ReplayTransport(cassette, _scrubber())
        if slow:
            _slow(transport.index, transport.scrubber, monkeypatch)
        with httpx.Client(transport=transport) as client:
            first = list(_send(client, REQUESTS[:6]))
            unplayed_midway = transport.unplayed()
            outcomes = first + list(_send(client, runs))
        played.append((outcomes, unplayed_midway + transport.unplayed()))
    assert played[0] == played[1]
    outcomes = played[0][0]
    assert sum(isinstance(o, str) for o in outcomes) >= 4  # misses are part of what is compared
    assert outcomes[1:3] == [(200, b"answer 22"), (200, b"answer 33")]  # one request's recordings in order


@pytest.mark.parametrize("mode", ["none", "once", "new_episodes"])
def test_recording_transports_replay_the_same_with_and_without_the_lookup(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_secret_registry: None
) -> None:
    results = []
    for slow in (False, True):
        path = tmp_path / f"{slow}" / "c.yaml"
        save_cassette(Cassette(path, list(RECORDINGS)))
        origin = FakeOrigin()
        transport = RecordingTransport(httpx.MockTransport(origin), path, mode=mode, scrubber=_scrubber())
        index = transport._index  # the index under test
        assert index is not None
        if slow:
            _slow(index, transport.scrubber, monkeypatch)
        with httpx.Client(transport=transport) as client:
            outcomes = [
                o.replace(str(path), "<cassette>") if isinstance(o, str) else o
                for o in _send(client, [*REQUESTS, *REQUESTS])
            ]
            recorded = [(i.method, i.uri, i.request_body) for i in transport.recorded]
        results.append((outcomes, dict(origin.calls), recorded))
    assert results[0] == results[1]


def test_a_request_spelled_as_a_recording_skips_the_computation(
    monkeypatch: pytest.MonkeyPatch, clean_secret_registry: None
) -> None:
    index = InteractionIndex(RECORDINGS, _scrubber())
    computed: list[str] = []
    original = request_key

    def counting(
        method: str, url: str, body: bytes, content_type: str | None, scrubber: Scrubber
    ) -> RequestKey:
        computed.append(url)
        return original(method, url, body, content_type, scrubber)

    monkeypatch.setattr("kpn_contract.cassettes.match.request_key", counting)
    for interaction in RECORDINGS:
        index.key(
            interaction.method,
            interaction.uri,
            interaction.request_body,
            interaction.request_header("content-type"),
        )
    assert computed == []
    index.key("GET", f"{DEVICES_URL}?pageSize=2&currentPage=0", b"", None)  # spelled otherwise
    assert computed == [f"{DEVICES_URL}?pageSize=2&currentPage=0"]
