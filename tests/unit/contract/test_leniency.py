"""The one reading of published defects: named warnings with pointers, and what each part follows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kpn_contract.contract.leniency import (
    LENIENCIES,
    closest_status,
    operation_leniencies,
    read_leniently,
    with_format_bounds,
)
from kpn_contract.contract.specs import SpecIndex, describe_specs, load_spec
from kpn_contract.contract.validate import Validator

WriteSpec = Callable[..., Path]

# A path parameter its template lacks (Wholesale WBA), an enum its own type excludes (FIAM Eneco),
# a malformed media type (Vonage), and an operation that declares no error status at all.
PUBLISHED_DEFECTS = """
openapi: 3.0.1
info: {title: Defects, version: '1'}
servers: [{url: 'https://api-prd.kpn.com/defects'}]
paths:
  /carriers:
    get:
      parameters:
        - $ref: '#/components/parameters/address'
        - {name: limit, in: query, schema: {type: integer, format: int32}}
      responses:
        '200': {description: ok, content: {application: {schema: {type: object}}}}
        '400': {description: bad}
  /units/{unit}:
    get:
      parameters:
        - {name: unit, in: path, required: true, schema: {$ref: '#/components/schemas/Unit'}}
      responses:
        '200': {description: ok}
components:
  parameters:
    address: {name: requested-address, in: path, required: true, schema: {type: string}}
  schemas:
    Unit: {type: object, enum: [nl, be]}
