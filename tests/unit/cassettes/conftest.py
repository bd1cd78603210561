"""Helpers for the cassette tests: a scriptable fake KPN origin behind httpx.MockTransport."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

Handler = Callable[[httpx.Request], httpx.Response]

GATEWAY_TOKEN_URL = (
    "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials"
)
DEVICES_URL = "https://api.kpnthings.com/api/devices"


class FakeOrigin:
    """Answers like the KPN hosts would, counting calls; every response differs per call number."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.tokens: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        self.calls[key] += 1
        n = self.calls[key]
        if request.url.path.endswith("/token") or request.url.path.endswith("/accesstoken"):
            token = f"token-{n}-{request.url.host}-abcdefgh"
            self.tokens.append(token)
            return httpx.Response(
                200, json={"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
            )
        body = {"path": request.url.path, "query": request.url.query.decode(), "call": n}
        if request.content:
            body["echo"] = json.loads(request.content) if request.content[:1] in (b"{", b"[") else "form"
        return httpx.Response(200, json=body, headers={"x-call": str(n)})

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture
def origin() -> FakeOrigin:
    return FakeOrigin()


@pytest.fixture
def cassette_file(tmp_path: Path) -> Path:
    return tmp_path / "cassettes" / "test.yaml"
