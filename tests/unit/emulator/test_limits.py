"""The emulator echoes nothing of a request in an error status, and caps every request body."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.config.credentials import normalise_secret
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.emulator._limits import MAX_REQUEST_BODY

from .conftest import GRIP_TOKEN_PATH, grip_body, loopback_client


def test_a_405_on_a_fixed_route_does_not_echo_the_path(client: httpx.Client) -> None:
    planted = f"planted-{secrets.token_hex(8)}"
    response = client.delete(f"/v2/{planted}/oidc/idp/c1/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert planted not in response.text
    assert response.json() == {"status": 405, "error": "Method Not Allowed"}


@pytest.mark.parametrize(
    "path", [GRIP_TOKEN_PATH, "/oauth/client_credential/accesstoken", "/_emulator/faults"]
)
def test_a_body_announced_past_the_cap_is_refused_with_413(client: httpx.Client, path: str) -> None:
    response = client.post(path, content=b"{" + b" " * MAX_REQUEST_BODY + b"}")
    assert response.status_code == 413
    assert response.json()["error"] == "Payload Too Large"
    assert str(MAX_REQUEST_BODY) in response.json()["message"]


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    yield b'{"grant_type": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size


def test_a_chunked_body_is_refused_once_it_passes_the_cap(client: httpx.Client) -> None:
    # No Content-Length: the emulator reads until the cap, then answers 413 (the rest is never held).
    response = client.post(GRIP_TOKEN_PATH, content=_chunks(2 * MAX_REQUEST_BODY))
    assert response.status_code == 413


def test_a_body_under_the_cap_still_reaches_the_handler(client: httpx.Client) -> None:
    response = client.post(GRIP_TOKEN_PATH, json={**grip_body(), "padding": "x" * (MAX_REQUEST_BODY // 2)})
    assert response.status_code == 200, response.text


def test_a_secret_ending_in_a_newline_is_the_same_key_for_the_client_and_the_emulator() -> None:
    raw = f"grip-secret-{secrets.token_hex(8)}\n"
    settings = EmulatorSettings.from_environment({"KPN_GRIP_CLIENT_SECRET": raw})
    with EmulatorServer(settings) as server, loopback_client(server.base_url) as http:
        sent = normalise_secret(raw)  # what the client sends (config/credentials.resolve_credentials)
        assert sent == raw.strip()
        accepted = http.post(GRIP_TOKEN_PATH, json=grip_body(secret=sent))
        assert accepted.status_code == 200, accepted.text
        assert http.post(GRIP_TOKEN_PATH, json=grip_body(secret=_demo.GRIP_CLIENT_SECRET)).status_code == 401


@pytest.mark.usefixtures("clean_secret_registry")
def test_a_spring_error_shows_its_path_without_a_registered_value() -> None:
    from starlette.requests import Request

    from kpn_contract.emulator._things import spring_error
    from kpn_contract.redact import register_secret

    subcustomer = f"subcustomer-{secrets.token_hex(8)}"
    register_secret(subcustomer)
    path = f"/api/v1/lifecycle/clients/{subcustomer}/context-switch"
    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""}
    response = spring_error(Request(scope), 403, "no access")
    assert subcustomer not in bytes(response.body).decode()
    assert b"/api/v1/lifecycle/clients/REDACTED/context-switch" in bytes(response.body)
