"""The new KPN Things API in the emulator: 401 and 403 (scopes), 404, and the writes on the shared store."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.routing import Route

from kpn_contract.config import _demo
from kpn_contract.contract.specs import project_index
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.emulator._devices import MAIN_ACCOUNT, client_id_of
from kpn_contract.errors import UsageError

from .conftest import GRIP_TOKEN_PATH, THINGS_ACCEPT, gateway_token, grip_body, grip_token, loopback_client

PROBLEM = "application/problem+json"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def _declared_scopes() -> dict[str, frozenset[str]]:
    """What the specs declare, read independently of the emulator's table (through the model)."""
    return {
        op.key: frozenset(op.scopes)
        for spec in project_index().specs
        if "kpn-things" in spec.path and spec.raw.get("openapi", "").startswith("3.1")
        for op in spec.operations
    }


@pytest.fixture
def api(client: httpx.Client) -> httpx.Client:
    client.headers["authorization"] = f"Bearer {grip_token(client)}"
    return client


@pytest.fixture(scope="module")
def project_reader_emulator() -> Iterator[EmulatorServer]:
    """An emulator started as ``kpn-contract emulate --scopes project.read`` would start it."""
    with EmulatorServer(EmulatorSettings(scopes=frozenset({"project.read"}))) as server:
        yield server


def test_the_emulator_requires_exactly_the_scopes_the_specs_declare(emulator: EmulatorServer) -> None:
    declared = _declared_scopes()
    assert declared["GET /devices"] == {"device.read"}
    assert emulator.app.state.scope_table.required == {k: v for k, v in declared.items() if v}
    served = {f"{m} {r.path}" for r in emulator.app.routes if isinstance(r, Route) for m in (r.methods or ())}
    assert set(declared) <= served  # every operation of the specs has a route


def test_token_carries_every_declared_scope_by_default(client: httpx.Client) -> None:
    body = client.post(GRIP_TOKEN_PATH, json=grip_body()).json()
    every = set().union(*_declared_scopes().values())
    assert set(body["scope"].split()) == every
    assert _claims(body["access_token"])["scope"] == body["scope"]


def test_scopes_setting_limits_the_token(project_reader_emulator: EmulatorServer) -> None:
    with loopback_client(project_reader_emulator.base_url) as http:
        body = http.post(GRIP_TOKEN_PATH, json=grip_body()).json()
        assert body["scope"] == "project.read"
        headers = {"authorization": f"Bearer {body['access_token']}"}
        assert http.get("/projects", headers=headers).status_code == 200
        denied = http.get("/devices", headers=headers)
    assert denied.status_code == 403
    assert denied.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="device.read"'
    assert denied.headers["content-type"].startswith(PROBLEM)
    assert "device.read" in denied.json()["detail"]


def test_the_project_reader_key_gets_only_project_read(client: httpx.Client) -> None:
    token = grip_token(
        client, client_id=_demo.GRIP_PROJECT_READER_CLIENT_ID, secret=_demo.GRIP_PROJECT_READER_CLIENT_SECRET
    )
    assert _claims(token)["scope"] == "project.read"
    denied = client.get("/downlinks", headers={"authorization": f"Bearer {token}"})
    assert denied.status_code == 403
    assert 'scope="downlink.read"' in denied.headers["www-authenticate"]


