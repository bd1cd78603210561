"""The new KPN Things API in the emulator: cursor paging, sort, q, filters and their 400s."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml

from kpn_contract.contract.specs import bundled_spec_dir
from kpn_contract.emulator import EmulatorServer
from kpn_contract.emulator._devices import MAIN_ACCOUNT, client_id_of
from kpn_contract.emulator._paging import CURSOR_PATTERN

from .conftest import THINGS_ACCEPT, grip_token

PROBLEM = "application/problem+json"


@pytest.fixture
def api(client: httpx.Client) -> httpx.Client:
    client.headers["authorization"] = f"Bearer {grip_token(client)}"
    return client


def _all(api: httpx.Client, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page, following links.next until it is absent."""
    response = api.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        yield page
        if "next" not in page["links"]:
            return
        response = api.get(page["links"]["next"])


def _items(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    return [item for page in _all(api, path, **params) for item in page["items"]]


def _store(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """The device store, read directly (not through the API under test)."""
    return emulator.app.state.emulator.new_api_devices()  # type: ignore[no-any-return]


def _bad(response: httpx.Response, word: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 400
    assert word in body["detail"]
    assert "\n" not in body["detail"]


def test_paging_through_every_page_lists_each_device_once(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    pages = list(_all(api, "/devices", limit=7))
    ids = [item["id"] for page in pages for item in page["items"]]
    stored = _store(emulator)
    assert len(ids) == len(set(ids)) == len(stored)
    assert set(ids) == {d["id"] for d in stored}
    assert len(pages) == -(-len(stored) // 7)
    assert "previous" not in pages[0]["links"]
    assert all("previous" in page["links"] for page in pages[1:])
    assert all(len(page["items"]) == 7 for page in pages[:-1])
    # Links are relative references: the path and query of the neighbouring page.
    assert pages[0]["links"]["next"].startswith("/devices?cursor=")


def test_previous_link_leads_back_to_the_page_before(api: httpx.Client) -> None:
    first = api.get("/devices", params={"limit": 5, "sort": "name"}).json()
    second = api.get(first["links"]["next"]).json()
    back = api.get(second["links"]["previous"]).json()
    assert back["items"] == first["items"]
    assert {d["id"] for d in second["items"]}.isdisjoint(d["id"] for d in first["items"])


def test_default_limit_is_50_and_200_is_the_maximum(api: httpx.Client, emulator: EmulatorServer) -> None:
    total = len(_store(emulator))
    assert total > 50
    assert len(api.get("/devices").json()["items"]) == 50
    whole = api.get("/devices", params={"limit": 200}).json()
    assert len(whole["items"]) == total
    assert whole["links"] == {}


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "1.5", ""])
def test_a_limit_out_of_range_or_not_an_integer_is_a_400(api: httpx.Client, limit: str) -> None:
    _bad(api.get("/devices", params={"limit": limit}), "limit")


@pytest.mark.parametrize(
    "cursor",
    [
        "0",
        "not-base64!",
        "AAAAAAAAAAAAAAA+",  # 16 characters, but "+" is not base64url
        "AAAAAAAAAAAAAAAAA",  # 17
        base64.urlsafe_b64encode(b"{}").decode(),
    ],
)
def test_a_cursor_not_of_the_specs_form_is_a_400(api: httpx.Client, cursor: str) -> None:
    assert not re.fullmatch(CURSOR_PATTERN, cursor)
    _bad(api.get("/devices", params={"cursor": cursor}), "cursor")


def test_a_cursor_of_the_right_form_from_another_query_is_a_404(api: httpx.Client) -> None:
    cursor = api.get("/devices", params={"limit": 3, "sort": "name"}).json()["links"]["next"]
    reused = httpx.URL(cursor).params["cursor"]
    response = api.get("/devices", params={"limit": 3, "sort": "-name", "cursor": reused})
    assert response.status_code == 404, response.text
    assert "names no page of this query" in response.json()["detail"]
    invented = api.get("/devices", params={"cursor": "A" * 16})  # schema-valid, never issued
    assert invented.status_code == 404, invented.text


def test_the_emulator_cursor_form_is_the_specs_pattern() -> None:
    spec = yaml.safe_load((bundled_spec_dir() / "kpn-things" / "devices.yaml").read_text(encoding="utf-8"))
    [cursor] = [p for p in spec["paths"]["/devices"]["get"]["parameters"] if p["name"] == "cursor"]
    assert cursor["schema"]["pattern"] == CURSOR_PATTERN


@pytest.mark.parametrize("descending", [False, True])
def test_sort_by_name_both_ways(api: httpx.Client, descending: bool) -> None:
    names = [d["name"] for d in _items(api, "/devices", sort="-name" if descending else "name", limit=200)]
    assert names == sorted(names, reverse=descending)


def test_sort_by_several_fields(api: httpx.Client) -> None:
    devices = _items(api, "/devices", sort="-barcode,name", limit=200)
    with_barcode = [d for d in devices if d["barcode"] is not None]
    assert [d["barcode"] for d in with_barcode] == sorted((d["barcode"] for d in with_barcode), reverse=True)
    # Devices without a barcode come first in descending order (nulls last ascending), by name.
    without = [d["name"] for d in devices if d["barcode"] is None]
    assert without == sorted(without)
    assert devices[: len(without)] == [d for d in devices if d["barcode"] is None]
    _bad(api.get("/devices", params={"sort": "deviceSpecificationId"}), "deviceSpecificationId")


def test_default_order_is_created_at_ascending(api: httpx.Client) -> None:
    created = [d["createdAt"] for d in _items(api, "/devices", limit=200)]
    assert created == sorted(created)
    assert len(set(created)) == len(created)  # the seed gives every device its own createdAt


@pytest.mark.parametrize("sort", ["colour", "name,", "-", "createdAt,-secret"])
def test_an_unknown_sort_field_is_a_400(api: httpx.Client, sort: str) -> None:
    _bad(api.get("/devices", params={"sort": sort}), "sort field")


def test_devices_q_ignores_case(api: httpx.Client, emulator: EmulatorServer) -> None:
    found = _items(api, "/devices", q="WATER", limit=200)
    expected = {d["id"] for d in _store(emulator) if "water" in f"{d['name']} {d['description']}".lower()}
    assert found
    assert {d["id"] for d in found} == expected
    assert any("water" in d["name"] for d in found)  # the seed's names are lower case there


def test_projects_q_ignores_case(api: httpx.Client) -> None:
    # "track & trace" by its name, "Cold Chain" by its description ("Temperature tracking ...").
    names = {p["name"] for p in _items(api, "/projects", q="TRACK")}
    assert names == {"track & trace", "Cold Chain"}


def test_downlinks_q_is_case_sensitive(api: httpx.Client) -> None:
    lower = _items(api, "/downlinks", q="valve", limit=200)
    upper = _items(api, "/downlinks", q="Valve", limit=200)
    assert lower
    assert upper
    assert all("valve" in d["message"] for d in lower)
    assert all("Valve" in d["message"] for d in upper)
    assert {d["id"] for d in lower}.isdisjoint(d["id"] for d in upper)


def test_downlinks_q_matches_tag_value_exactly(api: httpx.Client) -> None:
    one = _items(api, "/downlinks", limit=1)[0]
    assert [d["id"] for d in _items(api, "/downlinks", q=one["tagValue"])] == [one["id"]]
    assert _items(api, "/downlinks", q=one["tagValue"][:-1] + "x") == []


def test_client_id_filter_selects_one_owner(api: httpx.Client, emulator: EmulatorServer) -> None:
    owners = {d["clientId"] for d in _store(emulator)}
    assert len(owners) >= 2
    for owner in owners:
        found = _items(api, "/devices", clientId=owner, limit=200)
        assert {d["id"] for d in found} == {d["id"] for d in _store(emulator) if d["clientId"] == owner}


def test_barcode_filter_is_partial(api: httpx.Client, emulator: EmulatorServer) -> None:
    barcode = next(d["barcode"] for d in _store(emulator) if d["barcode"])
    part = barcode[3:8]
    found = _items(api, "/devices", barcode=part, limit=200)
    assert {d["id"] for d in found} == {d["id"] for d in _store(emulator) if part in (d["barcode"] or "")}


def test_repeated_device_specification_id(api: httpx.Client, emulator: EmulatorServer) -> None:
    specifications = sorted({d["deviceSpecificationId"] for d in _store(emulator)})
    assert len(specifications) >= 3
    wanted = specifications[:2]
    found = _items(api, "/devices", deviceSpecificationId=wanted, limit=200)
    assert {d["id"] for d in found} == {
        d["id"] for d in _store(emulator) if d["deviceSpecificationId"] in wanted
    }
    assert len(found) < len(_store(emulator))


def test_created_before_excludes_and_created_since_includes_the_instant(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    pivot = sorted(d["createdAt"] for d in _store(emulator))[10]
    before = _items(api, "/devices", createdBefore=pivot, limit=200)
    since = _items(api, "/devices", createdSince=pivot, limit=200)
    assert len(before) == 10
    assert len(before) + len(since) == len(_store(emulator))
    assert since[0]["createdAt"] == pivot


def test_modified_window(api: httpx.Client, emulator: EmulatorServer) -> None:
    instants = sorted(datetime.fromisoformat(d["modifiedAt"]) for d in _store(emulator))
    low, high = instants[5], instants[20]
    found = _items(api, "/devices", modifiedSince=low.isoformat(), modifiedBefore=high.isoformat(), limit=200)
    assert len(found) == 15
    shifted = (low + timedelta(hours=2)).isoformat().replace("+00:00", "+02:00")  # the same instant as low
    assert len(_items(api, "/devices", modifiedSince=shifted, limit=200)) == len(instants) - 5


def test_filters_combine_with_and(api: httpx.Client, emulator: EmulatorServer) -> None:
    main = client_id_of(MAIN_ACCOUNT)
    found = _items(api, "/devices", clientId=main, q="sensor", sort="name", limit=200)
    expected = [d for d in _store(emulator) if d["clientId"] == main and "sensor" in (d["description"] or "")]
    assert [d["id"] for d in found] == [d["id"] for d in sorted(expected, key=lambda d: d["name"])]


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01T00:00:00Z", "2025-05-01T00:00:00"])
@pytest.mark.parametrize("name", ["createdBefore", "createdSince", "modifiedBefore", "modifiedSince"])
def test_a_malformed_date_is_a_400(api: httpx.Client, name: str, value: str) -> None:
    _bad(api.get("/devices", params={name: value}), name)


def test_a_client_id_that_is_not_a_uuid_is_a_400(api: httpx.Client) -> None:
    _bad(api.get("/devices", params={"clientId": "emu-subcustomer-0042"}), "clientId")


@pytest.mark.parametrize(
    "path",
    ["/device-groups", "/projects", "/downlinks", "/lora/downlinks", "/mqtt/downlinks",
     "/lora/bindings", "/http/bindings", "/mqtt/bindings"],
)  # fmt: skip
def test_every_list_pages_to_the_end(api: httpx.Client, path: str) -> None:
    items = _items(api, path, limit=4)
    assert items
    assert len({i["id"] for i in items}) == len(items)
    assert [i["createdAt"] for i in items] == sorted(i["createdAt"] for i in items)


def test_the_beta_is_unchanged_beside_the_new_api(api: httpx.Client) -> None:
    beta = api.get("/api/devices", headers={"accept": THINGS_ACCEPT}, params={"pageSize": 100})
    assert beta.status_code == 200
    assert set(beta.json()["content"][0]) == {
        "uuid", "name", "description", "metadata", "deviceSpecificationUUID", "barcode"
    }  # fmt: skip
    main = client_id_of(MAIN_ACCOUNT)
    new = {d["id"]: d for d in _items(api, "/devices", clientId=main, limit=200)}
    assert {d["uuid"] for d in beta.json()["content"]} == set(new)
    for device in beta.json()["content"]:
        mapped = new[device["uuid"]]
        assert mapped["deviceSpecificationId"] == device["deviceSpecificationUUID"]
        assert (mapped["name"], mapped["barcode"]) == (device["name"], device["barcode"])


def test_cursor_is_opaque_base64url_of_the_specs_form(api: httpx.Client) -> None:
    link = api.get("/devices", params={"limit": 2}).json()["links"]["next"]
    cursor = httpx.URL(link).params["cursor"]
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert int.from_bytes(base64.urlsafe_b64decode(cursor)[:4], "big") == 2  # the offset
