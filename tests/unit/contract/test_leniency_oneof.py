"""``overlapping-oneof``: a ``oneOf`` whose branches overlap is read as ``anyOf``, and said so.

Number Verify's insights answer is ``oneOf: [InsightsResponse, InsightsResponseNotify]``, two objects
with no ``required`` and open properties: its own documented answer matches both and fails.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.leniency import LENIENCIES, read_leniently
from kpn_contract.contract.specs import SpecIndex, describe_specs, load_spec
from kpn_contract.contract.validate import Validator
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from tests.unit.emulator.conftest import gateway_token, loopback_client

WriteSpec = Callable[..., Path]
POINTER = "/paths/~1insights/post/responses/200/content/application~1json/schema/oneOf"
LOOKUP = {"type": "object", "properties": {"regionCode": {"type": "string"}}}
ANSWER = {"device_match": {"session_uri": "http://server/s/1"}, "operator_lookup": {"regionCode": "NL"}}


def _insights(one_of: list[Any], **siblings: Any) -> dict[str, Any]:
    """A Number Verify-like product whose insights answer is ``oneOf`` the given branches."""
    return {
        "openapi": "3.0.1",
        "info": {"title": "Overlap", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/overlap"}],
        "paths": {
            "/insights": {
                "post": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"oneOf": one_of, **siblings},
                                    "examples": {"polling": {"value": ANSWER}},
                                }
                            },
                        },
                        "400": {"description": "bad"},
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Insights": {
                    "type": "object",
                    "properties": {
                        "device_match": {"type": "object", "properties": {"session_uri": {"type": "string"}}},
                        "operator_lookup": LOOKUP,
                    },
                },
                "InsightsNotify": {
                    "type": "object",
                    "properties": {
                        "device_match_notify": {
                            "type": "object",
                            "properties": {"session_uri": {"type": "string"}},
                        },
                        "operator_lookup": LOOKUP,
                    },
                },
            }
        },
    }


def _answer_schema(document: dict[str, Any]) -> Any:
    return document["paths"]["/insights"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]


OVERLAPPING = [{"$ref": "#/components/schemas/Insights"}, {"$ref": "#/components/schemas/InsightsNotify"}]


def test_overlapping_branches_are_read_as_anyof_with_a_named_warning() -> None:
    root = _insights(OVERLAPPING)
    published = copy.deepcopy(root)
    document, found = read_leniently(root)
    assert [(f.name, f.pointer) for f in found] == [("overlapping-oneof", POINTER)]
    assert "branch 0 is valid under another branch" in found[0].defect
    assert found[0].message().endswith(LENIENCIES["overlapping-oneof"])
    schema = _answer_schema(document)
    assert schema == {"anyOf": OVERLAPPING}
    assert root == published  # the published document is not changed


def test_specs_names_it_with_its_pointer(write_spec: WriteSpec) -> None:
    (described,) = describe_specs([write_spec(_insights(OVERLAPPING))])
    (warning,) = [w for w in described["warnings"] if "[overlapping-oneof]" in w]
    assert POINTER in warning
    assert "read as anyOf" in warning


def test_the_response_validator_accepts_the_documented_answer(write_spec: WriteSpec) -> None:
    validator = Validator(SpecIndex([load_spec(write_spec(_insights(OVERLAPPING)))]))
    url = "https://api-prd.kpn.com/overlap/insights"
    headers = {"content-type": "application/json"}
    assert validator.validate("POST", url, 200, headers, json.dumps(ANSWER).encode()) == []
    # anyOf still holds the branches: a value neither accepts is refused.
    (violation,) = validator.validate("POST", url, 200, headers, b'{"operator_lookup": 5}')
    assert violation.rule_id == "body.schema"


@pytest.mark.parametrize(
    ("one_of", "siblings"),
    [
        # told apart by a required, enum-bound property: an instance of one is not the other
        (
            [
                {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["a"]}}},
                {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["b"]}}},
            ],
            {},
        ),
        ([{"type": "string"}, {"type": "integer"}], {}),  # by type
        ([{"type": "object"}, {"type": "object"}], {"discriminator": {"propertyName": "kind"}}),
    ],
    ids=["required-enum", "types", "discriminator"],
)
def test_branches_that_exclude_each_other_are_left_as_written(
    one_of: list[Any], siblings: dict[str, Any]
) -> None:
    document, found = read_leniently(_insights(one_of, **siblings))
    assert found == []
    schema = _answer_schema(document)
    assert schema["oneOf"] == one_of


def test_a_oneof_beside_an_anyof_joins_it_through_allof() -> None:
    sibling = [{"type": "object"}]
    document, found = read_leniently(_insights(OVERLAPPING, anyOf=sibling))
    assert [f.name for f in found] == ["overlapping-oneof"]
    schema = _answer_schema(document)
    assert schema == {"anyOf": sibling, "allOf": [{"anyOf": OVERLAPPING}]}


def test_an_example_that_holds_a_oneof_key_is_data_not_a_schema() -> None:
    root = _insights([{"type": "string"}, {"type": "integer"}])
    root["components"]["schemas"]["Insights"]["example"] = {"oneOf": [{}, {}]}
    assert read_leniently(root)[1] == []


def test_the_emulator_answers_the_documented_example(tmp_path: Path) -> None:
    (tmp_path / "overlap.json").write_text(json.dumps(_insights(OVERLAPPING)), encoding="utf-8")
    with (
        EmulatorServer(EmulatorSettings(extra_specs=(tmp_path,))) as server,
        loopback_client(server.base_url) as http,
    ):
        token = gateway_token(http)
        response = http.post("/overlap/insights", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == ANSWER  # it conforms now, so it is served as documented


# -- the published definition (skipped where ../shared/kpn-specs is absent) ---------------------------
@pytest.mark.corpus
def test_published_number_verify_insights_answer(kpn_specs_dir: Path, tmp_path: Path) -> None:
    copy_ = tmp_path / "kpn-number-verify-openapi.yml"
    shutil.copyfile(kpn_specs_dir / copy_.name, copy_)
    spec = load_spec(copy_)
    named = [w for w in spec.warnings if "[overlapping-oneof]" in w.message]
    assert [w.pointer for w in named] == [
        "/paths/~1insights~1{msisdn}/post/responses/200/content/application~1json/schema/oneOf"
    ]
    media = spec.raw["paths"]["/insights/{msisdn}"]["post"]["responses"]["200"]["content"]["application/json"]
    validator = Validator(SpecIndex([spec]))
    url = "https://api-prd.kpn.com/communication/kpn/numberverify/insights/31612345678"
    for example in media["examples"].values():  # each documented answer conforms as read
        body = json.dumps(example["value"]).encode()
        assert validator.validate("POST", url, 200, {"content-type": "application/json"}, body) == []


def test_a_document_with_a_ref_to_another_file_is_not_examined() -> None:
    # Only local $ref are followed: reading another file is the loader's (guarded) business.
    root = _insights(OVERLAPPING)
    root["components"]["schemas"]["Other"] = {"$ref": "other.yaml#/Thing"}
    assert read_leniently(root)[1] == []
