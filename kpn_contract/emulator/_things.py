"""KPN Things: list devices, the sub-customer context switch, and downlinks (KPN-FACTS §2).

Auth failures answer **302** to a login page, as KPN documents; a valid token without access rights
to the ``x-client-id`` sub-customer answers 403; a wrong ``Accept`` header, body or query parameter
answers 400 with Spring Boot's error envelope.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from kpn_contract.emulator._devices import MAX_PAGE_SIZE, SORTABLE_FIELDS, DeviceQuery, build_page
from kpn_contract.emulator._echo import echo, header
from kpn_contract.emulator._state import IssuedToken
from kpn_contract.emulator._tokens import emulator_state, expire_early_seconds
from kpn_contract.emulator._variant import CONTEXT_SWITCH, apply_next_to_device_page, next_status

__all__ = [
    "ACTUATOR_MEDIA_TYPE",
    "DEVICE_MEDIA_TYPE",
    "LOGIN_PATH",
    "context_switch",
    "downlink",
    "list_devices",
    "login_page",
]

DEVICE_MEDIA_TYPE: Final = "application/vnd.kpnthings.device.v1.response+json"
ACTUATOR_MEDIA_TYPE: Final = "application/vnd.kpnthings.actuator.v1.response+json"
LOGIN_PATH: Final = "/login"
_DEV_EUI_URN = re.compile(r"urn:dev:DEVEUI:([0-9A-Fa-f]{16}):")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_INTEGER = re.compile(r"[+-]?\d+")
_MAX_FPORT = 223  # LoRaWAN application ports are 1..223


class _DeniedError(Exception):
    """Carries the response that ends a request early (auth, rights, validation)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def spring_error(request: Request, status: int, message: str) -> JSONResponse:
    """Spring Boot's default error body, which KPN Things answers with."""
    body = {
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "path": echo(request.url.path),  # Spring's shape; a registered value in the path never comes back
    }
    return JSONResponse(body, status)


def _caller(request: Request) -> IssuedToken:
    """The GRIP token row of this request; a 302 to the login page when it is missing, unknown or expired."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    row = emulator_state(request).lookup(token.strip() if scheme.lower() == "bearer" else None)
    now = time.monotonic()
    early = expire_early_seconds(request)
    if (
        row is None
        or row.kind != "grip"
        or now >= row.expires_at
        or (early is not None and now - row.issued_at >= early)
    ):
        raise _DeniedError(Response(status_code=302, headers={"location": LOGIN_PATH}))
    return row


def _subcustomer(request: Request, caller: IssuedToken) -> str | None:
    """The ``x-client-id`` sub-customer, checked against the rights of the caller's API key."""
    customer = header(request, "x-client-id")
    if customer is None:
        return None
    state = emulator_state(request)
    if customer not in state.settings.subcustomers or not state.is_granted(caller.key_id, customer):
        raise _DeniedError(
            spring_error(
                request, 403, f"API key has no access rights to customer '{echo(customer)}' (x-client-id)"
            )
        )
    return customer


def _require_accept(request: Request, media_type: str) -> None:
    """400 unless the Accept header admits ``media_type``, read as the toolkit's ``request.accept`` reads it.

    No Accept, ``*/*`` and ``application/*`` admit the type (RFC 9110 §12.5.1), so Spring serves them
    the operation's one produced type [?]; KPN documents the 400 for a wrong Accept.
    """
    from kpn_contract.contract.request_validation import accept_met

    if not accept_met(request.headers.get("accept", ""), (media_type,)):
        raise _DeniedError(spring_error(request, 400, f"the Accept header must be {media_type}"))


