"""``repeated-oneof-branch``: oneOf branches equal apart from their descriptions (WeSeeDo Personal)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from kpn_contract.contract.leniency import LENIENCIES, read_leniently
from kpn_contract.contract.specs import SpecIndex, describe_specs, load_spec
from kpn_contract.contract.validate import Validator

WriteSpec = Callable[..., Path]

ROLE = {
    "oneOf": [
        {"type": "string", "description": 'Role "dealer"'},
        {"type": "string", "description": 'Role "admin"'},
        {"type": "string", "description": 'Role "agent"'},
    ]
}


def _document(schema: dict[str, Any], components: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": schema}}}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Users", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/users"}],
        "paths": {"/users": {"post": {"requestBody": body, "responses": {"201": {"description": "ok"}}}}},
        "components": {"schemas": components or {}},
    }


def test_branches_equal_but_for_descriptions_are_named_and_the_repeats_dropped() -> None:
    root = _document({"type": "object", "properties": {"role": ROLE}})
    document, found = read_leniently(root)
    pointer = "/paths/~1users/post/requestBody/content/application~1json/schema/properties/role/oneOf"
    assert [(f.name, f.pointer) for f in found] == [("repeated-oneof-branch", pointer)]
    assert "branches 1, 2 repeat an earlier branch" in found[0].defect
    assert found[0].instead == LENIENCIES["repeated-oneof-branch"]
    schema = document["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["role"]["oneOf"] == [ROLE["oneOf"][0]]
    assert len(root["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
               ["properties"]["role"]["oneOf"]) == 3  # fmt: skip  # the published document is not changed


def test_only_the_repeats_go_branches_that_differ_stay_exclusive() -> None:
    text = {"type": "string", "description": "a text"}
    number = {"type": "integer", "description": "a number"}
    also_text = {"$ref": "#/components/schemas/Text"}  # a branch's own $ref is followed
    root = _document({"oneOf": [text, number, also_text]}, {"Text": {"type": "string", "title": "Text"}})
    document, found = read_leniently(root)
    assert [f.defect.split(" an earlier")[0] for f in found] == ["branch 2 repeats"]
    assert document["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "oneOf": [text, number]
    }


@pytest.mark.parametrize(
    "branches",
    [
        # a property named "description" is data, not an annotation
        [
            {"type": "object", "properties": {"description": {"type": "string"}}},
            {"type": "object", "properties": {"description": {"type": "integer"}}},
        ],
        # enums are values: two different ones are two different branches
        [{"type": "string", "enum": ["nl"]}, {"type": "string", "enum": ["en"]}],
        # readOnly is not an annotation for OpenAPI (requests leave the property out)
        [{"type": "string"}, {"type": "string", "readOnly": True}],
    ],
    ids=["property-named-description", "different-enums", "read-only"],
)
def test_branches_that_differ_in_more_than_annotations_are_left_alone(branches: list[Any]) -> None:
    _, found = read_leniently(_document({"oneOf": branches}))
    assert "repeated-oneof-branch" not in [f.name for f in found]


def test_the_warning_has_its_pointer_and_a_value_of_the_repeats_is_accepted(write_spec: WriteSpec) -> None:
    path = write_spec(_document({"type": "object", "properties": {"role": ROLE}}), "users.yaml")
    (described,) = describe_specs([path])
    (warning,) = [w for w in described["warnings"] if "[repeated-oneof-branch]" in w]
    assert warning.startswith(f"{path}#/paths/~1users/post/requestBody/content/application~1json/schema/")
    assert LENIENCIES["repeated-oneof-branch"] in warning
    validator = Validator(SpecIndex([load_spec(path)]))
    request = httpx.Request("POST", "https://api-prd.kpn.com/users/users", json={"role": "admin"})
    # As written, the oneOf refuses it: "admin" is valid under all three branches.
    assert not jsonschema.Draft202012Validator(ROLE).is_valid("admin")
    assert validator.check_request(request) == []  # valid under the definition's intent, never refused


@pytest.mark.corpus
def test_weseedo_personal_as_published(kpn_specs_dir: Path) -> None:
    path = kpn_specs_dir / "weseedo-personal-openapi.yml"
    (described,) = describe_specs([path])
    repeated = sorted(
        w.split("#", 1)[1].split(":", 1)[0] for w in described["warnings"] if "[repeated-oneof-branch]" in w
    )
    assert repeated == [
        "/components/schemas/ClientRequestBodyPost/allOf/1/properties/entity/oneOf",
        "/components/schemas/ClientResponse/properties/entity/oneOf",
        "/components/schemas/UserRequestBody/properties/locale/oneOf",
        "/components/schemas/UserRequestBodyPost/allOf/1/properties/entity/oneOf",
        "/components/schemas/UserRequestBodyPost/allOf/1/properties/role/oneOf",
        "/components/schemas/UserResponse/properties/entity/oneOf",
        "/components/schemas/UserResponse/properties/locale/oneOf",
        "/components/schemas/UserResponse/properties/role/oneOf",
    ]
    # The valid body the request validator refused (every role matched six branches).
    validator = Validator(SpecIndex([load_spec(path)]))
    user = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "locale": "nl",
        "role": "admin",
        "entity": {"type": "company", "id": "c1"},
    }
    url = "https://api-prd.kpn.com/communication/weseedo/weseedopersonal/management/users"
    request = httpx.Request("POST", url, json=user, headers={"Authorization": "Bearer t"})
    assert validator.check_request(request) == []
