"""Bearer tokens and scopes of the new KPN Things API (THINGS-DECISIONS "Auth failures", "Token scopes").

The scope an operation requires is read from the specs the emulator serves (``Operation.scopes``,
found with the one operation lookup, :class:`~kpn_contract.contract.specs.SpecIndex`), so the
emulator cannot drift from the contract. A bad, expired or absent token is a 401 with
``WWW-Authenticate: Bearer``; a token without the operation's scope is a 403 with
``WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`` (RFC 6750 §3). Error bodies are
``application/problem+json`` (RFC 9457).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from kpn_contract.emulator._state import IssuedToken
from kpn_contract.emulator._tokens import emulator_state, expire_early_seconds
from kpn_contract.errors import UsageError

if TYPE_CHECKING:
    from kpn_contract.contract.model import Operation
    from kpn_contract.contract.specs import SpecIndex

__all__ = ["THINGS_HOST", "DeniedError", "ScopeTable", "authorize", "problem"]

THINGS_HOST: Final = "api.kpnthings.com"
PROBLEM_JSON: Final = "application/problem+json"


class DeniedError(Exception):
    """Carries the response that ends a new-API request early (auth, scope, validation, not found)."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An RFC 9457 problem body; ``type`` about:blank, so ``title`` is the status phrase."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return JSONResponse(body, status, headers=headers, media_type=PROBLEM_JSON)


class ScopeTable:
    """``"METHOD /path"`` -> the scopes its security requirement lists, for the KPN Things specs."""

    def __init__(self, index: SpecIndex | None) -> None:
        self.operations: dict[str, Operation] = {}
        for spec in index.specs if index is not None else []:
            if THINGS_HOST not in {urlsplit(server).hostname for server in spec.servers}:
                continue
            for operation in spec.operations:
                if operation.scopes:
                    self.operations[operation.key] = operation

    @property
    def required(self) -> dict[str, frozenset[str]]:
        """``"METHOD /path"`` -> every scope its security requirements name."""
        return {key: frozenset(op.scopes) for key, op in self.operations.items()}

    def missing(self, operation_key: str, granted: frozenset[str]) -> tuple[str, ...]:
        """The scopes a token with ``granted`` lacks for the operation (``Operation.missing_scopes``)."""
        operation = self.operations.get(operation_key)
        return operation.missing_scopes(granted) if operation is not None else ()

    @property
    def all_scopes(self) -> frozenset[str]:
        """Every scope the specs name: what a token carries when nothing limits it."""
        return frozenset().union(*self.required.values())

    def check_known(self, scopes: Iterable[str]) -> frozenset[str]:
        """``scopes`` unchanged, or a UsageError naming the first one no spec declares."""
        chosen = frozenset(scopes)
        for scope in sorted(chosen - self.all_scopes):
            known = ", ".join(sorted(self.all_scopes)) or "(none: no KPN Things spec loaded)"
            raise UsageError(f"scope {scope!r} is not declared by any KPN Things spec; known scopes: {known}")
        return chosen


def _unauthorized(detail: str, error: str | None) -> DeniedError:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return DeniedError(problem(401, detail, {"www-authenticate": challenge}))


def authorize(request: Request, operation_key: str) -> IssuedToken:
    """The caller's GRIP token row, if it is valid and carries the scopes ``operation_key`` requires."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else ""
    if not token:
        raise _unauthorized("an access token from GRIP is required", None)
    row = emulator_state(request).lookup(token)
    now = time.monotonic()
    early = expire_early_seconds(request)
    if row is None or row.kind != "grip":
        raise _unauthorized("the access token is not valid", "invalid_token")
    if now >= row.expires_at or (early is not None and now - row.issued_at >= early):
        raise _unauthorized("the access token has expired", "invalid_token")
    table: ScopeTable = request.app.state.scope_table
    missing = table.missing(operation_key, row.scopes)
    if missing:
        names = " ".join(missing)
        challenge = f'Bearer error="insufficient_scope", scope="{names}"'
        detail = f"the token lacks the scope {names} that {operation_key} requires"
        raise DeniedError(problem(403, detail, {"www-authenticate": challenge}))
    return row
