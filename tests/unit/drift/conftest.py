"""Helpers of the drift tests: mutated copies of corpus specs and hand-made cassettes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpn_contract.cassettes.store import Cassette, Interaction, dump_cassette
from kpn_contract.contract.model import Spec
from kpn_contract.contract.specs import load_spec

Mutator = Callable[[dict[str, Any]], None]


def read_raw(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=loader)
    assert isinstance(data, dict)
    return data


def write_raw(path: Path, data: dict[str, Any]) -> Path:
    """Write a spec document as JSON (valid YAML too): much faster to dump than YAML."""
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


@pytest.fixture
def spec_pair(tmp_path: Path, kpn_specs_dir: Path) -> Callable[..., tuple[Spec, Spec]]:
    """``spec_pair(name, mutate_new, prepare=None)``: (old, new) Specs from a corpus definition.

    ``prepare`` changes both copies first (to set up a situation, such as a required field);
    ``mutate_new`` then changes only the new one.
    """

    def build(name: str, mutate_new: Mutator, prepare: Mutator | None = None) -> tuple[Spec, Spec]:
        raw = read_raw(kpn_specs_dir / name)
        if prepare is not None:
            prepare(raw)
        new = copy.deepcopy(raw)
        mutate_new(new)
        old_path = write_raw(tmp_path / f"old-{name}", raw)
        new_path = write_raw(tmp_path / f"new-{name}", new)
        return load_spec(old_path), load_spec(new_path)

    return build


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
