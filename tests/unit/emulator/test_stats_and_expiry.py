"""Request counting per path template, reset, and token expiry measured in seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import EmulatorServer, EmulatorSettings

from .conftest import GRIP_TOKEN_PATH, gateway_token, grip_body, grip_token, loopback_client, things_headers


def test_stats_count_every_request_by_path_template(client: httpx.Client, emulator: EmulatorServer) -> None:
    token = grip_token(client)
    grip_token(client)
    gateway_token(client)
    client.post(f"/v2/{_demo.GRIP_TENANT_ID}/oidc/idp/token", json=grip_body())
    client.post("/v2/no-such-tenant/oidc/idp/c1/token", json=grip_body())  # an error still counts
    for page in range(3):
        client.get("/api/devices", params={"currentPage": page}, headers=things_headers(token))
    client.post("/api/v1/lifecycle/clients/some-customer/context-switch")
    client.post("/api/v1/lifecycle/clients/other-customer/context-switch")
    client.get("/no/such/path")
    expected = {
        "POST /v2/{tenantId}/oidc/idp/c1/token": 3,
        "POST /v2/{tenantId}/oidc/idp/token": 1,
        "POST /oauth/client_credential/accesstoken": 1,
        "GET /api/devices": 3,
        "POST /api/v1/lifecycle/clients/{customerId}/context-switch": 2,
        "GET /no/such/path": 1,
    }
    assert emulator.stats() == {"requests": expected}
    served = client.get("/_emulator/stats")
    assert served.status_code == 200
    assert served.json() == {"requests": expected}  # the stats requests themselves are not counted


def test_reset_clears_counts_tokens_and_rights(client: httpx.Client, emulator: EmulatorServer) -> None:
    token = grip_token(client)
    customer = _demo.THINGS_SUBCUSTOMER_ID
    client.post(
        f"/api/v1/lifecycle/clients/{customer}/context-switch", headers={"authorization": f"Bearer {token}"}
    )
    emulator.inject_fault("GET /nothing", "500")
    assert client.post("/_emulator/reset").status_code == 200
    assert emulator.stats() == {"requests": {}}
    assert emulator.faults() == []
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 302  # token forgotten
    fresh = grip_token(client)
    sub = client.get("/api/devices", headers=things_headers(fresh, **{"x-client-id": customer}))
    assert sub.status_code == 403  # rights forgotten


@pytest.fixture(scope="module")
def short_lived() -> Iterator[EmulatorServer]:
    settings = EmulatorSettings(gateway_token_lifetime=1, grip_token_lifetime=1)
    with EmulatorServer(settings) as server:
        yield server


def test_tokens_expire_after_their_configured_lifetime(short_lived: EmulatorServer) -> None:
    with loopback_client(base_url=short_lived.base_url, timeout=5) as http:
        grip = http.post(GRIP_TOKEN_PATH, json=grip_body()).json()
        assert grip["expires_in"] == 1
        gateway = http.post(
            "/oauth/client_credential/accesstoken",
            params={"grant_type": "client_credentials"},
            data={"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET},
        ).json()
        assert gateway["expires_in"] == "1"
        assert http.get("/api/devices", headers=things_headers(grip["access_token"])).status_code == 200
        time.sleep(1.1)
        assert http.get("/api/devices", headers=things_headers(grip["access_token"])).status_code == 302
        renewed = http.post(GRIP_TOKEN_PATH, json=grip_body()).json()["access_token"]
        assert http.get("/api/devices", headers=things_headers(renewed)).status_code == 200
