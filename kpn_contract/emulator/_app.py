"""The emulator's ASGI application: every live path of KPN on one origin, plus ``/_emulator/*``.

Request counting and fault injection happen in :class:`_EmulatorApp` itself, outside Starlette's
own middleware, because two faults need uvicorn's connection (to drop it, or to close it after a
partial body) and Starlette's error middleware hides it behind a wrapped ``send``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route, request_response

from kpn_contract.emulator._echo import undecodable_header
from kpn_contract.emulator._faults import Fault, FaultRule, make_rule, parse_fault_spec
from kpn_contract.emulator._limits import capped_receive
from kpn_contract.emulator._products import ProductCatalog, product_call
from kpn_contract.emulator._request_errors import header_rejection
from kpn_contract.emulator._scopes import ScopeTable
from kpn_contract.emulator._settings import EmulatorSettings
from kpn_contract.emulator._state import EmulatorState
from kpn_contract.emulator._things import LOGIN_PATH, context_switch, downlink, list_devices, login_page
from kpn_contract.emulator._things_api import read_routes
from kpn_contract.emulator._things_writes import WRITE_ROUTES
from kpn_contract.emulator._tokens import emulator_state, gateway_token, grip_token, msm_token
from kpn_contract.errors import UsageError

__all__ = ["ADMIN_PREFIX", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ADMIN_PREFIX: Final = "/_emulator/"
_ALL_METHODS: Final = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_DISCONNECT_WAIT: Final = 2.0
_CONVERTOR: Final = re.compile(r"\{(\w+):\w+\}")


# -- /_emulator/* ------------------------------------------------------------------------------------
async def _stats(request: Request) -> Response:
    return JSONResponse(emulator_state(request).stats())


async def _reset(request: Request) -> Response:
    emulator_state(request).reset()
    request.app.state.products.reset()
    return JSONResponse({"reset": True})


def _faults_body(request: Request) -> JSONResponse:
    return JSONResponse({"faults": [rule.to_dict() for rule in emulator_state(request).faults.snapshot()]})


async def _list_faults(request: Request) -> Response:
    return _faults_body(request)


def _rules_from(body: Any) -> list[FaultRule]:
    if not isinstance(body, dict):
        raise UsageError("the body must be a JSON object")
    if "spec" in body or "specs" in body:
        return [parse_fault_spec(str(spec)) for spec in body.get("specs") or [body.get("spec")]]
    if "endpoint" not in body or "fault" not in body:
        raise UsageError("a fault needs 'endpoint' and 'fault' (or 'spec')")
    params = {k: v for k, v in body.items() if k not in ("endpoint", "fault", "times")}
    return [make_rule(str(body["endpoint"]), str(body["fault"]), times=body.get("times"), **params)]


async def _add_faults(request: Request) -> Response:
    """Body: ``{"spec": "GET /api/devices=500"}``, ``{"specs": [...]}``, or
    ``{"endpoint": "GET /api/devices", "fault": "latency", "times": 2, "seconds": 0.5}``."""
    try:
        rules = _rules_from(json.loads(await request.body()))
    except json.JSONDecodeError:
        return JSONResponse({"error": "the body is not JSON"}, 400)
    except UsageError as error:
        return JSONResponse({"error": error.message}, 400)
    for rule in rules:
        emulator_state(request).faults.add(rule)
    response = _faults_body(request)
    response.status_code = 201
    return response


async def _clear_faults(request: Request) -> Response:
    emulator_state(request).faults.clear()
    return _faults_body(request)


# -- fault application --------------------------------------------------------------------------------
async def _send_simple(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _drop_connection(scope: Scope, *, abort: bool) -> None:
    """Close (after flushing) or abort uvicorn's connection, and wait until uvicorn has noticed."""
    cycle = scope.get("kpn.cycle")
    transport = getattr(cycle, "transport", None)
    if cycle is None or transport is None:
        # Not under uvicorn (e.g. httpx.ASGITransport): the nearest a client can observe is an error.
        raise ConnectionAbortedError("emulator fault: connection dropped")
    if abort:
        transport.abort()
    else:
        transport.close()
    deadline = time.monotonic() + _DISCONNECT_WAIT
    while not getattr(cycle, "disconnected", True) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


