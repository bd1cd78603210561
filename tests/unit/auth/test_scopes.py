"""Scopes: what a token carries, what a 403 says is missing, and KPNAuth naming it (real emulator)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from kpn_contract.auth import KPNAuth, TokenCache, provider_for
from kpn_contract.auth.scopes import insufficient_scope, scopes_from_claims, token_scopes
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.errors import MissingScopeError

from .test_emulator import at, demo


def _jwt(claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("token", "body", "expected"),
    [
        (_jwt({"scope": "a.read b.read"}), {}, {"a.read", "b.read"}),
        (_jwt({"scp": ["a.read"]}), {}, {"a.read"}),
        (_jwt({"scope": "a.read"}), {"scope": "b.read"}, {"b.read"}),  # the response wins
        (_jwt({"scope": ""}), {}, set()),
        (_jwt({"sub": "x"}), {}, None),
        ("opaque-token-without-dots", {}, None),
        ("a.!!!.c", {}, None),
        (_jwt({"scope": 42}), {}, None),
    ],
)
def test_token_scopes(token: str, body: dict[str, object], expected: set[str] | None) -> None:
    found = token_scopes(token, body)
    assert (set(found) if found is not None else None) == expected


def test_scopes_from_claims_needs_three_parts() -> None:
    assert scopes_from_claims("a.b") is None


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (403, 'Bearer error="insufficient_scope", scope="device.read"', ("device.read",)),
        (403, 'Bearer realm="x", scope="a b", error="insufficient_scope"', ("a", "b")),
        (403, "Bearer error=insufficient_scope", ()),
        (403, 'Bearer error="invalid_token"', None),
        (403, 'Basic realm="x"', None),
        (401, 'Bearer error="insufficient_scope", scope="a"', None),
        (403, "", None),
    ],
)
def test_insufficient_scope(status: int, header: str, expected: tuple[str, ...] | None) -> None:
    headers = {"www-authenticate": header} if header else {}
    assert insufficient_scope(httpx.Response(status, headers=headers)) == expected


@pytest.fixture(scope="module")
def project_reader() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings(scopes=frozenset({"project.read"}))) as server:
        yield server


def test_kpnauth_names_the_missing_scope_without_retrying(project_reader: EmulatorServer) -> None:
    profile = at(project_reader, "things")
    creds = demo(profile)
    auth = KPNAuth(provider_for(profile, creds), TokenCache(margin=60))
    with httpx.Client(base_url=profile.base_url, auth=auth, timeout=5) as client:
        assert client.get("/projects").status_code == 200
        with pytest.raises(MissingScopeError) as info:
            client.get("/devices")
    assert info.value.missing == ("device.read",)
    assert info.value.status == 403
    assert "lacks the scope device.read" in str(info.value)
    assert "GET /devices" in str(info.value)
    for secret in creds.secret_values():
        assert secret not in str(info.value)
    # One token request only: a new token of the same key would carry the same scopes.
    assert sum(n for k, n in project_reader.stats()["requests"].items() if "token" in k) == 1


def test_redaction_keeps_a_challenge_and_still_hides_a_token() -> None:
    from kpn_contract.redact import redact

    challenge = 'Bearer error="insufficient_scope", scope="device.read"'
    assert redact(f"www-authenticate: {challenge}") == f"www-authenticate: {challenge}"
    assert redact('Bearer realm="kpn-things"') == 'Bearer realm="kpn-things"'
    # Prose about bearer tokens stays readable; a credential after "Bearer" still goes.
    assert redact("the bearer token has expired") == "the bearer token has expired"
    assert redact("Authorization: Bearer tokenized.abc-123") == "Authorization: Bearer REDACTED"
    assert redact("Authorization: Bearer token.abc-123") == "Authorization: Bearer REDACTED"
    planted = _jwt({"scope": "device.read", "sub": "planted-subject-7f3a"})
    assert planted not in redact(f"authorization: Bearer {planted}")
    assert redact("Bearer errorless-token-value") == "Bearer REDACTED"
