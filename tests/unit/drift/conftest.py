"""Helpers of the drift tests: mutated copies of corpus specs and hand-made cassettes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kpn_contract.cassettes.store import Cassette, Interaction, dump_cassette

Mutator = Callable[[dict[str, Any]], None]


def write_raw(path: Path, data: dict[str, Any]) -> Path:
    """Write a spec document as JSON (valid YAML too): much faster to dump than YAML."""
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


def interaction(
    method: str,
    uri: str,
    status: int = 200,
    body: Any = None,
    *,
    content_type: str = "application/json",
    request_body: Any = None,
    request_headers: Iterable[tuple[str, str]] = (),
) -> Interaction:
    raw = b"" if body is None else json.dumps(body).encode()
    sent = b"" if request_body is None else json.dumps(request_body).encode()
    headers = (("Content-Type", content_type),) if raw else ()
    return Interaction(
        method=method,
        uri=uri,
        request_headers=tuple(request_headers),
        request_body=sent,
        status=status,
        reason="OK",
        response_headers=headers,
        response_body=raw,
    )


def write_cassette(folder: Path, name: str, interactions: Iterable[Interaction]) -> Path:
    """Write a vcrpy-format cassette with the cassette layer's own dumper."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(dump_cassette(Cassette(path=path, interactions=list(interactions))), encoding="utf-8")
    return path