class _EmulatorApp(Starlette):
    """Starlette, plus per-request counting and fault injection around it."""

    catch_all: BaseRoute

    def _template(self, scope: Scope) -> str:
        for route in self.router.routes:
            if route is self.catch_all:
                continue
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                # "{tenantId:path}" counts and matches faults as "{tenantId}", like every other parameter.
                return _CONVERTOR.sub(r"{\1}", str(getattr(route, "path", scope["path"])))
        catalog: ProductCatalog = self.state.products
        found = catalog.match(scope["method"], scope["path"])
        return found[2] if found else str(scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (bad := undecodable_header(scope.get("headers", []))) is not None:
            found = self.state.products.match(scope["method"], scope["path"])
            if found is not None:  # a product's refusal takes the error shape its operation declares
                answer = header_rejection(found[0], found[2], scope["method"], scope["path"], bad)
                await answer(scope, receive, send)
                return
            body = {
                "status": 400,
                "error": "Bad Request",
                "message": f"request header {bad} is not UTF-8 text",
            }
            await _send_simple(send, 400, json.dumps(body).encode(), {"content-type": "application/json"})
            return
        if scope["type"] == "http":
            capped = await capped_receive(scope, receive, send)  # 413 past the cap, memory bounded
            if capped is None:
                return
            receive = capped
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await super().__call__(scope, receive, send)
            return
        state: EmulatorState = self.state.emulator
        method, path = scope["method"], scope["path"]
        template = self._template(scope)
        state.count(f"{method} {template}")
        rules = state.faults.take(method, template, path)
        # uvicorn's send is a bound method of its request cycle, which owns the connection.
        scope["kpn.cycle"] = getattr(send, "__self__", None)
        terminal: FaultRule | None = None
        for rule in rules:
            if rule.fault is Fault.LATENCY:
                await asyncio.sleep(rule.seconds or 0)
            else:
                terminal = rule
        if terminal is None:
            await super().__call__(scope, receive, send)
        else:
            await self._inject(terminal, scope, receive, send)

    async def _capture(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await super().__call__(scope, receive, keep)
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        return int(start["status"]), headers, body

    async def _inject(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        fault = rule.fault
        if fault is Fault.EXPIRE_EARLY:
            scope.setdefault("state", {})["kpn_expire_early"] = rule.seconds
            await super().__call__(scope, receive, send)
        elif fault is Fault.STATUS:
            status = rule.status or 503
            body = {"error": "emulator fault", "status": status, "message": HTTPStatus(status).phrase}
            await _send_simple(send, status, json.dumps(body).encode(), {"content-type": "application/json"})
        elif fault is Fault.HTML:
            status = rule.status or 502
            phrase = f"{status} {HTTPStatus(status).phrase}"
            page = f"<html><head><title>{phrase}</title></head><body><h1>{phrase}</h1></body></html>"
            await _send_simple(send, status, page.encode(), {"content-type": "text/html; charset=utf-8"})
        elif fault is Fault.RATE_LIMIT:
            quota = {"fault": {"faultstring": "Rate limit quota violation. Quota limit exceeded.",
                               "detail": {"errorcode": "policies.ratelimit.QuotaViolation"}}}  # fmt: skip
            headers = {"content-type": "application/json", "retry-after": str(rule.retry_after or 0)}
            await _send_simple(send, 429, json.dumps(quota).encode(), headers)
        elif fault is Fault.RESET:
            await _drop_connection(scope, abort=True)
        elif fault is Fault.MALFORMED_JSON:
            await self._malformed(scope, receive, send)
        elif fault is Fault.TRUNCATED:
            await self._truncated(scope, receive, send)

    async def _malformed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The real response with its body cut in half: the bytes are no longer valid JSON."""
        status, raw_headers, body = await self._capture(scope, receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
        if not body:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            headers["content-type"] = "application/json"
        broken = body[: len(body) // 2] if len(body) > 1 else b'{"'
        await _send_simple(send, status, broken, headers)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Promise the whole body in Content-Length, send half of it, and close the connection."""
        status, raw_headers, body = await self._capture(scope, receive)
        promised = max(len(body), 16)
        start = [*raw_headers, (b"content-length", str(promised).encode())]
        await send({"type": "http.response.start", "status": status, "headers": start})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await _drop_connection(scope, abort=False)


async def _fixed_route_or_product(request: Request) -> Response:
    """A known path with an unserved method answers 405; any other path is a product or a 404.

    The 405 with ``Allow`` is what KPN Things' Spring stack would answer [?]; it is not documented.
    """
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if route is request.app.catch_all or not isinstance(route, Route):
            continue
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE and route.methods:
            allowed |= route.methods
    if allowed and request.method not in allowed:
        return JSONResponse(
            {"status": 405, "error": "Method Not Allowed"},  # no path: it may hold a secret
            405,
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    return await product_call(request)


def create_app(settings: EmulatorSettings | None = None) -> Starlette:
    """The emulator as an ASGI application (serve it with uvicorn, or use :class:`EmulatorServer`)."""
    settings = settings or EmulatorSettings()
    catch_all = Route("/{path:path}", _fixed_route_or_product, methods=_ALL_METHODS)
    routes = [
        Route("/_emulator/stats", _stats, methods=["GET"]),
        Route("/_emulator/reset", _reset, methods=["POST"]),
        Route("/_emulator/faults", _list_faults, methods=["GET"]),
        Route("/_emulator/faults", _add_faults, methods=["POST"]),
        Route("/_emulator/faults", _clear_faults, methods=["DELETE"]),
        Route("/oauth/client_credential/accesstoken", gateway_token, methods=["POST"]),
        Route("/oauth/grip/msm/accesstoken", msm_token, methods=["POST"]),
        # :path, because the tenant arrives percent-decoded and may hold a "/" (%2F on the wire).
        Route("/v2/{tenantId:path}/oidc/idp/c1/token", grip_token, methods=["POST"]),
        Route("/v2/{tenantId:path}/oidc/idp/token", grip_token, methods=["POST"]),
        Route("/api/v3/idp/oidc/token", grip_token, methods=["POST"]),
        Route("/api/devices", list_devices, methods=["GET"]),
        Route("/api/v1/lifecycle/clients/{customerId}/context-switch", context_switch, methods=["POST"]),
        Route("/api/actuator/downlinks", downlink, methods=["POST"]),
        Route(LOGIN_PATH, login_page, methods=["GET"]),
        *read_routes(),  # KPN Things' new API
        *WRITE_ROUTES,
        catch_all,
    ]
    app = _EmulatorApp(routes=routes)
    app.catch_all = catch_all
    # The catch-all's ".*" does not match a decoded newline (a path holding %0A): such paths reach
    # the same handler instead of Starlette's plain-text 404.
    app.router.default = request_response(_fixed_route_or_product)
    app.state.emulator = EmulatorState(settings)
    app.state.products = ProductCatalog(
        settings.spec_dir, remember_deletions=settings.remember_deletions, extra_specs=settings.extra_specs
    )
    app.state.product_names = app.state.products.names
    app.state.scope_table = ScopeTable(app.state.products.index)
    if settings.scopes is not None:
        settings.scopes = app.state.scope_table.check_known(settings.scopes)
    return app
