"""``--used-by``: usage from cassettes and findings limited to it."""

from __future__ import annotations

from pathlib import Path

from kpn_contract.contract.model import MediaType, Operation, Parameter, ResponseSpec, Spec
from kpn_contract.contract.specs import SpecIndex
from kpn_contract.drift.findings import Finding
from kpn_contract.drift.usage import apply_usage, usage_from_cassettes

from .conftest import interaction, write_cassette

SCHEMA = "/responses/200/content/application~1json/schema"


def _index() -> SpecIndex:
    op = Operation(
        spec_path="t.yml",
        spec_title="T",
        method="GET",
        path="/api/devices/{uuid}",
        operation_id="get",
        parameters=(Parameter("uuid", "path", required=True, schema={"type": "string"}),),
        request_body=None,
        responses={"200": ResponseSpec("200", "ok", {"application/json": MediaType("application/json", {})})},
    )
    return SpecIndex([Spec("t.yml", "T", "1", "openapi-3.0", ("https://api.example.com",), [op])])


def _finding(rule_id: str, pointer: str, operation: str = "GET /api/devices/{id}", **kw: object) -> Finding:
    return Finding(rule_id, "breaking", operation, pointer, None, None, "m", **kw)  # type: ignore[arg-type]


def test_usage_collects_operations_statuses_fields_and_parameters(tmp_path: Path) -> None:
    write_cassette(
        tmp_path,
        "c",
        [
            interaction(
                "GET",
                "https://api.example.com/api/devices/u1?fields=all",
                200,
                {"content": [{"uuid": "u1", "meta": {"a": 1}}]},
                request_headers=[("X-Client-Id", "c")],
            ),
            interaction("POST", "https://unknown.example.com/x", 201, None, request_body={"name": "n"}),
        ],
    )
    usage = usage_from_cassettes([tmp_path], _index())
    assert usage.operations == {"GET /api/devices/{}", "POST /x"}
    assert usage.statuses["GET /api/devices/{}"] == {"200"}
    assert "/content/*/meta/a" in usage.response_fields["GET /api/devices/{}"]
    assert {("query", "fields"), ("header", "x-client-id")} <= usage.parameters["GET /api/devices/{}"]
    assert usage.request_fields["POST /x"] == {"", "/name"}


def test_apply_usage_keeps_used_fields_and_marks_them(tmp_path: Path) -> None:
    write_cassette(
        tmp_path,
        "c",
        [
            interaction(
                "GET", "https://api.example.com/api/devices/u1?fields=all", 200, {"content": [{"uuid": "u"}]}
            )
        ],
    )
    usage = usage_from_cassettes([tmp_path], _index())
    findings = [
        _finding("response.property.removed", f"{SCHEMA}/properties/content/items/properties/uuid"),
        _finding("response.property.removed", f"{SCHEMA}/properties/content/items/properties/barcode"),
        _finding(
            "response.property.type-changed", f"{SCHEMA}/properties/content"
        ),  # a parent of a used field
        _finding("response.status.removed", "/responses/404"),
        _finding("response.status.removed", "/responses/200"),
        _finding("request.parameter.removed", "/parameters/query/fields"),
        _finding("request.parameter.removed", "/parameters/query/sort"),
        _finding("request.parameter.required-added", "/parameters/query/tenant"),
        _finding("operation.removed", "", operation="DELETE /api/devices/{uuid}"),
        _finding("security.token-url.changed", "/x", operation="*", affects=("GET /api/devices/{uuid}",)),
        _finding("security.token-url.changed", "/y", operation="*", affects=("PUT /api/devices/{uuid}",)),
    ]
    kept = apply_usage(findings, usage)
    assert [(f.rule_id, f.pointer) for f in kept] == [
        ("response.property.removed", f"{SCHEMA}/properties/content/items/properties/uuid"),
        ("response.property.type-changed", f"{SCHEMA}/properties/content"),
        ("response.status.removed", "/responses/200"),
        ("request.parameter.removed", "/parameters/query/fields"),
        ("request.parameter.required-added", "/parameters/query/tenant"),
        ("security.token-url.changed", "/x"),
    ]
    assert all(f.used is True for f in kept)


def test_empty_usage_keeps_nothing(tmp_path: Path) -> None:
    write_cassette(tmp_path, "c", [])
    usage = usage_from_cassettes([tmp_path], _index())
    assert apply_usage([_finding("operation.removed", "")], usage) == []


def test_a_field_inside_a_tuple_position_is_matched_through_the_recorded_array_items(tmp_path: Path) -> None:
    body = {"route": [{"lat": 52.1}, {"lat": 52.2}]}
    write_cassette(tmp_path, "c", [interaction("GET", "https://api.example.com/api/devices/u1", 200, body)])
    usage = usage_from_cassettes([tmp_path], _index())
    read = _finding("response.property.removed", f"{SCHEMA}/properties/route/prefixItems/1/properties/lat")
    unread = _finding("response.property.removed", f"{SCHEMA}/properties/route/prefixItems/1/properties/lon")
    assert [f.pointer for f in apply_usage([read, unread], usage)] == [read.pointer]