def test_an_unknown_scope_is_a_usage_error() -> None:
    with pytest.raises(
        UsageError, match=r"scope 'device.reed' is not declared .* known scopes: .*device.read"
    ):
        EmulatorServer(EmulatorSettings(scopes=frozenset({"device.reed"})))


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [(None, "Bearer"), ("Bearer not-a-token", 'Bearer error="invalid_token"'), ("Basic abc", "Bearer")],
)
def test_a_bad_or_absent_token_is_a_401(
    client: httpx.Client, authorization: str | None, challenge: str
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    response = client.get("/devices", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "not-a-token" not in response.text


def test_a_gateway_token_is_a_401_and_the_token_is_not_echoed(client: httpx.Client) -> None:
    token = gateway_token(client)
    response = client.get("/projects", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert token not in response.text


def test_an_expired_token_is_a_401() -> None:
    with EmulatorServer(EmulatorSettings()) as server, loopback_client(server.base_url) as http:
        server.inject_fault("GET /devices", "expire-early", seconds=0)
        token = grip_token(http)
        response = http.get("/devices", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "the access token has expired"


@pytest.mark.parametrize(
    "path", [f"/devices/{UNKNOWN}", f"/projects/{UNKNOWN}", f"/device-groups/{UNKNOWN}/devices",
             f"/devices/{UNKNOWN}/network-adapters"],
)  # fmt: skip
def test_an_unknown_id_is_a_404(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert UNKNOWN in response.json()["detail"]


def test_an_id_that_is_not_a_uuid_is_a_400(api: httpx.Client) -> None:
    response = api.get("/projects/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["detail"] == "projectId must be a UUID"


def test_a_device_without_description_keeps_to_the_beta_schema(api: httpx.Client) -> None:
    # The new API allows a null description; the beta's Device schema says string: the beta shows "".
    body = {"name": "Door Delft 950", "description": None, "deviceSpecificationId": str(uuid.uuid4())}
    created = api.post("/devices", json=body)
    assert created.status_code == 201
    assert created.json()["description"] is None
    beta = api.get("/api/devices", headers={"accept": THINGS_ACCEPT}, params={"search": "Delft 950"}).json()
    assert [d["description"] for d in beta["content"]] == [""]
    api.delete(f"/devices/{created.json()['id']}")


def test_created_device_is_listed_by_the_beta_and_deleted_from_both(api: httpx.Client) -> None:
    spec_id = str(uuid.uuid4())
    created = api.post("/devices", json={"name": "Door Delft 900", "deviceSpecificationId": spec_id})
    assert created.status_code == 201
    device = created.json()
    assert device["clientId"] == client_id_of(MAIN_ACCOUNT)
    assert created.headers["location"] == f"/devices/{device['id']}"
    beta = api.get("/api/devices", headers={"accept": THINGS_ACCEPT}, params={"search": "Delft 900"}).json()
    assert [(d["uuid"], d["deviceSpecificationUUID"]) for d in beta["content"]] == [(device["id"], spec_id)]
    updated = api.put(
        f"/devices/{device['id']}", json={"name": "Door Delft 901", "deviceSpecificationId": spec_id}
    )
    assert updated.json()["name"] == "Door Delft 901"
    assert updated.json()["createdAt"] == device["createdAt"]
    assert api.delete(f"/devices/{device['id']}").status_code == 204
    assert api.get(f"/devices/{device['id']}").status_code == 404
    beta = api.get("/api/devices", headers={"accept": THINGS_ACCEPT}, params={"search": "Delft"}).json()
    assert beta["content"] == []


@pytest.mark.parametrize(
    ("body", "word"),
    [({}, "name"), ({"name": " ", "deviceSpecificationId": UNKNOWN}, "name"),
     ({"name": "x", "deviceSpecificationId": "spec"}, "deviceSpecificationId"),
     ([], "object"),
     ({"name": "x", "deviceSpecificationId": UNKNOWN, "clientId": None}, "clientId"),
     ({"name": "x", "deviceSpecificationId": UNKNOWN, "description": 5}, "description")],
)  # fmt: skip
def test_a_bad_device_body_is_a_400(api: httpx.Client, body: object, word: str) -> None:
    response = api.post("/devices", json=body)
    assert response.status_code == 400
    assert word in response.json()["detail"]


def test_a_body_naming_no_client_or_device_is_a_404_as_the_spec_declares(api: httpx.Client) -> None:
    # The specs' body_reference choice: schema-valid, so not a 400 (stock schemathesis refuses that).
    client = api.post("/devices", json={"name": "x", "deviceSpecificationId": UNKNOWN, "clientId": UNKNOWN})
    assert client.status_code == 404, client.text
    assert "clientId" in client.json()["detail"]
    for path, body in [
        ("/downlinks", {"deviceId": UNKNOWN, "command": ["a", 1]}),
        ("/lora/downlinks", {"deviceId": UNKNOWN, "port": 1, "payloadHex": "0A"}),
        ("/mqtt/downlinks", {"deviceId": UNKNOWN, "topic": "t", "message": ""}),
    ]:
        response = api.post(path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert "deviceId names no device" in response.json()["detail"]


def test_group_membership_from_both_sides(api: httpx.Client) -> None:
    group = api.get("/device-groups", params={"limit": 1}).json()["items"][0]
    device = api.get("/devices", params={"limit": 1, "sort": "-createdAt"}).json()["items"][0]
    assert api.put(f"/devices/{device['id']}/device-groups/{group['id']}").status_code == 204
    members = api.get(f"/device-groups/{group['id']}/devices", params={"limit": 200}).json()["items"]
    assert device["id"] in {d["id"] for d in members}
    groups = api.get(f"/devices/{device['id']}/device-groups").json()["items"]
    assert group["id"] in {g["id"] for g in groups}
    assert api.delete(f"/device-groups/{group['id']}/devices/{device['id']}").status_code == 204
    assert api.delete(f"/device-groups/{group['id']}/devices/{device['id']}").status_code == 404
    added = api.post(f"/device-groups/{group['id']}/devices", json={"deviceIds": [device["id"]]})
    assert added.status_code == 204
    assert api.post(f"/device-groups/{group['id']}/devices", json={"deviceIds": [UNKNOWN]}).status_code == 404
    assert api.post(f"/device-groups/{group['id']}/devices", json={"deviceIds": [{}]}).status_code == 400


def test_network_adapters_follow_their_type(api: httpx.Client) -> None:
    device = api.get("/devices", params={"limit": 1}).json()["items"][0]
    path = f"/devices/{device['id']}/network-adapters"
    lora = api.post(path, json={"type": "lora", "devEui": "0123456789ABCDEF"})
    assert lora.status_code == 201
    assert lora.json()["devEui"] == "0123456789ABCDEF"
    assert api.post(path, json={"type": "cellular", "imei": "12"}).status_code == 400
    assert api.post(path, json={"type": "satellite"}).status_code == 400
    assert api.delete(f"{path}/{lora.json()['id']}").status_code == 204
    assert lora.json()["id"] not in {a["id"] for a in api.get(path).json()["items"]}


def test_downlinks_are_queued_and_listed(api: httpx.Client) -> None:
    device = api.get("/devices", params={"limit": 1}).json()["items"][0]
    sent = api.post("/downlinks", json={"deviceId": device["id"], "command": ["valve", "open"]})
    assert sent.status_code == 201
    assert sent.json()["status"] == "queued"
    assert sent.json()["id"] in {
        d["id"] for d in api.get("/downlinks", params={"q": "valve open", "limit": 200}).json()["items"]
    }
    lora = api.post("/lora/downlinks", json={"deviceId": device["id"], "port": 1, "payloadHex": "0A0B"})
    assert lora.status_code == 201
    mqtt = api.post("/mqtt/downlinks", json={"deviceId": device["id"], "topic": "t/1", "message": "{}"})
    assert mqtt.status_code == 201
    assert (
        api.post(
            "/lora/downlinks", json={"deviceId": device["id"], "port": 0, "payloadHex": "0A"}
        ).status_code
        == 400
    )
    assert api.post("/downlinks", json={"deviceId": UNKNOWN, "command": ["a", 1]}).status_code == 404


def test_reset_restores_the_seeded_store(api: httpx.Client, emulator: EmulatorServer) -> None:
    before = api.get("/devices", params={"limit": 200}).json()["items"]
    assert api.delete(f"/devices/{before[0]['id']}").status_code == 204
    emulator.reset()
    api.headers["authorization"] = f"Bearer {grip_token(api)}"
    assert api.get("/devices", params={"limit": 200}).json()["items"] == before
