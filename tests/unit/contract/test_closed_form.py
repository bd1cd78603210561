"""Swagger 2.0 formData: open as published, closed and required where a contract says ``x-kpn-closed-form``.

The published files leave open whether an undeclared form field may be sent and whether the form may
be left out (leniency ``formdata-closed-set``: accepted). The derived contracts in specs/ say the
declared fields are the whole form and the form is sent, so the toolkit (pytest and the emulator alike)
refuses an undeclared field, naming the rule and the pointer, and stock schemathesis agrees.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.leniency import operation_leniencies
from kpn_contract.contract.specs import SpecIndex, bundled_spec_dir, load_spec
from kpn_contract.contract.validate import Validator

WriteSpec = Callable[..., Path]
BASE = "https://api.example.test"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def swagger(*, closed: bool, required: bool = True) -> dict[str, Any]:
    send: dict[str, Any] = {
        "consumes": ["application/x-www-form-urlencoded"],
        "parameters": [
            {"name": "to", "in": "formData", "type": "string", "required": required},
            {"name": "ttl", "in": "formData", "type": "integer"},
        ],
        "responses": {"200": {"description": "sent"}, "400": {"description": "bad"}},
    }
    if closed:
        send["x-kpn-closed-form"] = True
    return {
        "swagger": "2.0",
        "info": {"title": "Forms", "version": "1"},
        "host": "api.example.test",
        "schemes": ["https"],
        "paths": {"/send": {"post": send}},
    }


def names(operations: list[Any]) -> list[str]:
    return [item.name for item in operation_leniencies(operations, swagger=True)]


def rules(validator: Validator, body: bytes, headers: dict[str, str] | None = None) -> list[tuple[str, str]]:
    found = validator.validate_request("POST", f"{BASE}/send", FORM if headers is None else headers, body)
    return [(v.rule_id, v.pointer) for v in found]


def test_an_open_form_accepts_other_fields_and_no_body(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec(swagger(closed=False, required=False)))
    (operation,) = spec.operations
    assert operation.request_body is not None
    assert not operation.request_body.required
    schema = operation.request_body.content[FORM["content-type"]].schema
    assert schema is not None
    assert "additionalProperties" not in schema
    assert "formdata-closed-set" in names(spec.operations)
    validator = Validator(SpecIndex([spec]))
    assert rules(validator, b"to=x&other=1") == []
    assert rules(validator, b"", {}) == []


def test_a_closed_form_refuses_other_fields_and_a_missing_form(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec(swagger(closed=True, required=False)))
    (operation,) = spec.operations
    assert operation.request_body is not None
    assert operation.request_body.required
    schema = operation.request_body.content[FORM["content-type"]].schema
    assert schema is not None
    assert schema["additionalProperties"] is False
    assert "formdata-closed-set" not in names(spec.operations)
    validator = Validator(SpecIndex([spec]))
    assert rules(validator, b"to=x&ttl=3") == []
    assert rules(validator, b"to=x&other=1") == [("request.body.schema", "")]
    assert rules(validator, b"", {}) == [("request.body.required", "")]
    other = validator.validate_request("POST", f"{BASE}/send", FORM, b"to=x&other=secret-value")
    assert "secret-value" not in str(other[0])  # form values are never quoted


@pytest.mark.parametrize("closed", [True, False])
def test_an_empty_urlencoded_body_is_a_form_with_no_fields(write_spec: WriteSpec, closed: bool) -> None:
    optional = Validator(SpecIndex([load_spec(write_spec(swagger(closed=closed, required=False)))]))
    assert rules(optional, b"") == []  # no field is required: an empty form is a valid form
    needed = Validator(SpecIndex([load_spec(write_spec(swagger(closed=closed), "needed.yaml"))]))
    assert rules(needed, b"") == [("request.body.schema", "/to")]  # sent, but without its required `to`


def test_every_derived_swagger_form_operation_is_closed_and_the_published_one_open() -> None:
    closed = 0
    for path in sorted(bundled_spec_dir().glob("*.yaml")):
        if path.name == "rules.yaml":
            continue
        spec = load_spec(path)
        if spec.format != "swagger-2.0":
            continue
        for operation in spec.operations:
            body = operation.request_body
            forms = [m for n, m in (body.content.items() if body else ()) if "form" in n]
            for media in forms:
                assert media.schema is not None
                assert media.schema.get("additionalProperties") is False, operation.key
                closed += 1
        assert "formdata-closed-set" not in names(spec.operations)
    assert closed >= 10  # apidaze, mobile services, number insight, vonage sms and verify


@pytest.mark.corpus
def test_the_published_vonage_sms_form_stays_open(kpn_specs_dir: Path, tmp_path: Path) -> None:
    copy_ = tmp_path / "vonage-sms-openapi.yml"
    shutil.copyfile(kpn_specs_dir / copy_.name, copy_)
    spec = load_spec(copy_)  # read as published: no x-kpn-closed-form, so undeclared fields are accepted
    assert names(spec.operations).count("formdata-closed-set") == 2
    validator = Validator(SpecIndex([spec]))
    url = "https://api-prd.kpn.com/communication/nexmo/sms/send"
    headers = {**FORM, "authorization": "Bearer a-token"}
    assert validator.validate_request("POST", url, headers, b"from=KPN&to=31612345678&other=1") == []
