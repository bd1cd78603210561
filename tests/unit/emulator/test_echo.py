"""Request values in the emulator's error texts: UTF-8 headers, 400 if undecodable, no secret echoed."""

from __future__ import annotations

import json

import httpx
import pytest

from kpn_contract.redact import register_secret

from .conftest import grip_token, things_headers

# Characters that a Python repr, URL- or JSON-encoding would each write differently.
AWKWARD = "sub:X@1 +/=&%\"'\\ é"


def test_a_header_that_is_not_utf8_is_answered_400_naming_only_the_header(client: httpx.Client) -> None:
    token = grip_token(client)
    headers = [*things_headers(token).items(), ("x-client-id", "caf\xe9-latin1-value".encode("latin-1"))]
    response = client.get("/api/devices", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["message"] == "request header x-client-id is not UTF-8 text"
    assert "latin1-value" not in response.text


def test_a_utf8_header_is_read_as_utf8_not_mangled(client: httpx.Client) -> None:
    token = grip_token(client)
    customer = "klant-Zoë-ø"
    headers = [*things_headers(token).items(), ("x-client-id", customer.encode("utf-8"))]
    response = client.get("/api/devices", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 403
    message = response.json()["message"]
    assert f"customer '{customer}' (x-client-id)" in message
    assert "Ã" not in message  # the Latin-1 reading of UTF-8 bytes


@pytest.mark.usefixtures("clean_secret_registry")
def test_a_registered_secret_in_a_header_is_never_echoed(client: httpx.Client) -> None:
    register_secret(AWKWARD)
    token = grip_token(client)
    headers = [*things_headers(token).items(), ("x-client-id", AWKWARD.encode("utf-8"))]
    response = client.get("/api/devices", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 403
    body = response.text
    assert "customer 'REDACTED' (x-client-id)" in response.json()["message"]
    for form in (
        AWKWARD,
        repr(AWKWARD)[1:-1],
        json.dumps(AWKWARD)[1:-1],
        json.dumps(AWKWARD, ensure_ascii=False),
    ):
        assert form not in body


@pytest.mark.usefixtures("clean_secret_registry")
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": AWKWARD}, "pageSize"),
        ({"sortBy": AWKWARD}, "sortBy"),
        ({"sortOrder": AWKWARD}, "sortOrder"),
    ],
)
def test_a_registered_secret_in_a_query_value_is_never_echoed(
    client: httpx.Client, params: dict[str, str], field: str
) -> None:
    register_secret(AWKWARD)
    response = client.get("/api/devices", params=params, headers=things_headers(grip_token(client)))
    assert response.status_code == 400
    assert "'REDACTED'" in response.json()["message"]
    for form in (AWKWARD, repr(AWKWARD)[1:-1], json.dumps(AWKWARD)[1:-1]):
        assert form not in response.text
    assert field in response.json()["message"]


def test_an_unregistered_query_value_is_echoed_as_plain_text_not_a_repr(client: httpx.Client) -> None:
    response = client.get(
        "/api/devices", params={"sortOrder": "a\\b'c"}, headers=things_headers(grip_token(client))
    )
    assert response.status_code == 400
    assert response.json()["message"] == "sortOrder 'a\\b'c' must be ASC or DESC"
