"""Validator: each check, positive and negative, with pointers, meanings and redaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kpn_contract.contract._common import decode_json
from kpn_contract.contract.model import Violation
from kpn_contract.contract.specs import SpecIndex, load_spec
from kpn_contract.contract.validate import Validator, assert_conforms, describe_specs
from kpn_contract.errors import ContractViolation, SpecError
from kpn_contract.redact import register_secret

DEVICES = "https://api.kpnthings.com/api/devices"
DEVICE_JSON = {"content-type": "application/vnd.kpnthings.device.v1.response+json;charset=UTF-8"}
WriteSpec = Callable[..., Path]


def device_page(**changes: Any) -> dict[str, Any]:
    device = {
        "uuid": "d-1",
        "name": "sensor",
        "description": "in the hall",
        "metadata": None,
        "deviceSpecificationUUID": "spec-1",
        "barcode": None,
    }
    page: dict[str, Any] = {
        "content": [device, dict(device, uuid="d-2", metadata={"room": "1"}, barcode="KPN1")],
        "last": True,
        "first": True,
        "totalPages": 1,
        "totalElements": 2,
        "numberOfElements": 2,
        "size": 20,
        "number": 0,
        "sort": [
            {
                "direction": "ASC",
                "property": "name",
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": True,
                "descending": False,
            }
        ],
    }
    page.update(changes)
    return page


@pytest.fixture(scope="module")
def validator(bundled_index: SpecIndex) -> Validator:
    return Validator(bundled_index)


def rules_of(violations: list[Violation]) -> list[str]:
    return [v.rule_id for v in violations]


def test_valid_device_page_has_no_violations(validator: Validator) -> None:
    body = json.dumps(device_page()).encode()
    assert validator.validate("GET", DEVICES + "?currentPage=0", 200, DEVICE_JSON, body) == []
    assert validator.validate("GET", "http://127.0.0.1:8123/api/devices", 200, DEVICE_JSON, body) == []


def test_schema_violation_points_into_the_body(validator: Validator) -> None:
    page = device_page()
    page["content"][1]["uuid"] = 7
    (violation,) = validator.validate("GET", DEVICES, 200, DEVICE_JSON, json.dumps(page).encode())
    assert violation.rule_id == "body.schema"
    assert violation.pointer == "/content/1/uuid"
    assert violation.operation_id == "listDevices"
    assert violation.spec_path.endswith("kpn-things-beta.yaml")
    assert '"string"' in violation.expected
    assert violation.actual == "7"


def test_missing_required_field_is_reported(validator: Validator) -> None:
    page = device_page()
    del page["totalPages"]
    violations = validator.validate("GET", DEVICES, 200, DEVICE_JSON, json.dumps(page).encode())
    assert rules_of(violations) == ["body.schema"]
    assert "totalPages" in violations[0].expected


def test_invalid_json_body(validator: Validator) -> None:
    (violation,) = validator.validate("GET", DEVICES, 200, DEVICE_JSON, b"{not json")
    assert violation.rule_id == "body.json"


def test_json_is_read_as_the_standard_library_reads_it(validator: Validator) -> None:
    """The fast parser (msgspec) keeps wide integers exact; what it refuses, json.loads decides."""
    wide = json.dumps(device_page(totalElements=12345678901234567890123)).encode()
    assert validator.validate("GET", DEVICES, 200, DEVICE_JSON, wide) == []
    assert decode_json(b"[NaN, 1]")[1] == 1  # the standard library reads NaN, and so did we before
    (violation,) = validator.validate("GET", DEVICES, 200, DEVICE_JSON, b"{not json")
    assert violation.actual.startswith("invalid JSON (Expecting property name")


def test_json_nested_too_deeply_is_a_violation_not_a_crash(validator: Validator) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    (violation,) = validator.validate("GET", DEVICES, 200, DEVICE_JSON, deep)
    assert violation.rule_id == "body.json"
    assert "nested too deeply" in violation.actual


def test_content_type_parameters_are_ignored_but_type_must_match(validator: Validator) -> None:
    body = json.dumps(device_page()).encode()
    plain = {"Content-Type": "application/vnd.kpnthings.device.v1.response+json"}
    assert validator.validate("GET", DEVICES, 200, plain, body) == []
    (violation,) = validator.validate("GET", DEVICES, 200, {"Content-Type": "text/html"}, body)
    assert violation.rule_id == "content-type"
    assert "application/vnd.kpnthings.device.v1.response+json" in violation.expected
    assert violation.actual == "text/html"
    (missing,) = validator.validate("GET", DEVICES, 200, {}, body)
    assert missing.rule_id == "content-type"


def test_302_is_an_auth_failure_for_things(validator: Validator) -> None:
    (violation,) = validator.validate("GET", DEVICES, 302, {"Location": "https://login.example"}, b"")
    assert violation.rule_id == "status.auth-failure"
    assert "never follow" in violation.meaning


def test_302_is_success_for_number_verify_session_with_location(validator: Validator) -> None:
    url = "https://api-prd.kpn.com/communication/kpn/numberverify/session/abc123"
    assert validator.validate("GET", url, 302, {"Location": "https://next.example/step"}, b"") == []
    (violation,) = validator.validate("GET", url, 302, {}, b"")
    assert violation.rule_id == "header.missing"
    assert "Location" in violation.expected
    assert "session redirect" in violation.meaning


def test_204_must_have_an_empty_body(validator: Validator) -> None:
    url = "https://api.kpnthings.com/api/v1/lifecycle/clients/c-9/context-switch"
    assert validator.validate("POST", url, 204, {}, b"") == []
    (violation,) = validator.validate("POST", url, 204, {}, b'{"ok": true}')
    assert violation.rule_id == "204.body"
    assert "empty" in violation.meaning


def test_undeclared_status_carries_the_meaning(validator: Validator) -> None:
    url = "https://api.kpnthings.com/api/v1/lifecycle/clients/c-9/context-switch"
    (violation,) = validator.validate("POST", url, 201, {}, b"")
    assert violation.rule_id == "status.undeclared"
    assert violation.actual == "201"
    assert "204" in violation.expected
    assert violation.meaning == "Created"


def status_spec(write_spec: WriteSpec, responses: dict[str, Any]) -> Validator:
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "S", "version": "1"},
        "paths": {"/r": {"get": {"responses": responses}}},
    }
    return Validator(SpecIndex([load_spec(write_spec(doc))]))


def test_default_and_range_responses_cover_other_codes(write_spec: WriteSpec) -> None:
    json_body = {"content": {"application/json": {"schema": {"type": "object", "required": ["code"]}}}}
    validator = status_spec(
        write_spec,
        {
            "200": {"description": "ok"},
            "4XX": {"description": "c", **json_body},
            "default": {"description": "d"},
        },
    )
    headers = {"Content-Type": "application/json"}
    assert validator.validate("GET", "/r", 404, headers, b'{"code": 1}') == []
    assert rules_of(validator.validate("GET", "/r", 404, headers, b"{}")) == ["body.schema"]
    assert validator.validate("GET", "/r", 503, {}, b"anything") == []
    strict = status_spec(write_spec, {"200": {"description": "ok"}})
    assert rules_of(strict.validate("GET", "/r", 503, {}, b"")) == ["status.undeclared"]


def test_required_response_header(write_spec: WriteSpec) -> None:
    validator = status_spec(
        write_spec,
        {
            "200": {
                "description": "ok",
                "headers": {"X-Trace": {"required": True, "schema": {"type": "string"}}},
            }
        },
    )
    assert validator.validate("GET", "/r", 200, {"x-trace": "1"}, b"") == []
    (violation,) = validator.validate("GET", "/r", 200, {}, b"")
    assert (violation.rule_id, violation.expected) == ("header.missing", "header X-Trace")


def test_unknown_operation_only_in_strict_mode(bundled_index: SpecIndex) -> None:
    assert Validator(bundled_index).validate("GET", "https://elsewhere.example/x", 200, {}, b"") == []
    (violation,) = Validator(bundled_index, strict_unknown=True).validate(
        "GET", "https://elsewhere.example/x", 200, {}, b""
    )
    assert violation.rule_id == "operation.unknown"


def test_check_and_assert_conforms_on_httpx_responses(validator: Validator) -> None:
    request = httpx.Request("GET", DEVICES)
    good = httpx.Response(
        200, headers=DEVICE_JSON, content=json.dumps(device_page()).encode(), request=request
    )
    assert validator.check(good) == []
    validator.assert_conforms(good)
    bad = httpx.Response(200, headers=DEVICE_JSON, content=b'{"content": []}', request=request)
    with pytest.raises(AssertionError) as info:
        validator.assert_conforms(bad)
    assert isinstance(info.value, ContractViolation)
    assert info.value.violations
    assert "listDevices" in str(info.value)
    assert "response excerpt" in str(info.value)


def test_contract_violation_text_is_redacted(validator: Validator, clean_secret_registry: None) -> None:
    secret = "planted-secret-value-12345"
    register_secret(secret)
    page = device_page()
    page["content"][0]["uuid"] = 42  # a violation, so the excerpt is shown
    page["content"][0]["name"] = secret
    request = httpx.Request("GET", DEVICES)
    response = httpx.Response(200, headers=DEVICE_JSON, content=json.dumps(page).encode(), request=request)
    with pytest.raises(ContractViolation) as info:
        validator.assert_conforms(response)
    assert secret not in str(info.value)
    assert "REDACTED" in str(info.value)


def test_schema_violation_value_is_redacted(validator: Validator, clean_secret_registry: None) -> None:
    secret = "another-planted-secret-678"
    register_secret(secret)
    page = device_page()
    page["content"][0]["metadata"] = secret  # wrong type: the actual value would echo the secret
    (violation,) = validator.validate("GET", DEVICES, 200, DEVICE_JSON, json.dumps(page).encode())
    assert violation.pointer == "/content/0/metadata"
    assert secret not in violation.actual
    assert secret not in violation.describe()


def test_module_level_assert_conforms_accepts_violations() -> None:
    assert_conforms([])
    violation = Violation("body.schema", "op", "spec.yaml", "/a", "x", "y")
    with pytest.raises(ContractViolation, match=r"body.schema at /a in op \[spec.yaml\]"):
        assert_conforms([violation])


def test_describe_specs(repo_root: Path, write_spec: WriteSpec) -> None:
    described = describe_specs([repo_root / "specs" / "kpn-things" / "kpn-things-beta.yaml"])
    assert described == [
        {
            "path": str(repo_root / "specs" / "kpn-things" / "kpn-things-beta.yaml"),
            "title": "KPN Things API (beta)",
            "version": "beta-2026-11",
            "format": "openapi-3.0",
            "base_urls": ["https://api.kpnthings.com"],
            "operations": 3,
            "warnings": [],
            "leniencies": [],
            "scopes": {
                "GET /api/devices": [],
                "POST /api/v1/lifecycle/clients/{customerId}/context-switch": [],
                "POST /api/actuator/downlinks": [],
            },
        }
    ]
    with pytest.raises(SpecError) as info:
        describe_specs([write_spec("openapi: [\n", "broken.yaml")])
    assert "broken.yaml" in str(info.value)


def test_describe_specs_lists_warnings_with_file_and_pointer(write_spec: WriteSpec) -> None:
    text = "openapi: 3.0.0\ninfo: {title: W, version: '2'}\npaths:\n  /a:\n    get:\n      responses:\n"
    path = write_spec(text + "        200:\n          description: ok\n")
    (described,) = describe_specs([path])
    (warning,) = described["warnings"]
    assert warning.startswith(f"{path}#/paths/~1a/get/responses/200: ")
    assert "YAML integer" in warning


def test_cassette_style_header_lists_are_read(validator: Validator) -> None:
    body = json.dumps(device_page()).encode()
    headers = {"Content-Type": ["application/vnd.kpnthings.device.v1.response+json"]}
    assert validator.validate("GET", DEVICES, 200, headers, body) == []
