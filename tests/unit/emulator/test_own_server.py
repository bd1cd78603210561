"""An API Store product on its own host only (FIAM Eneco), served at its own server's path.

FIAM Eneco's only servers are Eneco's (``https://api-acc.enecogroup.com/``), called with Eneco's API
key. The emulator serves such a product at its server's path on the same loopback server (where the
routing transport sends a request for the live host), judged on its own credentials: no gateway
token, the emulator's demo API key (``PRODUCT_API_KEY``), 401 in the declared shape otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kpn_contract.config._demo import PRODUCT_API_KEY
from kpn_contract.contract.specs import bundled_spec_dir, load_spec
from kpn_contract.emulator import EmulatorServer, EmulatorSettings, on_own_server
from kpn_contract.fuzz._sending import emulator_api_keys
from kpn_contract.transport.routing import EmulatorRoutingTransport

from .conftest import gateway_token, loopback_client

PROBLEM = {  # FIAM Eneco's ProblemDetails, shortened
    "type": "object",
    "required": ["title", "status"],
    "properties": {
        k: {"type": "integer" if k == "status" else "string"} for k in ("type", "title", "status", "detail")
    },
}


def _own_host_doc(**extra: Any) -> dict[str, Any]:
    """A published-style definition (no x-kpn-family) whose only server is its own host."""
    meter = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "enum": ["m1"]}}
    problem = {"application/json": {"schema": PROBLEM}}
    ok = {"application/json": {"schema": {"type": "object"}, "example": {"kwh": 7}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Energy Meters", "version": "1"},
        "servers": [{"url": "https://api.energy.example.test/meters-api"}],
        "paths": {
            "/meters/{id}": {
                "get": {
                    "parameters": [meter],
                    "responses": {
                        "200": {"description": "ok", "content": ok},
                        "400": {"description": "invalid", "content": problem},
                        "401": {"description": "no key", "content": problem},
                    },
                }
            }
        },
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "apikey"}}},
        "security": [{"key": []}],
        **extra,
    }


def _gateway_doc() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Gated", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/gated"}],
        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    folder = tmp_path_factory.mktemp("own-host")
    (folder / "energy-meters-openapi.json").write_text(json.dumps(_own_host_doc()), encoding="utf-8")
    (folder / "gated.json").write_text(json.dumps(_gateway_doc()), encoding="utf-8")
    with EmulatorServer(EmulatorSettings(spec_dir=folder)) as server:
        yield server


@pytest.fixture
def http(served: EmulatorServer) -> Iterator[httpx.Client]:
    with loopback_client(served.base_url) as client:
        yield client


def test_it_answers_at_its_own_server_path_with_its_api_key(http: httpx.Client) -> None:
    response = http.get("/meters-api/meters/m1", headers={"apikey": PRODUCT_API_KEY})
    assert response.status_code == 200, response.text
    assert response.json() == {"kwh": 7}
    assert "quota-used" not in response.headers  # no gateway in front: no gateway quota
    counted = http.get("/_emulator/stats").json()["requests"]
    assert counted["GET /meters-api/meters/{id}"] >= 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"apikey": ""}, {"apikey": "another-key"}, {"authorization": "Bearer x"}],
    ids=["no key", "empty key", "unknown key", "bearer only"],
)
def test_missing_or_unknown_credentials_are_its_declared_401(
    http: httpx.Client, headers: dict[str, str]
) -> None:
    response = http.get("/meters-api/meters/m1", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401  # the declared ProblemDetails shape
    assert body["title"] == "Unauthorized"
    assert "another-key" not in response.text


def test_a_gateway_token_is_not_its_api_key(http: httpx.Client) -> None:
    token = gateway_token(http)
    assert http.get("/meters-api/meters/m1", headers={"apikey": token}).status_code == 401
    # ... while the gateway's products still want that token, and only it
    assert http.get("/gated/things", headers={"apikey": PRODUCT_API_KEY}).status_code == 401
    assert http.get("/gated/things", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_its_contract_is_checked_after_the_key(http: httpx.Client) -> None:
    response = http.get("/meters-api/meters/m2", headers={"apikey": PRODUCT_API_KEY})
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert http.get("/meters-api/meters/m2").status_code == 401  # the key first, as a server would


def test_another_method_is_405_without_any_token(http: httpx.Client) -> None:
    response = http.delete("/meters-api/meters/m1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_the_gateway_token_lists_only_the_gateway_products(http: httpx.Client) -> None:
    response = http.post(
        "/oauth/client_credential/accesstoken",
        params={"grant_type": "client_credentials"},
        data={"client_id": "emu-sandbox-client-id", "client_secret": "emu-sandbox-client-secret-0000"},
    )
    listed = response.json()["api_product_list"]
    assert "gated" in listed
    assert "energy-meters" not in listed


def test_which_definitions_are_on_their_own_host(tmp_path: Path) -> None:
    def loaded(doc: dict[str, Any], name: str) -> Any:
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
        return load_spec(tmp_path / name)

    assert on_own_server(loaded(_own_host_doc(), "own.json"))  # a published file: API Store by default
    assert not on_own_server(loaded(_gateway_doc(), "gated.json"))
    relative = _own_host_doc(servers=[{"url": "/meters-api"}])
    assert not on_own_server(loaded(relative, "relative.json"))  # no host of its own
    things = _own_host_doc(servers=[{"url": "https://api.kpnthings.com"}])
    assert not on_own_server(loaded(things, "things.json"))  # KPN Things, by the rule table
    assert not on_own_server(loaded(_own_host_doc(paths={}), "empty.json"))  # nothing to serve


def test_the_bundled_fiam_eneco_is_reached_through_the_routing_transport() -> None:
    # The plugin's client speaks Eneco's live URL; in the emulator target the routing transport keeps
    # the path and changes the origin, so Eneco's own server path ("/") is where the emulator serves it.
    spec = load_spec(bundled_spec_dir() / "kpn-fiam-eneco-data-products.yaml")
    assert on_own_server(spec)
    url = "https://api-acc.enecogroup.com/datashare/v1/nl/eneco/dataconsumer/3fa85f64-5717-4562-b3fc-2c963f66afa6/heat/usages"
    with EmulatorServer(EmulatorSettings()) as server:
        with httpx.Client(transport=EmulatorRoutingTransport(server.base_url)) as client:
            assert client.get(url, headers={"apikey": PRODUCT_API_KEY}).status_code == 200
            assert client.get(url).status_code == 401


def test_fuzz_sends_the_emulators_api_key_only_to_a_product_on_its_own_host() -> None:
    specs = bundled_spec_dir()
    assert emulator_api_keys(specs / "kpn-fiam-eneco-data-products.yaml") == {"apikey": PRODUCT_API_KEY}
    assert emulator_api_keys(specs / "kpn-sms.yaml") == {}