"""


def _names(warnings: list[str]) -> list[str]:
    return sorted(w.split("[", 1)[1].split("]", 1)[0] for w in warnings if "[" in w)


def test_each_published_defect_is_a_named_warning_with_its_pointer(write_spec: WriteSpec) -> None:
    path = write_spec(PUBLISHED_DEFECTS, "defects.yaml")
    (described,) = describe_specs([path])
    assert _names(described["warnings"]) == [
        "malformed-media-type",
        "path-parameter-not-in-template",
        "unsatisfiable-type",
    ]
    parameter = next(w for w in described["warnings"] if "path-parameter-not-in-template" in w)
    assert parameter.startswith(f"{path}#/paths/~1carriers/get/parameters/0: ")
    assert LENIENCIES["path-parameter-not-in-template"] in parameter  # what the toolkit does instead
    carriers, units = described["leniencies"]
    assert "#/paths/~1carriers/get/responses: [undeclared-401]" in carriers
    assert "#/paths/~1units~1{unit}/get/responses: [undeclared-error-status]" in units


def test_the_published_document_is_not_changed() -> None:
    import yaml

    root = yaml.safe_load(PUBLISHED_DEFECTS)
    before = yaml.safe_dump(root)
    document, found = read_leniently(root)
    assert found
    assert yaml.safe_dump(root) == before
    assert document["paths"]["/carriers"]["get"]["parameters"] == [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}}
    ]


def test_an_owned_document_is_repaired_in_place_as_a_copy_would_be() -> None:
    import yaml

    copied, found_on_copy = read_leniently(yaml.safe_load(PUBLISHED_DEFECTS))
    owned = yaml.safe_load(PUBLISHED_DEFECTS)
    document, found = read_leniently(owned, owned=True)  # what load_spec does: it parsed the file itself
    assert found == found_on_copy
    assert document == copied
    assert owned["paths"] == copied["paths"]  # repaired in place, not copied


def test_a_document_without_defects_comes_back_as_it_is() -> None:
    root = {"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {}}
    document, found = read_leniently(root)
    assert found == []
    assert document == root


def test_request_validation_follows_the_reading(write_spec: WriteSpec) -> None:
    validator = Validator(SpecIndex([load_spec(write_spec(PUBLISHED_DEFECTS, "defects.yaml"))]))
    base = "https://api-prd.kpn.com/defects"
    # Valid under the definition: the path parameter can never be sent, so it is not required.
    assert validator.check_request(httpx.Request("GET", f"{base}/carriers")) == []
    assert validator.check_request(httpx.Request("GET", f"{base}/units/nl")) == []
    # Refused, naming the rule and the pointer: an int32 out of range, a value outside the enum.
    (too_big,) = validator.check_request(httpx.Request("GET", f"{base}/carriers?limit=2147483648"))
    assert (too_big.rule_id, too_big.pointer) == ("request.parameter.schema", "query parameter limit")
    assert "maximum" in too_big.expected
    (unknown,) = validator.check_request(httpx.Request("GET", f"{base}/units/fr"))
    assert (unknown.rule_id, unknown.pointer) == ("request.parameter.schema", "path parameter unit")


@pytest.mark.parametrize(
    ("codes", "wanted", "answer"),
    [
        (["200", "400"], 400, 400),
        (["200", "422"], 400, 422),
        (["200", "4XX"], 400, 400),
        (["200", "404", "409"], 400, 409),
        (["200"], 400, 400),  # nothing near: the error itself (undeclared-error-status)
        (["200", "403"], 401, 403),
        (["200", "410"], 404, 410),
    ],
)
def test_the_closest_declared_status(codes: list[str], wanted: int, answer: int) -> None:
    assert closest_status(codes, wanted) == answer


def test_operation_leniencies_name_undeclared_statuses(write_spec: WriteSpec) -> None:
    text = PUBLISHED_DEFECTS.replace("'400': {description: bad}", "'404': {description: gone}")
    spec = load_spec(write_spec(text, "defects.yaml"))
    named = sorted((item.operation, item.name) for item in operation_leniencies(spec.operations))
    assert named == [
        ("GET /carriers", "undeclared-400"),
        ("GET /carriers", "undeclared-401"),
        ("GET /units/{unit}", "undeclared-error-status"),
    ]


def test_format_bounds_only_add_what_is_missing() -> None:
    field: dict[str, object] = {"type": "integer", "format": "int64", "minimum": 0}
    schema = {"type": "object", "properties": {"n": field}}
    bounded = with_format_bounds(schema)
    assert bounded["properties"]["n"] == {
        "type": "integer",
        "format": "int64",
        "minimum": 0,
        "maximum": 2**63 - 1,
    }
    assert "maximum" not in field  # a copy: loaded schemas stay as written
    plain = {"type": "string"}
    assert with_format_bounds(plain) is plain


def test_an_array_of_arrays_in_a_query_is_read_piece_by_piece(write_spec: WriteSpec) -> None:
    # Vonage Phone Numbers publishes `features` as an array of arrays of VOICE/SMS.
    inner = {"type": "array", "items": {"type": "string", "enum": ["VOICE", "SMS"]}}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "Numbers", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/numbers"}],
        "paths": {
            "/search": {
                "get": {
                    "parameters": [
                        {"name": "features", "in": "query", "schema": {"type": "array", "items": inner}}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    validator = Validator(SpecIndex([load_spec(write_spec(doc))]))
    url = "https://api-prd.kpn.com/numbers/search?features="
    assert validator.check_request(httpx.Request("GET", url + "VOICE&features=SMS,VOICE")) == []
    (refused,) = validator.check_request(httpx.Request("GET", url + "FAX"))
    assert refused.pointer == "query parameter features/0/0"


def test_an_openapi3_header_parameter_the_specification_ignores_is_left_out() -> None:
    # Tracebuzz declares a required Content-Type header parameter; OpenAPI 3 says it SHALL be ignored.
    operation = {
        "parameters": [
            {"name": "Content-Type", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "authorization", "in": "header", "schema": {"type": "string"}},
            {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {"200": {"description": "ok"}},
    }
    root = {"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"/r": {"post": operation}}}
    document, found = read_leniently(root)
    assert [(f.name, f.pointer, f.operation) for f in found] == [
        ("ignored-header-parameter", "/paths/~1r/post/parameters/0", "POST /r"),
        ("ignored-header-parameter", "/paths/~1r/post/parameters/1", "POST /r"),
    ]
    assert [p["name"] for p in document["paths"]["/r"]["post"]["parameters"]] == ["X-Trace"]
    # Swagger 2 has no such rule: the same parameters are kept there.
    swagger = {"swagger": "2.0", "info": root["info"], "paths": {"/r": {"post": operation}}}
    assert read_leniently(swagger)[1] == []


def test_a_schema_that_refers_to_a_parameter_is_read_as_its_schema() -> None:
    # xDroid's job_id: `schema: {$ref: '#/components/parameters/job_id'}`, a Parameter Object.
    parameter = {"name": "job_id", "in": "path", "required": True}
    root = {
        "openapi": "3.0.0",
        "info": {"title": "x", "version": "1"},
        "paths": {
            "/job/{job_id}": {
                "get": {
                    "parameters": [{**parameter, "schema": {"$ref": "#/components/parameters/job_id"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {
            "parameters": {
                "job_id": {"in": "path", "name": "Job ID", "required": True, "schema": {"type": "string"}}
            }
        },
    }
    document, found = read_leniently(root)
    assert [(f.name, f.pointer) for f in found] == [
        ("schema-is-a-parameter", "/paths/~1job~1{job_id}/get/parameters/0/schema")
    ]
    assert document["paths"]["/job/{job_id}"]["get"]["parameters"][0]["schema"] == {"type": "string"}
