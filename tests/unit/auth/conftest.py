"""Shared pieces of the auth tests: planted credentials, documented bodies and a scriptable fake KPN."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kpn_contract.config.profiles import DEFAULT_PROFILES, Credentials, Profile
from kpn_contract.redact import forget_secrets
from kpn_contract.transport.retry import RetryPolicy

# Planted values: tests assert that none of them ever reaches a log, repr or message.
SANDBOX_ID = "planted-sandbox-client-id-1111"
SANDBOX_SECRET = "planted-sandbox-client-secret-2222"
TENANT = "planted-grip-tenant-3333"
GRIP_ID = "planted-grip-key-id-4444"
GRIP_SECRET = "planted-grip-key-secret-5555"
SUBCUSTOMER = "planted-subcustomer-6666"
PLANTED = (SANDBOX_ID, SANDBOX_SECRET, TENANT, GRIP_ID, GRIP_SECRET, SUBCUSTOMER)


def gateway_body(access_token: str = "staG765sBUuai4OMeZiTful6PTRt", **overrides: Any) -> dict[str, Any]:
    """The documented all-strings 200 body of the gateway token endpoint."""
    body: dict[str, Any] = {
        "refresh_token_expires_in": "0",
        "api_product_list": "[xxxxxx]",
        "organization_name": "kpn",
        "developer_email": "demo123@kpn.com",
        "token_type": "Bearer",
        "issued_at": "1587458037687",
        "client_id": "APP_CLIENT_ID",
        "access_token": access_token,
        "application_name": "test_application",
        "level": "demo",
        "scope": "",
        "expires_in": "3599",
        "refresh_token": "",
        "refresh_count": "0",
        "status": "approved",
    }
    body.update(overrides)
    return body


def json_response(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json", **headers}
    )


@dataclass
class FakeKPN:
    """A MockTransport handler: token endpoints issue numbered tokens; API paths answer by a script."""

    api: Callable[[httpx.Request, FakeKPN], httpx.Response] | None = None
    token_failures: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    # Header values at the moment of each API call (a retried request is the same, mutated, object).
    api_authorizations: list[str] = field(default_factory=list)
    issued: int = 0
    lifetime: str = "3599"

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if "token" in r.url.path]

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if "token" not in r.url.path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if "token" in request.url.path:
            if self.token_failures:
                return self.token_failures.pop(0)
            self.issued += 1
            return json_response(
                200, gateway_body(f"issued-token-{self.issued:04d}-xyz", expires_in=self.lifetime)
            )
        assert self.api is not None, f"unexpected API call {request.url}"
        self.api_authorizations.append(request.headers.get("authorization", ""))
        return self.api(request, self)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@pytest.fixture
def planted() -> Iterator[tuple[str, ...]]:
    forget_secrets()
    yield PLANTED
    forget_secrets()


@pytest.fixture
def sandbox() -> Profile:
    return DEFAULT_PROFILES["sandbox"]


@pytest.fixture
def things() -> Profile:
    return DEFAULT_PROFILES["things"]


@pytest.fixture
def sandbox_creds(planted: tuple[str, ...]) -> Credentials:
    del planted
    return Credentials("sandbox", SANDBOX_ID, SANDBOX_SECRET)


@pytest.fixture
def things_creds(planted: tuple[str, ...]) -> Credentials:
    del planted
    return Credentials("things", GRIP_ID, GRIP_SECRET, tenant_id=TENANT, subcustomer_id=SUBCUSTOMER)


@dataclass
class Sleeps:
    """An injected sleep that records the waits instead of waiting."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(attempts=4, initial=0.2, maximum=5.0, sleep=sleeps, async_sleep=sleeps.asleep)
