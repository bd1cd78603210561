"""fuzz sends an empty path parameter as its empty segment, where schemathesis's urljoin dropped it.

Webhook Signing Keys at seed 42, 10 examples: the stateful phase gave ``key_id`` "" to
``POST /keys/{key_id}/activate``; ``urljoin`` sent ``/keys/activate``, DELETE ``/keys/{key_id}``'s path.
"""

from __future__ import annotations

import json
from pathlib import Path

from kpn_contract.fuzz._schema import load_schemathesis_schema
from kpn_contract.fuzz._sending import keep_empty_path_segments

KEY = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
DOC = {
    "openapi": "3.0.3",
    "info": {"title": "Keys", "version": "1"},
    "servers": [{"url": "https://api-prd.kpn.com/base"}],
    "paths": {
        "/keys/{key_id}/activate": {
            "post": {"parameters": [KEY], "responses": {"200": {"description": "ok"}}}
        },
        "/keys/{key_id}": {"delete": {"parameters": [KEY], "responses": {"200": {"description": "ok"}}}},
    },
}


def test_an_empty_path_parameter_keeps_its_segment(tmp_path: Path) -> None:
    file = tmp_path / "keys.json"
    file.write_text(json.dumps(DOC), encoding="utf-8")
    schema = load_schemathesis_schema(file)
    base = "http://127.0.0.1:1/base"
    activate = schema["/keys/{key_id}/activate"]["POST"]
    empty = activate.Case(path_parameters={"key_id": ""})
    assert schema.build_request_url(empty, base).endswith("/base/keys/activate")  # schemathesis's own
    keep_empty_path_segments(schema)
    assert schema.build_request_url(empty, base) == "http://127.0.0.1:1/base/keys//activate"
    # every other URL is schemathesis's, byte for byte
    for value in ("k1", "a b", "%2F", "ü"):
        case = activate.Case(path_parameters={"key_id": value})
        fresh = load_schemathesis_schema(file)
        assert schema.build_request_url(case, base) == fresh.build_request_url(case, base), value
    last = schema["/keys/{key_id}"]["DELETE"].Case(path_parameters={"key_id": ""})
    assert schema.build_request_url(last, base) == "http://127.0.0.1:1/base/keys/"
