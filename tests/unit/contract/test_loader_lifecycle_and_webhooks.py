"""What the loader reads for the spec diff's operation-level families.

Parameter serialisation (``style``/``explode``, Swagger's ``collectionFormat``), an operation's
``x-kpn-stability``, OpenAPI 3.1 ``webhooks``, operation ``callbacks``, and the HTTP scheme and
API-key place of security schemes. Malformed parts are warnings, never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.specs import load_spec


def _load(tmp_path: Path, document: dict[str, Any]) -> Any:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load_spec(path)


def _openapi(paths: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": paths, **top}


_DONE = {"204": {"description": "done"}}


def test_style_and_explode_are_read_as_written(tmp_path: Path) -> None:
    params = [
        {"name": "a", "in": "query", "schema": {"type": "array"}, "style": "pipeDelimited", "explode": False},
        {"name": "b", "in": "query", "schema": {"type": "array"}},
        {"name": "c", "in": "query", "schema": {"type": "array"}, "style": 3, "explode": "yes"},
    ]
    spec = _load(tmp_path, _openapi({"/x": {"get": {"parameters": params, "responses": _DONE}}}))
    assert [(p.name, p.style, p.explode) for p in spec.operations[0].parameters] == [
        ("a", "pipeDelimited", False),
        ("b", None, None),
        ("c", None, None),  # not a string / not a boolean: read as not written
    ]


@pytest.mark.parametrize(
    ("collection_format", "location", "expected"),
    [
        (None, "query", ("form", False)),
        ("csv", "header", ("simple", False)),
        ("multi", "query", ("form", True)),
        ("pipes", "query", ("pipeDelimited", False)),
        ("ssv", "query", ("spaceDelimited", False)),
        ("tsv", "query", ("tabDelimited", False)),
    ],
)
def test_swagger_collection_format_is_read_as_style_and_explode(
    tmp_path: Path, collection_format: str | None, location: str, expected: tuple[str, bool]
) -> None:
    param: dict[str, Any] = {"name": "ids", "in": location, "type": "array", "items": {"type": "string"}}
    if collection_format:
        param["collectionFormat"] = collection_format
    document = {
        "swagger": "2.0",
        "info": {"title": "T", "version": "1"},
        "paths": {"/x": {"get": {"parameters": [param], "responses": _DONE}}},
    }
    (parameter,) = _load(tmp_path, document).operations[0].parameters
    assert (parameter.style, parameter.explode) == expected


def test_webhooks_callbacks_and_stability_are_read(tmp_path: Path) -> None:
    callback = {"{$request.body#/url}": {"post": {"responses": _DONE}}}
    document = _openapi(
        {
            "/subscriptions": {
                "post": {"x-kpn-stability": "beta", "callbacks": {"onEvent": callback}, "responses": _DONE}
            }
        },
        webhooks={"deviceEvent": {"post": {"responses": _DONE}, "put": {"responses": _DONE}}},
    )
    spec = _load(tmp_path, document)
    assert spec.warnings == []
    (operation,) = spec.operations
    assert operation.stability == "beta"
    assert {k: [o.key for o in v] for k, v in operation.callbacks.items()} == {
        "onEvent {$request.body#/url}": ["POST {$request.body#/url}"]
    }
    assert sorted(o.key for o in spec.webhooks) == ["POST deviceEvent", "PUT deviceEvent"]


@pytest.mark.parametrize(
    ("part", "warning"),
    [
        ({"webhooks": ["deviceEvent"]}, "/webhooks: 'webhooks' is not an object; ignored"),
        ({"webhooks": {"deviceEvent": "post"}}, "/webhooks/deviceEvent: path item is not an object; ignored"),
        (
            {"paths": {"/s": {"post": {"callbacks": {"onEvent": ["x"]}, "responses": _DONE}}}},
            "/paths/~1s/post/callbacks/onEvent: callback is not an object; ignored",
        ),
    ],
    ids=["webhooks-a-list", "webhook-not-an-object", "callback-not-an-object"],
)
def test_a_malformed_webhook_or_callback_is_one_warning_and_loading_goes_on(
    tmp_path: Path, part: dict[str, Any], warning: str
) -> None:
    document = {**_openapi({"/x": {"get": {"responses": _DONE}}}), **part}
    spec = _load(tmp_path, document)
    assert [f"{w.pointer}: {w.message}" for w in spec.warnings] == [warning]
    assert spec.webhooks == []
    assert all(not o.callbacks for o in spec.operations)


def test_webhooks_of_an_openapi_3_0_document_are_not_read(tmp_path: Path) -> None:
    document = {
        **_openapi({}),
        "openapi": "3.0.3",
        "webhooks": {"deviceEvent": {"post": {"responses": _DONE}}},
    }
    assert _load(tmp_path, document).webhooks == []


def test_security_schemes_keep_the_http_scheme_and_the_api_key_place(tmp_path: Path) -> None:
    schemes = {
        "Bearer": {"type": "http", "scheme": "Bearer"},
        "Key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    spec = _load(tmp_path, _openapi({}, components={"securitySchemes": schemes}))
    bearer, key = spec.security_schemes["Bearer"], spec.security_schemes["Key"]
    assert (bearer.http_scheme, bearer.api_key_in) == ("bearer", None)
    assert (key.http_scheme, key.api_key_in, key.api_key_name) == (None, "header", "X-API-Key")


def test_a_callback_that_refers_back_to_itself_loads_one_level_deep(tmp_path: Path) -> None:
    looping = {
        "{$request.body#/url}": {
            "post": {"callbacks": {"again": {"$ref": "#/components/callbacks/Loop"}}, "responses": _DONE}
        }
    }
    document = _openapi(
        {
            "/s": {
                "post": {"callbacks": {"loop": {"$ref": "#/components/callbacks/Loop"}}, "responses": _DONE}
            }
        },
        components={"callbacks": {"Loop": looping}},
    )
    spec = _load(tmp_path, document)
    assert spec.warnings == []
    ((callback,),) = spec.operations[0].callbacks.values()
    assert callback.key == "POST {$request.body#/url}"
    assert callback.callbacks == {}
