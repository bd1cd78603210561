"""Recording against recording: shape inference and each drift rule on hand-made cassettes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kpn_contract.cassettes.store import load_cassette
from kpn_contract.contract.model import MediaType, Operation, ResponseSpec, Spec, Violation
from kpn_contract.contract.specs import SpecIndex
from kpn_contract.drift.findings import Finding, StabilityPolicy
from kpn_contract.drift.recordings.shapes import ENUM_MIN_SAMPLES, drift_recordings, infer_shapes
from kpn_contract.errors import CassetteError

from .conftest import interaction, write_cassette

URL = "https://api.example.com/api/devices"


def _page(devices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"content": devices, "totalElements": len(devices), **extra}


def _device(i: int, **changes: Any) -> dict[str, Any]:
    device = {"uuid": f"uuid-{i:04d}", "name": f"sensor {i}", "state": ["ON", "OFF"][i % 2], "barcode": "B"}
    device.update(changes)
    return {k: v for k, v in device.items() if v is not _GONE}


_GONE = object()


def _drift(tmp_path: Path, base: list[Any], new: list[Any], **kwargs: Any) -> list[Finding]:
    write_cassette(tmp_path / "base", "c", base)
    write_cassette(tmp_path / "new", "c", new)
    return drift_recordings([tmp_path / "base"], [tmp_path / "new"], index=None, **kwargs)


def _pages(n: int, **changes: Any) -> list[Any]:
    return [interaction("GET", URL, 200, _page([_device(i, **changes) for i in range(4)])) for _ in range(n)]


def test_identical_recordings_have_no_drift(tmp_path: Path) -> None:
    assert _drift(tmp_path, _pages(3), _pages(3)) == []


def test_infer_shapes_records_types_presence_and_nullability(tmp_path: Path) -> None:
    devices = [_device(0), _device(1, barcode=None), _device(2, barcode=_GONE)]
    path = write_cassette(tmp_path, "c", [interaction("GET", URL, 200, _page(devices))])
    shapes = infer_shapes([load_cassette(path)], None)
    shape = shapes["GET /api/devices"]
    body = shape.bodies[200]
    assert shape.statuses == {200: 1}
    assert body.content_types == {"application/json"}
    assert body.fields["/content/*/uuid"].types == {"string"}
    assert body.presence("/content/*/uuid") == "always"
    assert body.presence("/content/*/barcode") == "sometimes"
    assert body.fields["/content/*/barcode"].nulls == 1
    assert body.fields["/totalElements"].types == {"number"}


def test_required_field_removed_is_breaking_and_optional_is_warning(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, _page([_device(0), _device(1, barcode=_GONE)]))]
    new = [
        interaction(
            "GET",
            URL,
            200,
            _page([_device(0, uuid=_GONE, barcode=_GONE), _device(1, uuid=_GONE, barcode=_GONE)]),
        )
    ]
    findings = _drift(tmp_path, base, new)
    removed = {f.pointer: f.severity for f in findings if f.rule_id == "response.property.removed"}
    assert removed == {"/content/*/uuid": "breaking", "/content/*/barcode": "warning"}


def test_type_change_new_field_and_nullable(tmp_path: Path) -> None:
    base = _pages(2)
    new = [
        interaction(
            "GET", URL, 200, {**_page([_device(i, barcode=None) for i in range(4)]), "totalElements": "4"}
        )
        for _ in range(2)
    ]
    new[0] = interaction("GET", URL, 200, {**_page([_device(0, lastSeen="2026")]), "totalElements": "1"})
    findings = {(f.rule_id, f.pointer): f for f in _drift(tmp_path, base, new)}
    assert findings.keys() == {
        ("response.property.type-changed", "/totalElements"),
        ("response.property.became-nullable", "/content/*/barcode"),
        ("response.property.added", "/content/*/lastSeen"),
    }
    changed = findings[("response.property.type-changed", "/totalElements")]
    assert (changed.old, changed.new, changed.severity) == ("number", "string", "breaking")
    assert findings[("response.property.added", "/content/*/lastSeen")].severity == "info"


def test_success_status_replaced_is_breaking_and_new_error_warns(tmp_path: Path) -> None:
    switch = "https://api.example.com/api/v1/switch"
    base = [interaction("POST", switch, 200, {"ok": True})]
    new = [interaction("POST", switch, 204), interaction("POST", switch, 429, {"error": "slow down"})]
    findings = {f.rule_id: f for f in _drift(tmp_path, base, new)}
    assert findings.keys() == {"response.status.changed", "response.status.added-error"}
    assert (findings["response.status.changed"].old, findings["response.status.changed"].new) == (
        [200],
        [204],
    )
    assert findings["response.status.changed"].severity == "breaking"
    assert findings["response.status.added-error"].severity == "warning"


def test_success_status_gone_without_replacement(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, {"a": 1}), interaction("GET", URL, 404, {"e": 1})]
    new = [interaction("GET", URL, 404, {"e": 1})]
    [finding] = _drift(tmp_path, base, new)
    assert (finding.rule_id, finding.severity) == ("response.status.removed", "breaking")


def test_new_success_status_warns(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, {"a": 1})]
    new = [interaction("GET", URL, 200, {"a": 1}), interaction("GET", URL, 202, {"a": 1})]
    [finding] = _drift(tmp_path, base, new)
    assert (finding.rule_id, finding.severity, finding.new) == (
        "response.status.added-success",
        "warning",
        202,
    )


def test_content_type_changed(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, {"a": 1})]
    new = [interaction("GET", URL, 200, {"a": 1}, content_type="application/vnd.kpn.v2+json")]
    [finding] = _drift(tmp_path, base, new)
    assert (finding.rule_id, finding.severity) == ("response.media-type.changed", "breaking")
    assert finding.new == ["application/vnd.kpn.v2+json"]


def test_enum_like_field_gains_a_value(tmp_path: Path) -> None:
    pages = ENUM_MIN_SAMPLES  # 4 devices a page: enough samples for the enum heuristic
    base = _pages(pages)
    new = [interaction("GET", URL, 200, _page([_device(0, state="STANDBY"), _device(1)]))]
    findings = [f for f in _drift(tmp_path, base, new) if f.rule_id == "response.enum.value-added"]
    assert [(f.pointer, f.new, f.severity) for f in findings] == [
        ("/content/*/state", ["STANDBY"], "warning")
    ]


def test_ids_and_too_few_samples_do_not_look_like_enums(tmp_path: Path) -> None:
    few = _pages(1)  # 4 samples of "state": below the threshold
    new = [interaction("GET", URL, 200, _page([_device(7, state="STANDBY", uuid="uuid-9999")]))]
    assert [f for f in _drift(tmp_path, few, new) if f.rule_id == "response.enum.value-added"] == []


def test_operations_recorded_in_one_set_only_are_not_compared(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, {"a": 1})]
    new = [interaction("GET", "https://api.example.com/other", 200, {"b": 1})]
    assert _drift(tmp_path, base, new) == []


def test_missing_field_under_an_absent_parent_is_not_reported(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, _page([_device(0)]))]
    new = [interaction("GET", URL, 200, _page([]))]  # no device at all: nothing to say about their fields
    assert _drift(tmp_path, base, new) == []


def _things_index() -> SpecIndex:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    op = Operation(
        spec_path="things.yml",
        spec_title="KPN Things API",
        method="GET",
        path="/api/devices/{uuid}",
        operation_id="get",
        parameters=(),
        request_body=None,
        responses={
            "200": ResponseSpec("200", "ok", {"application/json": MediaType("application/json", schema)})
        },
    )
    spec = Spec("things.yml", "KPN Things API", "1", "openapi-3.0", ("https://api.kpnthings.com",), [op])
    return SpecIndex([spec])


def test_spec_index_names_operations_and_beta_policy_applies(tmp_path: Path) -> None:
    base = [interaction("GET", f"https://api.kpnthings.com/api/devices/{i}", 200, {"a": 1}) for i in range(3)]
    new = [interaction("GET", "https://api.kpnthings.com/api/devices/7", 200, {"a": "1"})]
    write_cassette(tmp_path / "base", "c", base)
    write_cassette(tmp_path / "new", "c", new)
    [finding] = drift_recordings([tmp_path / "base"], [tmp_path / "new"], index=_things_index())
    assert (finding.operation, finding.severity, finding.beta) == ("GET /api/devices/{uuid}", "warning", True)
    [strict] = drift_recordings(
        [tmp_path / "base"],
        [tmp_path / "new"],
        index=_things_index(),
        policy=StabilityPolicy(beta_breaking_severity="breaking"),
        severities={"response.property.added": "warning"},
    )
    assert strict.severity == "breaking"


class _FakeValidator:
    """A stand-in for kpn_contract.contract.validate.Validator that flags every string ``a``."""

    def __init__(self) -> None:
        self.calls = 0

    def validate(self, method: str, url: str, status: int, headers: Any, body: bytes) -> list[Violation]:
        self.calls += 1
        if b'"a": "' in body:
            return [Violation("body.schema", "get", "x.yml", "/a", "integer", "string")]
        return []


def test_spec_violations_of_new_responses_are_reported_once_per_place(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, {"a": 1})]
    new = [interaction("GET", URL, 200, {"a": "1"}), interaction("GET", URL, 200, {"a": "2"})]
    validator = _FakeValidator()
    findings = [
        f for f in _drift(tmp_path, base, new, validator=validator) if f.rule_id == "response.spec-violation"
    ]
    assert validator.calls == 2  # only the new recordings are validated
    [finding] = findings
    assert (finding.pointer, finding.old, finding.new, finding.severity) == (
        "/a",
        "integer",
        "string",
        "breaking",
    )
    assert "2 response(s)" in finding.message


def test_corrupt_cassette_is_a_cassette_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "bad.yaml").write_text("interactions: [\n", encoding="utf-8")
    write_cassette(tmp_path / "new", "c", [interaction("GET", URL, 200, {"a": 1})])
    with pytest.raises(CassetteError, match=r"bad\.yaml"):
        drift_recordings([tmp_path / "base"], [tmp_path / "new"], index=None)


def test_non_json_bodies_compare_status_and_content_type_only(tmp_path: Path) -> None:
    base = [interaction("GET", URL, 200, "plain", content_type="text/plain")]
    new = [interaction("GET", URL, 200, "also plain", content_type="text/plain")]
    assert _drift(tmp_path, base, new) == []


class _PerItemValidator:
    def validate(self, method: str, url: str, status: int, headers: Any, body: bytes) -> list[Violation]:
        return [
            Violation("body.schema", "get", "x.yml", f"/content/{i}/uuid", "string", "absent")
            for i in range(3)
        ]


def test_spec_violations_of_list_items_collapse_to_one_finding(tmp_path: Path) -> None:
    page = [interaction("GET", URL, 200, _page([_device(0)]))]
    findings = _drift(tmp_path, page, page, validator=_PerItemValidator())
    assert [(f.rule_id, f.pointer) for f in findings] == [("response.spec-violation", "/content/*/uuid")]
    assert "3 response(s)" in findings[0].message
