"""The deterministic schema-instance generator behind the product mocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kpn_contract.contract.instances import generate_instance
from kpn_contract.contract.specs import load_spec

SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "email"},
    {"type": "string", "minLength": 12},
    {"type": "string", "maxLength": 3},
    {"type": "string", "pattern": r"^[1-9]\d{3}[A-Z]{2}$"},
    {"type": "string", "pattern": r"^(NL|BE)\d{2}$"},
    {"type": "integer", "minimum": 5, "maximum": 9},
    {"type": "integer", "exclusiveMinimum": 5},
    {"type": "number", "exclusiveMaximum": 0},
    {"type": "integer", "minimum": 7, "multipleOf": 5},
    {"type": ["string", "null"]},
    {"enum": ["b", "a"]},
    {"const": 42},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3},
    {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "n": {"type": "number"}}},
    {"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}}},
               {"required": ["b"], "properties": {"b": {"type": "string", "format": "date"}}}]},
    {"oneOf": [{"type": "null"}, {"type": "object", "required": ["x"], "properties": {"x": {}}}]},
    {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    {"type": "object", "minProperties": 2, "additionalProperties": {"type": "string"}},
    # JSON Schema 2020-12 as OpenAPI 3.1 writes it
    {"type": ["null", "integer"], "minimum": 3},
    {"type": "object", "required": ["status"], "properties": {"status": {"const": 404}}},
    {"type": "array", "prefixItems": [{"type": "string", "minLength": 1}, {"type": ["number", "boolean"]}],
     "items": False, "minItems": 2},
    {"type": "array", "prefixItems": [{"const": "a"}], "items": {"type": "integer"}, "minItems": 3},
    {"type": "object", "$defs": {"Link": {"type": "string"}}, "required": ["next"],
     "properties": {"next": {"type": "string", "format": "uri-reference"}}},
]  # fmt: skip


@pytest.mark.parametrize("schema", SCHEMAS, ids=[str(i) for i in range(len(SCHEMAS))])
def test_generated_instances_are_valid_and_deterministic(schema: dict[str, Any]) -> None:
    instance = generate_instance(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(instance)
    assert generate_instance(schema) == instance


def test_examples_win_unless_switched_off() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string", "example": "Parley"}}}
    assert generate_instance(schema) == {"name": "Parley"}
    assert generate_instance(schema, use_examples=False) == {"name": "string"}


def test_every_property_near_the_top_only_required_ones_deeper() -> None:
    leaf = {
        "type": "object",
        "required": ["r"],
        "properties": {"r": {"type": "integer"}, "o": {"type": "integer"}},
    }
    nested: dict[str, Any] = leaf
    for _ in range(4):
        nested = {"type": "object", "required": ["c"], "properties": {"c": nested, "o": {"type": "integer"}}}
    instance = generate_instance(nested)
    assert set(instance) == {"c", "o"}
    deepest = instance["c"]["c"]["c"]["c"]
    assert deepest == {"r": 0}


def test_a_recursive_cut_schema_stays_finite() -> None:
    node: dict[str, Any] = {"type": "object", "required": ["next"], "properties": {}}
    node["properties"]["next"] = node  # a cycle, as a careless loader could leave
    instance = generate_instance(node)
    depth = 0
    while isinstance(instance, dict):
        instance, depth = instance["next"], depth + 1
    assert depth <= 13


def test_prefix_items_fill_their_positions_then_items_up_to_the_minimum() -> None:
    closed = {"type": "array", "prefixItems": [{"const": "led"}, {"type": "boolean"}], "items": {"not": {}}}
    open_tail = {
        "type": "array",
        "prefixItems": [{"const": "a"}],
        "items": {"type": "integer"},
        "minItems": 3,
    }
    assert generate_instance(closed) == ["led", True]
    assert generate_instance(open_tail) == ["a", 0, 0]
    assert (
        generate_instance({"type": ["null", "string"], "format": "uuid"})
        == "00000000-0000-4000-8000-000000000000"
    )


# A published definition's recursive tree (KPN Mobile Services' ContractItem): the toolkit's loader cuts
# the cycle, but schemathesis judges the answer by the document itself, recursion included.
ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        "parent": {"$ref": "#/components/schemas/Item"},
        "next": {"anyOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]},
    },
}


def test_a_cut_recursive_branch_is_left_out_so_the_real_schema_holds(tmp_path: Path) -> None:
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {"/items": {"get": {"responses": {"200": {"description": "ok", "content": answer}}}}},
        "components": {"schemas": {"Item": ITEM}},
    }
    (tmp_path / "tree.json").write_text(json.dumps(doc), encoding="utf-8")
    (operation,) = load_spec(tmp_path / "tree.json").operations
    schema = operation.responses["200"].content["application/json"].schema
    instance = generate_instance(schema)
    # No item inside the array, no optional recursive property, the null branch of the anyOf.
    assert instance == {"id": 0, "children": [], "next": None}
    real = {"$ref": "#/components/schemas/Item", "components": doc["components"]}
    assert jsonschema.Draft202012Validator(real).is_valid(instance)


def test_a_cut_recursive_branch_that_is_required_is_still_filled_in() -> None:
    cut = {"$comment": "recursive $ref cut here"}
    schema = {"type": "object", "required": ["child"], "properties": {"child": cut}}
    listed = {"type": "array", "items": cut, "minItems": 1}
    assert "child" in generate_instance(schema)
    assert len(generate_instance(listed)) == 1
