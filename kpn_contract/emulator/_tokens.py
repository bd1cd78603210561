"""The token endpoints: the API Store gateway (and its MSM variant) and GRIP, per tenant.

Bodies and statuses follow KPN-FACTS §1-2. Where KPN documents only the text of an error (GRIP),
the status and envelope follow the toolkit's ``specs/grip-token.yaml``: 401 ``invalid_client`` for
a wrong key, a wrong audience or a key without the KPN Things service, 404 ``invalid_request`` for
an unknown tenant, each with the documented text in ``error_description``; 400 only for a request
that is malformed (not a JSON object, another grant type, a missing field).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from typing import Any, Final
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from kpn_contract.config import _demo
from kpn_contract.emulator._echo import echo, header
from kpn_contract.emulator._settings import GripKey
from kpn_contract.emulator._state import EmulatorState

__all__ = [
    "GRIP_SERVICE_MISSING",
    "GRIP_TENANT_UNKNOWN",
    "GRIP_USER_UNKNOWN",
    "gateway_token",
    "grip_token",
    "msm_token",
]

GRIP_USER_UNKNOWN: Final = "Feature user does not exist anymore."
GRIP_SERVICE_MISSING: Final = "Feature service does not exist anymore."
GRIP_TENANT_UNKNOWN: Final = 'SAML request error: "idpId" not found.'
DEVELOPER_EMAIL: Final = "developer@kpn-emulator.invalid"
MSM_INVALID_CLIENT: Final = "invalid_client-invalid_client_id: ClientId is Invalid"
# The v3 token URL has no tenant in its path: the tenant comes from this header, else the body's
# tenant_id, else the API key's own tenant.
TENANT_HEADER: Final = "x-tenant-id"


def emulator_state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def expire_early_seconds(request: Request) -> float | None:
    """The lifetime an ``expire-early`` fault imposes on this request, if one matched it."""
    value = request.scope.get("state", {}).get("kpn_expire_early")
    return float(value) if value is not None else None


def _gateway_error(status: int, text: str) -> JSONResponse:
    return JSONResponse(
        {"ErrorCode": "invalid_request" if status == 400 else "invalid_client", "Error": text}, status
    )


async def _form(request: Request) -> dict[str, str]:
    # Parsed here rather than with request.form(), which needs python-multipart even for urlencoded bodies.
    try:
        body = await request.body()
    except ClientDisconnect:  # the client gave up (a latency fault outlived its timeout): nothing to answer
        body = b""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


async def _gateway_client(request: Request) -> tuple[str | None, Response | None]:
    """The authenticated client id, or the error response the gateway gives."""
    grant_type = request.query_params.get("grant_type")
    if grant_type is None:
        return None, _gateway_error(400, "Required param : grant_type")
    if grant_type != "client_credentials":
        return None, _gateway_error(400, f"Unsupported grant type : {echo(grant_type)}")
    form = await _form(request)
    client_id, secret = form.get("client_id"), form.get("client_secret")
    basic = _basic_credentials(request)
    if not client_id and basic:
        client_id, secret = basic
    if not client_id:
        return None, _gateway_error(400, "The request is missing a required parameter : client_id")
    expected = emulator_state(request).settings.api_store_clients.get(client_id)
    if expected is None or not secrets.compare_digest(expected.encode(), (secret or "").encode()):
        return None, _gateway_error(401, "ClientId is Invalid")
    return client_id, None


def _gateway_payload(request: Request, client_id: str) -> dict[str, str]:
    state = emulator_state(request)
    lifetime = state.settings.gateway_token_lifetime
    early = expire_early_seconds(request)
    token = state.issue("gateway", client_id, early if early is not None else lifetime)
    products: list[str] = request.app.state.product_names
    # Every value a string, as documented; issued_at in epoch milliseconds.
    return {
        "refresh_token_expires_in": "0",
        "api_product_list": f"[{', '.join(products)}]",
        "organization_name": "kpn",
        "developer_email": DEVELOPER_EMAIL,
        "token_type": "Bearer",
        "issued_at": str(int(time.time() * 1000)),
        "client_id": client_id,
        "access_token": token,
        "application_name": "kpn-contract-emulator",
        "level": "demo",
        "scope": "",
        "expires_in": str(lifetime),
        "refresh_token": "",
        "refresh_count": "0",
        "status": "approved",
    }


async def gateway_token(request: Request) -> Response:
    """``POST /oauth/client_credential/accesstoken?grant_type=client_credentials``."""
    client_id, error = await _gateway_client(request)
    if error is not None or client_id is None:
        return error or _gateway_error(401, "ClientId is Invalid")
    return JSONResponse(_gateway_payload(request, client_id))


async def msm_token(request: Request) -> Response:
    """``POST /oauth/grip/msm/accesstoken``: bad credentials answer 500, the text ``invalid_client-…``."""
    client_id, error = await _gateway_client(request)
    if error is not None and error.status_code == 401:
        body = {"ErrorCode": "invalid_client", "Error": MSM_INVALID_CLIENT}
        return JSONResponse(body, 500)
    if error is not None or client_id is None:
        return error or _gateway_error(401, "ClientId is Invalid")
    return JSONResponse(_gateway_payload(request, client_id))


def _grip_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status)


async def _grip_body(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return await _form(request)
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def grip_token(request: Request) -> Response:
    """GRIP machine authentication, ``POST /v2/{tenantId}/oidc/idp/c1/token`` and its two other forms."""
    state = emulator_state(request)
    body = await _grip_body(request)
    if body is None:
        return _grip_error(
            400,
            "invalid_request",
            "the body must be a JSON object with grant_type, audience, client_id, client_secret",
        )
    tenant = request.path_params.get("tenantId") or header(request, TENANT_HEADER) or body.get("tenant_id")
    if tenant is None:
        # The v3 URL without a tenant: the key itself tells (an unknown key then fails as a wrong key).
        named = state.settings.grip_keys.get(str(body.get("client_id")))
        tenant = named.tenant_id if named is not None else next(iter(state.settings.tenants), None)
    if tenant not in state.settings.tenants:
        return unknown_tenant()
    if body.get("grant_type") != "client_credentials":
        return _grip_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    missing = [name for name in ("audience", "client_id", "client_secret") if not body.get(name)]
    if missing:
        return _grip_error(400, "invalid_request", f"missing required field(s): {', '.join(missing)}")
    key_id, secret = str(body["client_id"]), str(body["client_secret"])
    key = state.settings.grip_keys.get(key_id)
    if (
        key is None
        or key.tenant_id != tenant
        or not secrets.compare_digest(key.secret.encode(), secret.encode())
    ):
        return _grip_error(401, "invalid_client", GRIP_USER_UNKNOWN)
    # A wrong audience names a service the key does not have: GRIP answers as for a missing service.
    if not key.things_service or body["audience"] != _demo.KPN_THINGS_APPLICATION_ID:
        return _grip_error(401, "invalid_client", GRIP_SERVICE_MISSING)
    lifetime = state.settings.grip_token_lifetime
    early = expire_early_seconds(request)
    scopes = token_scopes(request, key)
    token = state.issue("grip", key_id, early if early is not None else lifetime, tenant, scopes)
    # RFC 6749 §5.1: the granted scopes, space-separated (THINGS-DECISIONS "Token scopes" [?]).
    body = {
        "access_token": token,
        "expires_in": lifetime,
        "token_type": "Bearer",
        "scope": " ".join(sorted(scopes)),
    }
    return JSONResponse(body)


def unknown_tenant() -> JSONResponse:
    """A tenant id that names no GRIP tenant: 404, with GRIP's documented text.

    GRIP documents the text (``SAML request error: "idpId" not found.``), not the status [?]. The
    text says "not found" and the tenant is a path segment, so specs/grip-token.yaml declares 404:
    a well-formed request for a tenant that does not exist is a not-found, not a malformed request
    (a 400 would refuse a request the schema allows, and stock schemathesis reports that, ST202).
    """
    return _grip_error(404, "invalid_request", GRIP_TENANT_UNKNOWN)


def token_scopes(request: Request, key: GripKey) -> frozenset[str]:
    """What a token of ``key`` carries: the key's own scopes, else the emulator's, else every scope."""
    if key.scopes is not None:
        return key.scopes
    settings = emulator_state(request).settings
    if settings.scopes is not None:
        return settings.scopes
    table: Any = request.app.state.scope_table
    return frozenset(table.all_scopes)
