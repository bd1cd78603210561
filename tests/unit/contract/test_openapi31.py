"""OpenAPI 3.1: JSON Schema 2020-12 keywords through loader, validator and instances, and scopes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from kpn_contract.contract.index import SpecIndex
from kpn_contract.contract.instances import generate_instance
from kpn_contract.contract.model import JSONSchema, Operation
from kpn_contract.contract.specs import load_spec
from kpn_contract.contract.validate import Validator

WriteSpec = Callable[..., Path]
JSON = {"content-type": "application/json"}


def doc31(schema: dict[str, Any], *, version: str = "3.1.0", **components: Any) -> dict[str, Any]:
    """A one-operation spec whose 200 body is ``schema``."""
    return {
        "openapi": version,
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": "https://h.example"}],
        "paths": {
            "/thing": {
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}
                    },
                }
            }
        },
        "components": {"schemas": components},
    }


def body_schema(path: Path) -> JSONSchema:
    schema = load_spec(path).operations[0].responses["200"].content["application/json"].schema
    assert schema is not None
    return schema


def verdicts(path: Path, *bodies: Any) -> list[list[str]]:
    """The violated rules for each body, validated the way the plugin validates responses."""
    validator = Validator(SpecIndex([load_spec(path)]))
    return [
        [
            v.rule_id
            for v in validator.validate("GET", "https://h.example/thing", 200, JSON, json.dumps(b).encode())
        ]
        for b in bodies
    ]


def test_type_list_with_null_is_kept_and_validates_null(write_spec: WriteSpec) -> None:
    path = write_spec(doc31({"type": "object", "properties": {"note": {"type": ["string", "null"]}}}))
    assert body_schema(path)["properties"]["note"] == {"type": ["string", "null"]}
    assert verdicts(path, {"note": None}, {"note": "x"}, {"note": 3}) == [[], [], ["body.schema"]]


def test_nullable_is_ignored_and_warned_about_in_31_but_converted_in_30(write_spec: WriteSpec) -> None:
    schema = {"type": "object", "properties": {"note": {"type": "string", "nullable": True}}}
    spec31 = load_spec(write_spec(doc31(schema), "v31.yaml"))
    spec30 = load_spec(write_spec(doc31(schema, version="3.0.3"), "v30.yaml"))
    assert [(w.pointer, w.message) for w in spec31.warnings] == [
        (
            "/paths/~1thing/get/responses/200/content/application~1json/schema/properties/note/nullable",
            "'nullable' is not a keyword in OpenAPI 3.1 (write type: [..., 'null']); ignored",
        )
    ]
    assert spec30.warnings == []
    assert verdicts(Path(spec31.path), {"note": None}) == [["body.schema"]]
    assert verdicts(Path(spec30.path), {"note": None}) == [[]]


def test_const_is_kept_and_enforced(write_spec: WriteSpec) -> None:
    path = write_spec(doc31({"type": "object", "properties": {"status": {"const": 403}}}))
    assert body_schema(path)["properties"]["status"] == {"const": 403}
    assert verdicts(path, {"status": 403}, {"status": 401}) == [[], ["body.schema"]]


def test_prefix_items_with_closed_tail(write_spec: WriteSpec) -> None:
    tuple_schema = {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": ["number", "boolean"]}],
        "items": False,
        "minItems": 2,
    }
    path = write_spec(doc31(tuple_schema))
    loaded = body_schema(path)
    assert loaded["prefixItems"] == [{"type": "string"}, {"type": ["number", "boolean"]}]
    assert loaded["items"] == {"not": {}}
    assert verdicts(path, ["led", True], ["led", "on"], ["led", 1, 2], ["led"]) == [
        [],
        ["body.schema"],
        ["body.schema"],
        ["body.schema"],
    ]
    assert generate_instance(loaded) == ["string", 0]


def test_ref_into_a_schemas_own_defs_is_resolved(write_spec: WriteSpec) -> None:
    links = {
        "type": "object",
        "$defs": {"Link": {"type": "string", "minLength": 1}},
        "properties": {
            "next": {"$ref": "#/components/schemas/Links/$defs/Link"},
            "previous": {"$ref": "#/components/schemas/Links/$defs/Link", "description": "an annotation"},
        },
    }
    spec = load_spec(write_spec(doc31({"$ref": "#/components/schemas/Links"}, Links=links)))
    assert spec.warnings == []
    schema = body_schema(Path(spec.path))
    assert schema["properties"]["next"] == {"type": "string", "minLength": 1}
    # An annotation beside $ref adds nothing to validate, so the target is used as it is.
    assert schema["properties"]["previous"] is schema["properties"]["next"]
    assert schema["$defs"]["Link"] == {"type": "string", "minLength": 1}
    jsonschema_rs.Draft202012Validator(schema)  # the resolved schema compiles as 2020-12
    assert verdicts(Path(spec.path), {"next": "/a?cursor=x"}, {"next": ""}) == [[], ["body.schema"]]


def test_ref_with_constraining_siblings_becomes_all_of_in_31(write_spec: WriteSpec) -> None:
    schema = {"$ref": "#/components/schemas/Problem", "properties": {"status": {"const": 404}}}
    problem = {"type": "object", "required": ["status"], "properties": {"status": {"type": "integer"}}}
    path = write_spec(doc31(schema, Problem=problem))
    assert body_schema(path) == {"allOf": [problem, {"properties": {"status": {"const": 404}}}]}
    assert verdicts(path, {"status": 404}, {"status": 400}) == [[], ["body.schema"]]


@pytest.mark.parametrize(
    ("dialect", "warned"),
    [
        ("https://spec.openapis.org/oas/3.1/dialect/base", False),
        ("https://json-schema.org/draft/2020-12/schema", False),
        ("https://json-schema.org/draft-07/schema#", True),
    ],
)
def test_a_foreign_json_schema_dialect_is_warned_about(
    write_spec: WriteSpec, dialect: str, warned: bool
) -> None:
    spec = load_spec(write_spec({**doc31({"type": "object"}), "jsonSchemaDialect": dialect}))
    expected = [("/jsonSchemaDialect", f"dialect {dialect!r} is not read; schemas are validated as 2020-12")]
    assert [(w.pointer, w.message) for w in spec.warnings] == (expected if warned else [])


# -- scopes --------------------------------------------------------------------------------------------------


def secured(op_security: Any = None, root_security: Any = None) -> dict[str, Any]:
    doc = doc31({"type": "object"})
    if root_security is not None:
        doc["security"] = root_security
    if op_security is not None:
        doc["paths"]["/thing"]["get"]["security"] = op_security
    doc["components"]["securitySchemes"] = {
        "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "Key": {"type": "apiKey", "in": "header", "name": "X-Key"},
    }
    return doc


def only_operation(path: Path) -> Operation:
    [operation] = load_spec(path).operations
    return operation


def test_scopes_of_an_operation_requirement(write_spec: WriteSpec) -> None:
    op = only_operation(write_spec(secured([{"BearerAuth": ["device.read", "device.write"]}])))
    assert op.security_requirements == ({"BearerAuth": ("device.read", "device.write")},)
    assert op.security == ("BearerAuth",)
    assert op.scopes == ("device.read", "device.write")


def test_document_security_is_inherited_and_an_empty_list_overrides_it(write_spec: WriteSpec) -> None:
    inherited = only_operation(
        write_spec(secured(root_security=[{"BearerAuth": ["project.read"]}]), "a.yaml")
    )
    public = only_operation(
        write_spec(secured([], root_security=[{"BearerAuth": ["project.read"]}]), "b.yaml")
    )
    assert inherited.scopes == ("project.read",)
    assert (public.security_requirements, public.scopes, public.security) == ((), (), ())


def test_alternatives_and_missing_scopes(write_spec: WriteSpec) -> None:
    op = only_operation(
        write_spec(secured([{"BearerAuth": ["a.read", "a.write"]}, {"BearerAuth": ["admin"], "Key": []}]))
    )
    assert op.security == ("BearerAuth", "Key")
    assert op.scopes == ("a.read", "a.write", "admin")
    assert op.missing_scopes(["a.read", "a.write"]) == ()
    assert op.missing_scopes(["admin"]) == ()
    assert op.missing_scopes(["a.read"]) == ("a.write",)  # the closest alternative
    assert op.missing_scopes([]) == ("admin",)


def test_anonymous_alternative_and_no_security_need_no_scope(write_spec: WriteSpec) -> None:
    optional = only_operation(write_spec(secured([{"BearerAuth": ["x"]}, {}]), "a.yaml"))
    none = only_operation(write_spec(secured(), "b.yaml"))
    assert optional.missing_scopes([]) == ()
    assert none.missing_scopes([]) == ()
    assert none.scopes == ()


@pytest.mark.parametrize(
    ("security", "pointer", "message"),
    [
        (
            {"BearerAuth": []},
            "/paths/~1thing/get/security",
            "'security' is not a list; read as no security requirement",
        ),
        (["BearerAuth"], "/paths/~1thing/get/security/0", "security requirement is not an object; ignored"),
        (
            [{"BearerAuth": "device.read"}],
            "/paths/~1thing/get/security/0/BearerAuth",
            "scopes are not a list of strings; read as none",
        ),
    ],
    ids=["not-a-list", "not-an-object", "scopes-not-a-list"],
)
def test_malformed_security_is_one_warning(
    write_spec: WriteSpec, security: Any, pointer: str, message: str
) -> None:
    spec = load_spec(write_spec(secured(security)))
    assert [(w.pointer, w.message) for w in spec.warnings] == [(pointer, message)]
    assert spec.operations[0].missing_scopes([]) == ()
