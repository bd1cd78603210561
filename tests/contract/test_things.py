"""KPN Things (beta): list devices, the sub-customer flow, and the documented 302 / 400 / 403 answers."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.session.kpn_session import KPNSession

DEVICES_JSON = "application/vnd.kpnthings.device.v1.response+json"
ACTUATOR_JSON = "application/vnd.kpnthings.actuator.v1.response+json"
DOWNLINK = [{"bn": "urn:dev:DEVEUI:0123456789ABCDEF:", "n": "payloadHex", "vs": "0102"}]


@pytest.fixture
def things(kpn_client: Callable[..., httpx.Client]) -> httpx.Client:
    client = kpn_client("things")
    client.headers["Accept"] = DEVICES_JSON
    return client


@pytest.mark.kpn(profile="things")
def test_list_devices_first_page(things: httpx.Client) -> None:
    page = things.get("/api/devices").json()
    assert page["number"] == 0
    assert page["size"] == 20
    assert page["first"] is True
    assert page["numberOfElements"] == len(page["content"]) <= 20
    assert page["totalElements"] >= page["numberOfElements"]


@pytest.mark.kpn(profile="things")
def test_list_devices_pages_do_not_overlap(things: httpx.Client) -> None:
    first = things.get("/api/devices", params={"pageSize": 5, "currentPage": 0}).json()
    second = things.get("/api/devices", params={"pageSize": 5, "currentPage": 1}).json()
    first_ids = {d["uuid"] for d in first["content"]}
    second_ids = {d["uuid"] for d in second["content"]}
    assert len(first_ids) == len(second_ids) == 5
    assert not first_ids & second_ids
    assert second["number"] == 1


@pytest.mark.kpn(profile="things")
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_list_devices_sorted_by_name(things: httpx.Client, order: str) -> None:
    names = [
        d["name"]
        for d in things.get("/api/devices", params={"sortBy": "name", "sortOrder": order}).json()["content"]
    ]
    assert names == sorted(names, reverse=order == "DESC")


@pytest.mark.kpn(profile="things")
def test_search_is_a_case_sensitive_partial_match(things: httpx.Client) -> None:
    everything = things.get("/api/devices", params={"pageSize": 100}).json()["content"]
    fragment = everything[0]["name"][1:4]
    found = things.get("/api/devices", params={"search": fragment, "pageSize": 100}).json()["content"]
    assert found
    assert all(fragment in d["name"] for d in found)
    assert {d["uuid"] for d in found} == {d["uuid"] for d in everything if fragment in d["name"]}


@pytest.mark.kpn(profile="things", validate="response")  # a wrong Accept on purpose
def test_wrong_accept_header_is_a_400(things: httpx.Client) -> None:
    response = things.get("/api/devices", headers={"Accept": "application/json"})
    assert response.status_code == 400


@pytest.mark.kpn(profile="things", validate="response")  # a bad request on purpose
def test_bad_query_parameter_is_a_400(things: httpx.Client) -> None:
    assert things.get("/api/devices", params={"currentPage": "first"}).status_code == 400


@pytest.mark.kpn(profile="things", validate=False)
def test_invalid_token_is_a_302_auth_failure(
    kpn_client: Callable[..., httpx.Client], kpn_session: KPNSession
) -> None:
    client = kpn_client("things", authenticated=False)
    response = client.get(
        "/api/devices", headers={"Accept": DEVICES_JSON, "Authorization": "Bearer not-a-valid-token"}
    )
    assert response.status_code == 302
    assert "location" in response.headers
    # The contract reads a 302 from KPN Things as an authentication failure, with the documented meaning.
    violations = kpn_session.validator.check(response)
    assert violations
    assert "GRIP" in violations[0].meaning


@pytest.mark.kpn(profile="things-subcustomer")
def test_subcustomer_flow(kpn_client: Callable[..., httpx.Client], kpn_session: KPNSession) -> None:
    from kpn_contract.auth.subcustomer import request_access_rights

    customer = kpn_session.credentials("things-subcustomer").subcustomer_id
    assert customer
    owner = kpn_client("things-subcustomer", subcustomer=False)
    granted = request_access_rights(owner, customer)
    assert granted.is_success
    sub = kpn_client("things-subcustomer")
    assert sub.headers.get("x-client-id") is None  # added per request by KPNAuth, not baked into the client
    page = sub.get("/api/devices", headers={"Accept": DEVICES_JSON})
    assert page.status_code == 200
    assert page.request.headers["x-client-id"] == customer


@pytest.mark.kpn(profile="things")
def test_subcustomer_without_access_rights_is_a_403(things: httpx.Client, kpn_session: KPNSession) -> None:
    customer = os.environ.get("KPN_THINGS_UNGRANTED_SUBCUSTOMER_ID")
    if customer is None:
        if kpn_session.options.target == "live":
            pytest.skip("set KPN_THINGS_UNGRANTED_SUBCUSTOMER_ID to a sub-customer without access rights")
        customer = _demo.THINGS_UNGRANTED_SUBCUSTOMER_ID
    response = things.get("/api/devices", headers={"x-client-id": customer})
    assert response.status_code == 403


@pytest.mark.kpn(profile="things")
def test_downlink_is_accepted(kpn_client: Callable[..., httpx.Client]) -> None:
    response = kpn_client().post(
        "/api/actuator/downlinks",
        params={"port": 1, "externalReference": "contract-suite"},
        json=DOWNLINK,
        headers={"Accept": ACTUATOR_JSON},
    )
    assert response.is_success


@pytest.mark.kpn(profile="things", validate="response")  # a bad request on purpose
def test_downlink_with_a_malformed_senml_body_is_a_400(kpn_client: Callable[..., httpx.Client]) -> None:
    response = kpn_client().post(
        "/api/actuator/downlinks",
        params={"port": 1, "externalReference": "contract-suite"},
        json=[{"bn": "urn:dev:DEVEUI:0123456789ABCDEF:", "n": "payloadHex", "vs": "not hex"}],
        headers={"Accept": ACTUATOR_JSON},
    )
    assert response.status_code == 400
