"""Spec against spec: the corpus diffed with itself, mutations of corpus specs, Swagger vs OpenAPI 3."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.model import MediaType, Operation, ResponseSpec, Spec
from kpn_contract.contract.specs import bundled_spec_dir, load_spec, load_specs
from kpn_contract.drift.findings import Finding
from kpn_contract.drift.spec.specdiff import diff_specs

from .conftest import write_raw

LORA = "kpn-lora-device-management-openapi.yml"
DEVICE = "GET /devices/{deviceRef}"
DEVICE_200 = "/responses/200/content/application~1json/schema"

SpecPair = Callable[..., tuple[Spec, Spec]]


def _status_key(responses: dict[Any, Any], code: int) -> Any:
    """Corpus files write response codes both as 200 and '200'."""
    return code if code in responses else str(code)


def _device(raw: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = raw["components"]["schemas"]["Device"]
    return schema


def _get_device(raw: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = raw["paths"]["/devices/{deviceRef}"]["get"]
    return op


def _only(findings: list[Finding], rule_id: str, operation: str | None = None) -> Finding:
    found = [f for f in findings if f.rule_id == rule_id and (operation is None or f.operation == operation)]
    assert found, f"no {rule_id} for {operation}; got {[(f.rule_id, f.operation) for f in findings]}"
    return found[0]


def _require(*names: str) -> Callable[[dict[str, Any]], None]:
    def prepare(raw: dict[str, Any]) -> None:
        _device(raw)["required"] = list(names)

    return prepare


# --------------------------------------------------------------------------------------------- corpus


@pytest.mark.corpus
def test_every_published_definition_diffed_with_itself_has_no_findings(kpn_specs_dir: Path) -> None:
    files = sorted(kpn_specs_dir.glob("*.yml"))
    assert len(files) == 34
    for file in files:
        old = load_spec(file)
        assert diff_specs(old, copy.deepcopy(old)) == [], file.name


def test_every_bundled_spec_diffed_with_itself_has_no_findings() -> None:
    specs = load_specs([bundled_spec_dir()])
    assert len([s for s in specs if s.family == "api-store" and s.operations]) >= 34
    for spec in specs:
        assert diff_specs(spec, copy.deepcopy(spec)) == [], spec.path


# Rule and severity of single changes: the pair corpus (tests/unit/drift/pairs, test_pairs.py).


# --------------------------------------------------------------------------- Swagger 2.0 vs OpenAPI 3

SWAGGER: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "Number check", "version": "1.0"},
    "host": "api-prd.kpn.com",
    "basePath": "/numbers",
    "schemes": ["https"],
    "produces": ["application/json"],
    "consumes": ["application/json"],
    "securityDefinitions": {
        "OAuth2": {
            "type": "oauth2",
            "flow": "application",
            "tokenUrl": "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials",
            "scopes": {},
        }
    },
    "security": [{"OAuth2": []}],
    "paths": {
        "/lookup/{number}": {
            "get": {
                "parameters": [
                    {"name": "number", "in": "path", "required": True, "type": "string"},
                    {"name": "level", "in": "query", "type": "string", "enum": ["basic", "advanced"]},
                ],
                "responses": {
                    "200": {"description": "ok", "schema": {"$ref": "#/definitions/Lookup"}},
                    "404": {"description": "unknown", "schema": {"$ref": "#/definitions/Error"}},
                },
            }
        },
        "/lookup": {
            "post": {
                "parameters": [
                    {
                        "name": "body",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Request"},
                    }
                ],
                "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Lookup"}}},
            }
        },
    },
    "definitions": {
        "Lookup": {
            "type": "object",
            "required": ["number", "status"],
            "properties": {
                "number": {"type": "string"},
                "status": {"type": "string", "enum": ["valid", "invalid"]},
                "carrier": {"type": "string", "x-nullable": True},
                "ported": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        "Request": {
            "type": "object",
            "required": ["number"],
            "properties": {"number": {"type": "string"}, "country": {"type": "string"}},
        },
    },
}

OPENAPI3: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Number check", "version": "1.0.1", "description": "Same API, rewritten"},
    "servers": [{"url": "https://api-prd.kpn.com/numbers"}],
    "security": [{"oauth": []}],
    "components": {
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": SWAGGER["securityDefinitions"]["OAuth2"]["tokenUrl"],
                        "scopes": {},
                    }
                },
            }
        },
        "schemas": {
            "Lookup": {
                "type": "object",
                "required": ["number", "status"],
                "properties": {
                    "number": {"type": "string"},
                    "status": {"type": "string", "enum": ["valid", "invalid"]},
                    "carrier": {"type": "string", "nullable": True},
                    "ported": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
            "Request": {
                "type": "object",
                "required": ["number"],
                "properties": {"number": {"type": "string"}, "country": {"type": "string"}},
            },
        },
    },
    "paths": {
        "/lookup/{msisdn}": {
            "get": {
                "parameters": [
                    {"name": "msisdn", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "level",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["basic", "advanced"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lookup"}}},
                    },
                    "404": {
                        "description": "unknown",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
        "/lookup": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}},
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lookup"}}},
                    }
                },
            }
        },
    },
}


def test_swagger2_against_equivalent_openapi3_has_no_breaking_finding(tmp_path: Path) -> None:
    old = load_spec(write_raw(tmp_path / "v2.yml", SWAGGER))
    new = load_spec(write_raw(tmp_path / "v3.yml", OPENAPI3))
    assert old.format == "swagger-2.0"
    assert new.format == "openapi-3.0"
    findings = diff_specs(old, new)
    assert findings == []
    assert diff_specs(new, old) == []


def test_swagger2_against_openapi3_still_sees_a_real_break(tmp_path: Path) -> None:
    changed = copy.deepcopy(OPENAPI3)
    changed["components"]["schemas"]["Lookup"]["properties"]["ported"]["type"] = "string"
    old = load_spec(write_raw(tmp_path / "v2.yml", SWAGGER))
    new = load_spec(write_raw(tmp_path / "v3.yml", changed))
    finding = _only(diff_specs(old, new), "response.property.type-changed", "GET /lookup/{number}")
    assert finding.severity == "breaking"
    assert finding.old == "boolean"
    assert finding.new == "string"


# -------------------------------------------------------------------------- hand-built model objects


def _op(schema: dict[str, Any], path: str = "/things") -> Operation:
    return Operation(
        spec_path="x.yml",
        spec_title="X",
        method="GET",
        path=path,
        operation_id="get",
        parameters=(),
        request_body=None,
        responses={
            "200": ResponseSpec("200", "ok", {"application/json": MediaType("application/json", schema)})
        },
    )


def _spec(*ops: Operation, title: str = "X") -> Spec:
    return Spec(
        path="x.yml", title=title, version="1", format="openapi-3.1", servers=("/",), operations=list(ops)
    )


def test_recursive_schema_does_not_loop() -> None:
    node: dict[str, Any] = {"type": "object", "properties": {"name": {"type": "string"}}}
    node["properties"]["child"] = node  # a cycle, as a loader that did not bound it would leave
    other: dict[str, Any] = {"type": "object", "properties": {"name": {"type": "integer"}}}
    other["properties"]["child"] = other
    findings = diff_specs(_spec(_op(node)), _spec(_op(other)))
    pointers = {f.pointer for f in findings if f.rule_id == "response.property.type-changed"}
    assert "/responses/200/content/application~1json/schema/properties/name" in pointers
    assert len(findings) < 100


def test_array_items_and_allof_are_walked() -> None:
    old: dict[str, Any] = {
        "type": "object",
        "properties": {
            "content": {
                "type": "array",
                "items": {"allOf": [{"type": "object", "properties": {"uuid": {"type": "string"}}}]},
            }
        },
    }
    new = copy.deepcopy(old)
    del new["properties"]["content"]["items"]["allOf"][0]["properties"]["uuid"]
    finding = _only(diff_specs(_spec(_op(old)), _spec(_op(new))), "response.property.removed")
    assert (
        finding.pointer
        == "/responses/200/content/application~1json/schema/properties/content/items/properties/uuid"
    )
    assert finding.severity == "warning"


def test_nullable_as_anyof_null_branch_is_seen() -> None:
    old = {"type": "object", "properties": {"barcode": {"type": "string"}}}
    new = {"type": "object", "properties": {"barcode": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
    finding = _only(diff_specs(_spec(_op(old)), _spec(_op(new))), "response.property.became-nullable")
    assert finding.pointer.endswith("/properties/barcode")


def test_integer_to_number_in_a_response_is_a_type_change_but_number_to_integer_is_not() -> None:
    def schema(kind: str) -> dict[str, Any]:
        return {"type": "object", "properties": {"count": {"type": kind}}}

    widened = diff_specs(_spec(_op(schema("integer"))), _spec(_op(schema("number"))))
    narrowed = diff_specs(_spec(_op(schema("number"))), _spec(_op(schema("integer"))))
    assert [f.rule_id for f in widened] == ["response.property.type-changed"]
    assert narrowed == []


def test_renamed_path_parameter_is_not_a_removed_operation() -> None:
    old = _op({"type": "object"}, path="/things/{id}")
    new = _op({"type": "object"}, path="/things/{uuid}")
    assert diff_specs(_spec(old), _spec(new)) == []


def test_recursive_schema_with_branches_does_not_crash() -> None:
    node: dict[str, Any] = {"type": "object", "properties": {}}
    node["oneOf"] = [node, {"type": "object", "properties": {"n": {"type": "string"}}}]
    other: dict[str, Any] = {"type": "object", "properties": {}}
    other["oneOf"] = [other]
    findings = diff_specs(_spec(_op(node)), _spec(_op(other)))
    # A cyclic branch is equal only to itself, so the self-references count as replaced as well.
    assert {f.rule_id for f in findings} == {
        "response.composition.branch-removed",
        "response.composition.branch-added",
    }
