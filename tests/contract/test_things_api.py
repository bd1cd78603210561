"""KPN Things' new API (specs/kpn-things/*.yaml): cursor paging, sort, q, filters, 400/401/403/404,
and a sub-customer read through the clientId filter."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kpn_contract.errors import MissingScopeError
from kpn_contract.session.kpn_session import KPNSession

# A fixed id, so that the recorded request is the same on every run; no device has it.
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture
def things(kpn_client: Callable[..., httpx.Client]) -> httpx.Client:
    return kpn_client("things")


def pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, following links.next (a relative reference) until it is absent."""
    response = client.get(path, params=params)
    found = []
    while True:
        assert response.status_code == 200, response.text
        found.append(response.json())
        link = found[-1]["links"].get("next")
        if link is None:
            return found
        response = client.get(link)


def items(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    return [item for page in pages(client, path, **params) for item in page["items"]]


@pytest.mark.kpn(profile="things")
def test_paging_through_every_page(things: httpx.Client) -> None:
    small = pages(things, "/devices", limit=10)
    ids = [device["id"] for page in small for device in page["items"]]
    assert len(small) >= 2
    assert len(ids) == len(set(ids))  # no device twice
    assert set(ids) == {device["id"] for device in items(things, "/devices", limit=200)}  # none missed
    assert "previous" not in small[0]["links"]
    assert all("previous" in page["links"] for page in small[1:])
    assert all(len(page["items"]) == 10 for page in small[:-1])


@pytest.mark.kpn(profile="things")
def test_previous_link_returns_the_page_before(things: httpx.Client) -> None:
    first = things.get("/devices", params={"limit": 5, "sort": "name"}).json()
    second = things.get(first["links"]["next"]).json()
    assert things.get(second["links"]["previous"]).json()["items"] == first["items"]


@pytest.mark.kpn(profile="things")
@pytest.mark.parametrize("sort", ["name", "-name"], ids=["ascending", "descending"])
def test_sort_by_name(things: httpx.Client, sort: str) -> None:
    names = [device["name"] for device in items(things, "/devices", sort=sort, limit=200)]
    assert names == sorted(names, reverse=sort.startswith("-"))


@pytest.mark.kpn(profile="things")
def test_sort_by_created_at_then_name_descending(things: httpx.Client) -> None:
    devices = items(things, "/devices", sort="createdAt,-name", limit=200)
    keys = [(device["createdAt"], device["name"]) for device in devices]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)


@pytest.mark.kpn(profile="things")
def test_devices_q_ignores_case(things: httpx.Client) -> None:
    everything = items(things, "/devices", limit=200)
    fragment = everything[0]["name"][1:5]
    upper = {d["id"] for d in items(things, "/devices", q=fragment.upper(), limit=200)}
    lower = {d["id"] for d in items(things, "/devices", q=fragment.lower(), limit=200)}
    expected = {
        d["id"]
        for d in everything
        if fragment.casefold() in d["name"].casefold()
        or fragment.casefold() in (d["description"] or "").casefold()
    }
    assert upper == lower == expected
    assert expected


@pytest.mark.kpn(profile="things")
def test_downlinks_q_is_case_sensitive(things: httpx.Client) -> None:
    downlink = next(
        d for d in items(things, "/downlinks", limit=200) if d["message"] != d["message"].swapcase()
    )
    same_case = {d["id"] for d in items(things, "/downlinks", q=downlink["message"], limit=200)}
    other_case = {d["id"] for d in items(things, "/downlinks", q=downlink["message"].swapcase(), limit=200)}
    assert downlink["id"] in same_case
    assert downlink["id"] not in other_case


@pytest.mark.kpn(profile="things")
def test_barcode_filter_is_a_partial_match(things: httpx.Client) -> None:
    everything = items(things, "/devices", limit=200)
    part = next(d["barcode"] for d in everything if d["barcode"])[2:7]
    found = {d["id"] for d in items(things, "/devices", barcode=part, limit=200)}
    assert found == {d["id"] for d in everything if part in (d["barcode"] or "")}


@pytest.mark.kpn(profile="things")
def test_repeated_device_specification_id(things: httpx.Client) -> None:
    everything = items(things, "/devices", limit=200)
    wanted = sorted({d["deviceSpecificationId"] for d in everything})[:2]
    found = {d["id"] for d in items(things, "/devices", deviceSpecificationId=wanted, limit=200)}
    assert found == {d["id"] for d in everything if d["deviceSpecificationId"] in wanted}
    assert 0 < len(found) < len(everything)


@pytest.mark.kpn(profile="things")
def test_created_and_modified_windows(things: httpx.Client) -> None:
    everything = items(things, "/devices", limit=200)
    created = sorted(d["createdAt"] for d in everything)
    pivot = created[len(created) // 2]
    before = items(things, "/devices", createdBefore=pivot, limit=200)
    since = items(things, "/devices", createdSince=pivot, limit=200)
    assert all(d["createdAt"] < pivot for d in before)  # exclusive
    assert pivot in {d["createdAt"] for d in since}  # inclusive
    assert len(before) + len(since) == len(everything)
    modified = sorted(d["modifiedAt"] for d in everything)
    low, high = modified[3], modified[-3]
    window = items(things, "/devices", modifiedSince=low, modifiedBefore=high, limit=200)
    assert {d["id"] for d in window} == {d["id"] for d in everything if low <= d["modifiedAt"] < high}


@pytest.mark.kpn(profile="things")
def test_subcustomer_devices_through_the_client_id_filter(things: httpx.Client) -> None:
    everything = items(things, "/devices", limit=200)
    clients = sorted({d["clientId"] for d in everything})
    if len(clients) < 2:
        pytest.skip("this account owns no sub-customer with devices")
    for client_id in clients:
        response = things.get("/devices", params={"clientId": client_id, "limit": 200})
        assert "x-client-id" not in response.request.headers  # no context switch, no header
        assert {d["id"] for d in response.json()["items"]} == {
            d["id"] for d in everything if d["clientId"] == client_id
        }


@pytest.mark.kpn(profile="things")
def test_unknown_device_is_a_404(things: httpx.Client) -> None:
    response = things.get(f"/devices/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.kpn(profile="things", validate="response")  # bad requests on purpose
@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"limit": 0},
        {"limit": 201},
        {"sort": "colour"},
        {"createdSince": "yesterday"},
    ],
    ids=["cursor", "limit-0", "limit-201", "sort", "date"],
)
def test_malformed_query_is_a_400(things: httpx.Client, params: dict[str, Any]) -> None:
    response = things.get("/devices", params=params)
    assert response.status_code == 400
    assert response.json()["status"] == 400


@pytest.mark.kpn(profile="things")
def test_invalid_token_is_a_401(kpn_client: Callable[..., httpx.Client]) -> None:
    client = kpn_client("things", authenticated=False)
    response = client.get("/projects", headers={"Authorization": "Bearer not-a-valid-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.kpn(profile="things-project-reader")
def test_missing_scope_is_a_403_naming_the_scope(
    kpn_client: Callable[..., httpx.Client], kpn_session: KPNSession
) -> None:
    if kpn_session.options.target == "live" and not os.environ.get("KPN_GRIP_PROJECT_READER_CLIENT_ID"):
        pytest.skip("set KPN_GRIP_PROJECT_READER_* to an API key whose tokens carry only project.read")
    reader = kpn_client("things-project-reader")
    assert reader.get("/projects", params={"limit": 1}).status_code == 200
    with pytest.raises(MissingScopeError) as refused:
        reader.get("/devices", params={"limit": 1})
    assert refused.value.missing == ("device.read",)
    assert "device.read" in str(refused.value)
