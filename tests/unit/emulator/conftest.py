"""Fixtures of the emulator tests: real servers on loopback, reached with httpx."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import EmulatorServer, EmulatorSettings

THINGS_ACCEPT = "application/vnd.kpnthings.device.v1.response+json"
ACTUATOR_ACCEPT = "application/vnd.kpnthings.actuator.v1.response+json"
GATEWAY_TOKEN_PATH = "/oauth/client_credential/accesstoken"
GRIP_TOKEN_PATH = f"/v2/{_demo.GRIP_TENANT_ID}/oidc/idp/c1/token"


# One TLS context for every test client: httpx builds (and loads certificates into) a new one per
# client otherwise, which costs more than the loopback calls themselves. No test uses TLS.
_TLS = ssl.create_default_context()


def loopback_client(base_url: str = "", timeout: float = 5.0) -> httpx.Client:
    """An httpx client for a loopback emulator."""
    return httpx.Client(base_url=base_url, timeout=timeout, verify=_TLS)


def gateway_token(
    client: httpx.Client,
    client_id: str = _demo.SANDBOX_CLIENT_ID,
    secret: str = _demo.SANDBOX_CLIENT_SECRET,
) -> str:
    response = client.post(
        GATEWAY_TOKEN_PATH,
        params={"grant_type": "client_credentials"},
        data={"client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def grip_body(
    client_id: str = _demo.GRIP_CLIENT_ID,
    secret: str = _demo.GRIP_CLIENT_SECRET,
    audience: str = _demo.KPN_THINGS_APPLICATION_ID,
) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "audience": audience,
        "client_id": client_id,
        "client_secret": secret,
    }


def grip_token(client: httpx.Client, **kwargs: str) -> str:
    response = client.post(GRIP_TOKEN_PATH, json=grip_body(**kwargs))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def things_headers(token: str, accept: str = THINGS_ACCEPT, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": accept, **extra}


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """One default emulator per test session (per xdist worker)."""
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session emulator, reset before and after the test (counts, tokens, rights, faults)."""
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with loopback_client(emulator.base_url) as http:
        yield http
