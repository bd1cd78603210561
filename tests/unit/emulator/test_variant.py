"""The ``next`` variant serves exactly the changes its table documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import NEXT_VARIANT_CHANGES, EmulatorServer, EmulatorSettings
from kpn_contract.errors import UsageError

from .conftest import grip_token, loopback_client, things_headers

SWITCH = f"/api/v1/lifecycle/clients/{_demo.THINGS_SUBCUSTOMER_ID}/context-switch"


@pytest.fixture(scope="module")
def next_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings(variant="next")) as server:
        yield server


def _change(kind: str) -> dict[str, object]:
    return next(c for c in NEXT_VARIANT_CHANGES if c["kind"] == kind)


def _page(base_url: str) -> tuple[dict[str, Any], int]:
    with loopback_client(base_url=base_url, timeout=5) as http:
        token = grip_token(http)
        page = http.get("/api/devices", params={"pageSize": 100}, headers=things_headers(token)).json()
        switched = http.post(SWITCH, headers={"authorization": f"Bearer {token}"}).status_code
    return page, switched


def test_the_table_names_each_kind_of_change_once() -> None:
    kinds = [c["kind"] for c in NEXT_VARIANT_CHANGES]
    assert sorted(kinds) == ["field-added", "field-renamed", "status-changed", "type-changed"]
    for change in NEXT_VARIANT_CHANGES:
        assert {"operation", "pointer", "kind", "description"} <= set(change)
        assert str(change["operation"]).split()[0] in {"GET", "POST"}


def test_next_variant_differs_from_current_exactly_as_documented(
    next_server: EmulatorServer, emulator_server: EmulatorServer
) -> None:
    emulator_server.reset()
    current, current_switch = _page(emulator_server.base_url)
    upcoming, next_switch = _page(next_server.base_url)

    renamed = _change("field-renamed")
    assert all(renamed["old"] in d and renamed["new"] not in d for d in current["content"])
    assert all(renamed["new"] in d and renamed["old"] not in d for d in upcoming["content"])

    retyped = _change("type-changed")
    field = str(retyped["pointer"]).strip("/")
    assert isinstance(current[field], int)
    assert upcoming[field] == str(current[field])

    added = _change("field-added")
    name = str(added["pointer"]).rsplit("/", 1)[-1]
    with_field = [d for d in upcoming["content"] if name in d]
    assert 0 < len(with_field) < len(upcoming["content"])  # optional: some devices only
    assert not any(name in d for d in current["content"])

    status = _change("status-changed")
    assert (current_switch, next_switch) == (status["old"], status["new"])

    # Nothing else differs: the same devices, in the same order, with the same other values.
    def normalise(device: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in device.items() if k not in {name, renamed["new"], renamed["old"]}}

    assert [normalise(d) for d in current["content"]] == [normalise(d) for d in upcoming["content"]]
    other_keys = set(current) - {field, "content"}
    assert {k: current[k] for k in other_keys} == {k: upcoming[k] for k in other_keys}


def test_an_unknown_variant_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="variant 'beta' is unknown"):
        EmulatorSettings(variant="beta")  # type: ignore[arg-type]  # the invalid value is the point
