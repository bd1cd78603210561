"""The first end-to-end loop, measured by the emulator's own request counts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.config.profiles import load_config
from kpn_contract.config.run_settings import SessionOptions
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.session.kpn_session import KPNSession

DEVICES = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
GATEWAY_TOKEN = "POST /oauth/client_credential/accesstoken"
GRIP_TOKEN = "POST /v2/{tenantId}/oidc/idp/c1/token"


def _session(server: EmulatorServer, tmp_path: Path) -> KPNSession:
    options = SessionOptions(target="emulator", emulator_url=server.base_url, cassette_dir=tmp_path)
    return KPNSession(load_config(start=Path(__file__).parent), options, env={})


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings.from_environment({})) as server:
        yield server


def test_hundred_calls_per_profile_make_one_token_request_per_api_key(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    session = _session(emulator, tmp_path)
    try:
        with (
            session.client("things") as things,
            session.client("things-subcustomer", subcustomer=False) as owner,
        ):
            for _ in range(100):
                assert things.get("/api/devices", headers=DEVICES).status_code == 200
            for _ in range(100):
                assert owner.get("/api/devices", headers=DEVICES).status_code == 200
        for profile in ("sandbox", "project"):
            for _ in range(100):
                assert session.token(profile).access_token
    finally:
        session.close()
    requests = emulator.stats()["requests"]
    assert requests["GET /api/devices"] == 200
    # things and things-subcustomer share one API key (the same GRIP key ID), so one GRIP token in all.
    assert requests[GRIP_TOKEN] == 1
    assert requests[GATEWAY_TOKEN] == 2  # sandbox and project are two API keys


def test_token_expiring_mid_session_is_renewed_without_a_failed_call(tmp_path: Path) -> None:
    settings = EmulatorSettings.from_environment({})
    settings.grip_token_lifetime = 2
    with EmulatorServer(settings) as server:
        session = _session(server, tmp_path)
        try:
            with session.client("things") as things:
                statuses = []
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    statuses.append(things.get("/api/devices", headers=DEVICES).status_code)
                    time.sleep(0.1)
        finally:
            session.close()
        requests = server.stats()["requests"]
    assert set(statuses) == {200}
    # Renewed before expiry (at least once), yet still reused between renewals.
    assert 2 <= requests[GRIP_TOKEN] < len(statuses) / 2
    assert "GET /api/devices" in requests
