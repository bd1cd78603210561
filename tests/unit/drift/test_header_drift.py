"""``kpn-contract drift``: response headers in recordings (documented headers that stopped, sunsets)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kpn_contract.contract.specs import SpecIndex, load_spec
from kpn_contract.drift.recordings.shapes import drift_recordings
from kpn_contract.drift.report import run_drift

from .conftest import interaction, write_cassette

URL = "https://example.test/devices"


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Headers", "version": "1"},
        "servers": [{"url": "https://example.test"}],
        "paths": {
            "/devices": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"ETag": {"schema": {"type": "string"}}},
                        }
                    }
                }
            }
        },
    }
    (folder / "devices.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def _record(folder: Path, *header_sets: tuple[tuple[str, str], ...]) -> Path:
    calls = [
        dataclasses.replace(interaction("GET", URL, 200, {"id": "d1"}), response_headers=headers)
        for headers in header_sets
    ]
    write_cassette(folder, "calls", calls)
    return folder


def _drift(spec_dir: Path, base: Path, new: Path) -> list[tuple[str, str, str]]:
    index = SpecIndex([load_spec(spec_dir / "devices.json")])
    return [(f.rule_id, f.severity, f.pointer) for f in drift_recordings([base], [new], index=index)]


def test_a_documented_header_sent_every_time_and_then_never_is_removed(
    spec_dir: Path, tmp_path: Path
) -> None:
    base = _record(tmp_path / "base", (("ETag", '"1"'), ("Date", "x")), (("etag", '"2"'), ("Date", "y")))
    new = _record(tmp_path / "new", (("Date", "z"),), (("Date", "w"),))
    assert _drift(spec_dir, base, new) == [
        ("response.header.removed", "breaking", "/responses/200/headers/etag")
    ]


def test_an_undocumented_or_sometimes_sent_header_that_stops_is_no_finding(
    spec_dir: Path, tmp_path: Path
) -> None:
    base = _record(tmp_path / "base", (("ETag", '"1"'), ("Via", "gw")), (("Via", "gw"),))
    new = _record(tmp_path / "new", (("Server", "x"),), (("Server", "x"),))
    assert _drift(spec_dir, base, new) == []


def test_a_sunset_date_in_the_api_store_header_is_a_sunset(spec_dir: Path, tmp_path: Path) -> None:
    base = _record(tmp_path / "base", (("sunset", "n/a"),))
    new = _record(tmp_path / "new", (("sunset", "Fri, 31 Dec 2027 23:59:59 GMT"),))
    assert _drift(spec_dir, base, new) == [("operation.sunset", "warning", "/responses/200/headers/sunset")]
    report, code = run_drift([base], [new], spec_dirs=[spec_dir], validate=False)
    assert code == 0
    assert "Fri, 31 Dec 2027 23:59:59 GMT" in report
    assert _drift(spec_dir, new, new) == []