def _integer(request: Request, name: str, default: int | None, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise _DeniedError(spring_error(request, 400, f"required query parameter {name!r} is missing"))
        return default
    if not _INTEGER.fullmatch(raw.strip()):
        raise _DeniedError(
            spring_error(request, 400, f"query parameter {name!r} must be an integer, got '{echo(raw)}'")
        )
    value = int(raw)
    if not minimum <= value <= maximum:
        raise _DeniedError(
            spring_error(request, 400, f"query parameter {name!r} must be between {minimum} and {maximum}")
        )
    return value


def _device_query(request: Request) -> DeviceQuery:
    sort_by = request.query_params.get("sortBy", "name")
    if sort_by not in SORTABLE_FIELDS:
        raise _DeniedError(
            spring_error(request, 400, f"sortBy '{echo(sort_by)}' is not one of {', '.join(SORTABLE_FIELDS)}")
        )
    sort_order = request.query_params.get("sortOrder", "ASC")
    if sort_order.upper() not in ("ASC", "DESC"):
        raise _DeniedError(spring_error(request, 400, f"sortOrder '{echo(sort_order)}' must be ASC or DESC"))
    return DeviceQuery(
        current_page=_integer(request, "currentPage", 0, 0, 2**31 - 1),
        page_size=_integer(request, "pageSize", 20, 1, MAX_PAGE_SIZE),
        search=request.query_params.get("search"),
        sort_by=sort_by,
        sort_order=sort_order.upper(),
    )


async def list_devices(request: Request) -> Response:
    """``GET /api/devices``: a page of the caller's (or the sub-customer's) seeded devices."""
    try:
        caller = _caller(request)
        customer = _subcustomer(request, caller)
        _require_accept(request, DEVICE_MEDIA_TYPE)
        query = _device_query(request)
    except _DeniedError as denied:
        return denied.response
    state = emulator_state(request)
    page = build_page(state.devices(customer), query)
    if state.settings.variant == "next":
        page = apply_next_to_device_page(page)
    return JSONResponse(page, media_type=DEVICE_MEDIA_TYPE)


async def context_switch(request: Request) -> Response:
    """``POST /api/v1/lifecycle/clients/{customerId}/context-switch``: grant the caller's API key access
    rights to an existing sub-customer. An unknown customer answers 403, like any resource the key
    may not use (a 404 would tell a caller which customer ids exist)."""
    try:
        caller = _caller(request)
    except _DeniedError as denied:
        return denied.response
    state = emulator_state(request)
    customer = request.path_params["customerId"]
    if customer not in state.settings.subcustomers:
        message = f"customer '{echo(customer)}' is not a sub-customer of this account"
        return spring_error(request, 403, message)
    state.grant(caller.key_id, customer)
    status = 200
    if state.settings.variant == "next":
        status = next_status(CONTEXT_SWITCH, status)
    # An empty answer to an empty request; specs/kpn-things/kpn-things-beta.yaml relies on no body.
    return Response(status_code=status)


def _downlink_records(request: Request, raw: bytes) -> list[dict[str, str]]:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _DeniedError(spring_error(request, 400, "the body is not JSON")) from None
    if not isinstance(body, list) or not body:
        raise _DeniedError(spring_error(request, 400, "the body must be a non-empty SenML array"))
    for index, record in enumerate(body):
        if not isinstance(record, dict):
            raise _DeniedError(spring_error(request, 400, f"/{index}: a SenML record must be an object"))
        if not isinstance(record.get("bn"), str) or not _DEV_EUI_URN.fullmatch(record["bn"]):
            raise _DeniedError(
                spring_error(request, 400, f"/{index}/bn must be 'urn:dev:DEVEUI:{{16 hex}}:'")
            )
        if record.get("n") != "payloadHex":
            raise _DeniedError(spring_error(request, 400, f"/{index}/n must be 'payloadHex'"))
        if not isinstance(record.get("vs"), str) or not _HEX.fullmatch(record["vs"]):
            raise _DeniedError(
                spring_error(request, 400, f"/{index}/vs must be an even number of hex digits")
            )
    return body


async def downlink(request: Request) -> Response:
    """``POST /api/actuator/downlinks?port=&externalReference=`` with a SenML ``payloadHex`` body."""
    try:
        caller = _caller(request)
        _subcustomer(request, caller)
        _require_accept(request, ACTUATOR_MEDIA_TYPE)
        port = _integer(request, "port", None, 1, _MAX_FPORT)
        records = _downlink_records(request, await request.body())
    except _DeniedError as denied:
        return denied.response
    messages = [
        {"devEUI": record["bn"].split(":")[3].upper(), "payloadHex": record["vs"]} for record in records
    ]
    result = {
        "externalReference": request.query_params.get("externalReference"),
        "port": port,
        "status": "QUEUED",
        "messages": messages,
    }
    return JSONResponse(result, 200, media_type=ACTUATOR_MEDIA_TYPE)


async def login_page(request: Request) -> Response:
    """Where the 302 points: a login page, as a client that wrongly follows the redirect would see."""
    del request
    return HTMLResponse("<!doctype html><title>KPN Things - log in</title><form><h1>Log in</h1></form>")
