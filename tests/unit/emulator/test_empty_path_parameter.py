"""An empty path parameter value ("/keys//activate", "/keys/") is that operation's, and names no resource.

Webhook Signing Keys, fuzzed at seed 42 with 10 examples: schemathesis's stateful phase took a
``key_id`` of "" (valid: ``type: string``) from a request body into ``/keys/{key_id}/activate``. Read
with "//" as "/", the path was DELETE ``/keys/{key_id}``'s, and the emulator answered an undocumented 405.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from kpn_contract.emulator import EmulatorServer, EmulatorSettings

from .conftest import gateway_token, loopback_client

KEY = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
ERROR = {"application/json": {"schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}
ANSWERS = {"200": {"description": "ok"}, "404": {"description": "no such key", "content": ERROR}}


def _doc() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Keys", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/base"}],
        "paths": {
            "/keys": {"get": {"responses": ANSWERS}, "post": {"responses": ANSWERS}},
            "/keys/{key_id}/activate": {"post": {"parameters": [KEY], "responses": ANSWERS}},
            "/keys/{key_id}": {"delete": {"parameters": [KEY], "responses": ANSWERS}},
            "/list/": {"get": {"responses": ANSWERS}},
            "/list/{item}": {"put": {"parameters": [{**KEY, "name": "item"}], "responses": ANSWERS}},
        },
    }


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("keys")
    (folder / "keys.yaml").write_text(yaml.safe_dump(_doc()), encoding="utf-8")
    with (
        EmulatorServer(EmulatorSettings(spec_dir=folder)) as server,
        loopback_client(server.base_url) as client,
    ):
        yield client, {"authorization": f"Bearer {gateway_token(client)}"}


def test_an_empty_id_inside_the_path_is_its_operations_404(http: tuple[httpx.Client, dict[str, str]]) -> None:
    client, token = http
    response = client.post("/base/keys//activate", headers=token)
    assert response.status_code == 404, response.text  # declared: an empty key names no key
    assert client.get("/_emulator/stats").json()["requests"]["POST /base/keys/{key_id}/activate"] >= 1


def test_an_empty_last_id_is_its_operations_404(http: tuple[httpx.Client, dict[str, str]]) -> None:
    client, token = http
    assert client.delete("/base/keys/", headers=token).status_code == 404
    assert client.delete("/base/keys/k1", headers=token).status_code == 200


def test_a_path_declared_as_written_keeps_its_405(http: tuple[httpx.Client, dict[str, str]]) -> None:
    client, token = http
    # /list/ is declared (GET): PUT there is an undeclared method, not PUT /list/{item} with item "".
    response = client.put("/base/list/", headers=token)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    # the collection without its slash is still the collection: DELETE /keys is not DELETE /keys/{key_id}
    assert client.delete("/base/keys", headers=token).status_code == 405
    # "/keys/activate" (one slash) is DELETE /keys/{key_id}'s path with key_id "activate"
    assert client.post("/base/keys/activate", headers=token).status_code == 405
