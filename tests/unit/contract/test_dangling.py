"""A dangling local ``$ref`` is handed to schemathesis as the loader reads it: any value.

KPN Match (published and derived) ``$ref``s four schemas it never declares; schemathesis skipped both
operations' bodies and answers ("unresolvable reference"), so fuzz sent one request per operation.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from kpn_contract.contract._dangling import dangling_refs_as_any
from kpn_contract.fuzz._schema import load_schemathesis_schema

BODY = "/paths/~1token/post/requestBody/content/application~1json/schema"


def _doc() -> dict[str, Any]:
    ok = {"application/json": {"schema": {"$ref": "#/components/schemas/Known"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Match", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/match"}],
        "paths": {
            "/token": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "$ref": "#/components/schemas/TokenRequest",
                                    "description": "kept",
                                },
                                "example": {"$ref": "#/not/a/reference"},
                            }
                        }
                    },
                    "responses": {200: {"description": "ok", "content": ok}},
                }
            }
        },
        "components": {"schemas": {"Known": {"type": "object"}}},
    }


def test_a_dangling_ref_is_dropped_and_named() -> None:
    root = _doc()
    before = copy.deepcopy(root)
    doc, pointers = dangling_refs_as_any(root)
    assert pointers == [BODY]
    assert root == before  # the input is not changed
    body = doc["paths"]["/token"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"description": "kept"}  # any value; its siblings kept
    assert body["example"] == {"$ref": "#/not/a/reference"}  # data, not a reference
    answer = doc["paths"]["/token"]["post"]["responses"][200]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/Known"}  # a ref that resolves stays


def test_a_document_without_dangling_refs_is_returned_as_is() -> None:
    root = _doc()
    root["components"]["schemas"]["TokenRequest"] = {"type": "object"}
    doc, pointers = dangling_refs_as_any(root)
    assert doc is root
    assert pointers == []


def test_schemathesis_reads_the_dangling_body_as_any_value(tmp_path: Path) -> None:
    file = tmp_path / "match.json"
    file.write_text(json.dumps(_doc()), encoding="utf-8")
    schema = load_schemathesis_schema(file)
    body = schema.raw_schema["paths"]["/token"]["post"]["requestBody"]["content"]["application/json"]
    assert "$ref" not in body["schema"]
    assert (
        "$ref"
        in json.loads(file.read_text(encoding="utf-8"))["paths"]["/token"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]
    )  # the file itself is read as published
