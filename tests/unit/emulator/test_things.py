"""KPN Things: the device listing, the 302/400/403 semantics, context switch and downlinks."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import EmulatorServer
from kpn_contract.emulator._devices import seed_devices

from .conftest import (
    ACTUATOR_ACCEPT,
    THINGS_ACCEPT,
    gateway_token,
    grip_token,
    loopback_client,
    things_headers,
)

PAGE_KEYS = {
    "content",
    "last",
    "first",
    "totalPages",
    "totalElements",
    "numberOfElements",
    "size",
    "number",
    "sort",
}
DEVICE_KEYS = {"uuid", "name", "description", "metadata", "deviceSpecificationUUID", "barcode"}
SORT_KEYS = {"direction", "property", "ignoreCase", "nullHandling", "ascending", "descending"}
SWITCH = "/api/v1/lifecycle/clients/{}/context-switch"
DEV_EUI = "0123456789ABCDEF"


def _record(**changes: str) -> dict[str, str]:
    return {"bn": f"urn:dev:DEVEUI:{DEV_EUI}:", "n": "payloadHex", "vs": "01", **changes}


def _devices(client: httpx.Client, token: str, **params: str | int) -> httpx.Response:
    return client.get("/api/devices", params=params, headers=things_headers(token))


def _all_names(emulator: EmulatorServer) -> list[str]:
    # An independent reading of the seeded set: the same seed, the documented default sort.
    return sorted(d["name"] for d in seed_devices("main-account", emulator.settings.device_count))


def test_default_page_is_the_documented_shape(client: httpx.Client, emulator: EmulatorServer) -> None:
    response = _devices(client, grip_token(client))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(THINGS_ACCEPT)
    page = response.json()
    assert set(page) == PAGE_KEYS
    total = emulator.settings.device_count
    assert page["totalElements"] == total
    assert page["size"] == 20
    assert page["number"] == 0
    assert page["numberOfElements"] == len(page["content"]) == 20
    assert page["totalPages"] == math.ceil(total / 20)
    assert page["first"] is True
    assert page["last"] is False
    assert all(set(device) == DEVICE_KEYS for device in page["content"])
    assert {type(d["metadata"]) for d in page["content"]} <= {dict, type(None)}
    assert page["sort"] == [
        {
            "direction": "ASC",
            "property": "name",
            "ignoreCase": False,
            "nullHandling": "NATIVE",
            "ascending": True,
            "descending": False,
        }
    ]
    assert [d["name"] for d in page["content"]] == _all_names(emulator)[:20]


def test_paging_walks_the_whole_seeded_set_once(client: httpx.Client, emulator: EmulatorServer) -> None:
    token = grip_token(client)
    seen: list[str] = []
    number = 0
    while True:
        page = _devices(client, token, currentPage=number, pageSize=7).json()
        assert page["number"] == number
        assert page["size"] == 7
        assert page["first"] is (number == 0)
        seen.extend(d["name"] for d in page["content"])
        if page["last"]:
            break
        number += 1
    assert seen == _all_names(emulator)
    assert number + 1 == page["totalPages"] == math.ceil(emulator.settings.device_count / 7)


def test_a_page_beyond_the_end_is_empty_and_last(client: httpx.Client, emulator: EmulatorServer) -> None:
    page = _devices(client, grip_token(client), currentPage=99).json()
    assert page["content"] == []
    assert page["numberOfElements"] == 0
    assert page["last"] is True
    assert page["first"] is False
    assert page["totalElements"] == emulator.settings.device_count


def test_search_is_a_case_sensitive_partial_match(client: httpx.Client, emulator: EmulatorServer) -> None:
    token = grip_token(client)
    names = _all_names(emulator)
    lower = _devices(client, token, search="water", pageSize=100).json()
    upper = _devices(client, token, search="Water", pageSize=100).json()
    assert [d["name"] for d in lower["content"]] == [n for n in names if "water" in n]
    assert lower["totalElements"] > 0
    assert upper["totalElements"] == len([n for n in names if "Water" in n]) == 0
    middle = _devices(client, token, search="dam 0", pageSize=100).json()
    assert [d["name"] for d in middle["content"]] == [n for n in names if "dam 0" in n]


@pytest.mark.parametrize("field", ["name", "uuid", "barcode"])
def test_sort_descending_reverses_the_order(
    client: httpx.Client, emulator: EmulatorServer, field: str
) -> None:
    token = grip_token(client)
    page = _devices(client, token, sortBy=field, sortOrder="DESC", pageSize=100).json()
    values = [d[field] for d in page["content"]]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert page["sort"][0]["direction"] == "DESC"
    assert page["sort"][0]["property"] == field
    assert page["sort"][0]["descending"] is True
    ascending = _devices(client, token, sortBy=field, sortOrder="ASC", pageSize=100).json()
    assert [d[field] for d in ascending["content"]] == values[::-1]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"currentPage": "one"}, "currentPage"),
        ({"currentPage": "-1"}, "currentPage"),
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "1.5"}, "pageSize"),
        ({"sortOrder": "UP"}, "sortOrder"),
        ({"sortBy": "colour"}, "sortBy"),
    ],
)
def test_a_bad_query_parameter_is_400_naming_it(
    client: httpx.Client, params: dict[str, str], named: str
) -> None:
    response = client.get("/api/devices", params=params, headers=things_headers(grip_token(client)))
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["error"] == "Bad Request"
    assert named in body["message"]
    assert body["path"] == "/api/devices"


@pytest.mark.parametrize(
    "accept",
    ["application/json", "text/*", "*/*;q=0", "application/vnd.kpnthings.device.v2.response+json"],
)
def test_a_wrong_accept_header_is_400(client: httpx.Client, accept: str) -> None:
    response = client.get("/api/devices", headers=things_headers(grip_token(client), accept=accept))
    assert response.status_code == 400
    assert THINGS_ACCEPT in response.json()["message"]


@pytest.mark.parametrize("accept", [None, "*/*", "application/*", "application/json, */*;q=0.1"])
def test_an_accept_that_admits_the_vnd_type_is_answered_with_it(
    client: httpx.Client, accept: str | None
) -> None:
    # Spring's content negotiation: no Accept, or a range covering the one produced type, is served it.
    token = grip_token(client)
    headers = {"authorization": f"Bearer {token}", **({"accept": accept} if accept is not None else {})}
    request = client.build_request("GET", "/api/devices", headers=headers)
    if accept is None:
        del request.headers["accept"]  # httpx sends */* by default
    response = client.send(request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == THINGS_ACCEPT
    record = [{"bn": f"urn:dev:DEVEUI:{DEV_EUI}:", "n": "payloadHex", "vs": "01"}]
    sent = client.post("/api/actuator/downlinks", params={"port": 12}, json=record, headers=headers)
    assert sent.status_code == 200, sent.text
    assert sent.headers["content-type"].startswith(ACTUATOR_ACCEPT)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token-of-this-emulator", "Basic abc", "Bearer"],
    ids=["missing", "unknown", "not-bearer", "bare-scheme"],
)
def test_a_missing_or_invalid_token_is_a_302_to_a_login_page(
    client: httpx.Client, authorization: str | None
) -> None:
    headers = {"accept": THINGS_ACCEPT}
    if authorization is not None:
        headers["authorization"] = authorization
    response = client.get("/api/devices", headers=headers)
    assert response.status_code == 302
    assert response.headers["location"] == "/login"
    assert response.content == b""
    followed = client.get(response.headers["location"])
    assert followed.status_code == 200
    assert "text/html" in followed.headers["content-type"]


def test_a_gateway_token_does_not_open_kpn_things(client: httpx.Client) -> None:
    response = _devices(client, gateway_token(client))
    assert response.status_code == 302


def test_auth_is_checked_before_the_accept_header(client: httpx.Client) -> None:
    response = client.get("/api/devices", headers={"accept": "application/json"})
    assert response.status_code == 302


def test_subcustomer_calls_need_access_rights_granted_per_api_key(
    client: httpx.Client, clean_secret_registry: None
) -> None:
    # The emulator's messages redact registered secrets: an earlier test of this worker may have
    # registered the demo sub-customer ID, so the registry starts empty here.
    customer = _demo.THINGS_SUBCUSTOMER_ID
    first = grip_token(client)
    before = client.get("/api/devices", headers=things_headers(first, **{"x-client-id": customer}))
    assert before.status_code == 403
    assert customer in before.json()["message"]
    switched = client.post(SWITCH.format(customer), headers={"authorization": f"Bearer {first}"})
    assert switched.status_code == 200
    assert switched.content == b""
    # The right belongs to the API key: a new token of the same key has it too.
    second = grip_token(client)
    after = client.get("/api/devices", headers=things_headers(second, **{"x-client-id": customer}))
    assert after.status_code == 200
    own = sorted(d["name"] for d in seed_devices(customer, after.json()["totalElements"]))
    assert [d["name"] for d in after.json()["content"]] == own[:20]
    main = _devices(client, second).json()
    assert {d["uuid"] for d in main["content"]}.isdisjoint({d["uuid"] for d in after.json()["content"]})
    # Another sub-customer stays closed.
    other = _demo.THINGS_UNGRANTED_SUBCUSTOMER_ID
    assert (
        client.get("/api/devices", headers=things_headers(second, **{"x-client-id": other})).status_code
        == 403
    )


def test_access_rights_of_one_key_do_not_open_the_customer_for_another_key() -> None:
    from kpn_contract.emulator import EmulatorSettings, GripKey

    keys = {
        "key-one": GripKey("secret-one-000", "tenant-x"),
        "key-two": GripKey("secret-two-000", "tenant-x"),
    }
    with EmulatorServer(EmulatorSettings(grip_keys=keys, subcustomers=frozenset({"cust-1"}))) as server:
        with loopback_client(base_url=server.base_url) as http:

            def token(key: str, secret: str) -> str:
                body = {"grant_type": "client_credentials", "audience": _demo.KPN_THINGS_APPLICATION_ID,
                        "client_id": key, "client_secret": secret}  # fmt: skip
                return str(http.post("/v2/tenant-x/oidc/idp/c1/token", json=body).json()["access_token"])

            one, two = token("key-one", "secret-one-000"), token("key-two", "secret-two-000")
            assert (
                http.post(SWITCH.format("cust-1"), headers={"authorization": f"Bearer {one}"}).status_code
                == 200
            )
            headers = {"x-client-id": "cust-1"}
            assert http.get("/api/devices", headers=things_headers(one, **headers)).status_code == 200
            assert http.get("/api/devices", headers=things_headers(two, **headers)).status_code == 403


def test_context_switch_to_an_unknown_customer_is_403(client: httpx.Client) -> None:
    response = client.post(
        SWITCH.format("no-such-customer"), headers={"authorization": f"Bearer {grip_token(client)}"}
    )
    assert response.status_code == 403
    assert "no-such-customer" in response.json()["message"]


def test_context_switch_without_a_token_is_302(client: httpx.Client) -> None:
    assert client.post(SWITCH.format(_demo.THINGS_SUBCUSTOMER_ID)).status_code == 302


def _downlink(
    client: httpx.Client, token: str, body: object, accept: str = ACTUATOR_ACCEPT, **params: str | int
) -> httpx.Response:
    return client.post(
        "/api/actuator/downlinks",
        params={"port": 12, "externalReference": "ref-1", **params},
        json=body,
        headers=things_headers(token, accept=accept),
    )


def test_downlink_accepts_a_senml_payload(client: httpx.Client) -> None:
    body = [{"bn": f"urn:dev:DEVEUI:{DEV_EUI}:", "n": "payloadHex", "vs": "0102ff"}]
    response = _downlink(client, grip_token(client), body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(ACTUATOR_ACCEPT)
    result = response.json()
    assert result["externalReference"] == "ref-1"
    assert result["port"] == 12
    assert result["messages"] == [{"devEUI": DEV_EUI, "payloadHex": "0102ff"}]


@pytest.mark.parametrize(
    ("body", "params", "named"),
    [
        pytest.param([], {}, "non-empty", id="empty-array"),
        pytest.param({"bn": "x"}, {}, "non-empty", id="not-an-array"),
        pytest.param(["x"], {}, "/0", id="not-an-object"),
        pytest.param([_record(bn="urn:dev:DEVEUI:123:")], {}, "/0/bn", id="short-eui"),
        pytest.param([_record(n="payload")], {}, "/0/n", id="wrong-n"),
        pytest.param([_record(vs="0g")], {}, "/0/vs", id="not-hex"),
        pytest.param([_record(vs="012")], {}, "/0/vs", id="odd-length"),
        pytest.param([_record()], {"port": 0}, "port", id="port-zero"),
        pytest.param([_record()], {"port": 224}, "port", id="port-too-high"),
        pytest.param([_record()], {"port": "x"}, "port", id="port-text"),
    ],
)  # fmt: skip
def test_a_bad_downlink_is_400_naming_the_part(
    client: httpx.Client, body: object, params: dict[str, Any], named: str
) -> None:
    response = _downlink(client, grip_token(client), body, **params)
    assert response.status_code == 400
    assert named in response.json()["message"]


def test_downlink_needs_its_port_its_accept_header_and_a_token(client: httpx.Client) -> None:
    token = grip_token(client)
    body = [{"bn": f"urn:dev:DEVEUI:{DEV_EUI}:", "n": "payloadHex", "vs": "01"}]
    no_port = client.post(
        "/api/actuator/downlinks", json=body, headers=things_headers(token, accept=ACTUATOR_ACCEPT)
    )
    assert no_port.status_code == 400
    assert "port" in no_port.json()["message"]
    assert _downlink(client, token, body, accept=THINGS_ACCEPT).status_code == 400
    assert _downlink(client, "unknown-token", body).status_code == 302


def test_downlink_for_a_subcustomer_needs_access_rights(client: httpx.Client) -> None:
    token = grip_token(client)
    body = [{"bn": f"urn:dev:DEVEUI:{DEV_EUI}:", "n": "payloadHex", "vs": "01"}]
    headers = {**things_headers(token, accept=ACTUATOR_ACCEPT), "x-client-id": _demo.THINGS_SUBCUSTOMER_ID}
    response = client.post("/api/actuator/downlinks", params={"port": 1}, json=body, headers=headers)
    assert response.status_code == 403
