"""The mutable state of one emulator: issued tokens, granted access rights, request counts, faults."""

from __future__ import annotations

import base64
import json
import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from kpn_contract.config import _demo
from kpn_contract.emulator._devices import (
    MAIN_ACCOUNT,
    client_id_of,
    isoformat,
    new_api_device,
    principal,
    seed_devices,
    seed_history,
)
from kpn_contract.emulator._faults import FaultBook
from kpn_contract.emulator._settings import EmulatorSettings
from kpn_contract.emulator._things_data import ThingsData

__all__ = ["EmulatorState", "IssuedToken", "TokenKind"]

TokenKind = Literal["gateway", "grip"]
_ALPHANUMERIC = string.ascii_letters + string.digits
SUBCUSTOMER_DEVICE_COUNT = 12


@dataclass(frozen=True)
class IssuedToken:
    """One row of the token table. Times are ``time.monotonic()`` seconds."""

    kind: TokenKind
    key_id: str
    issued_at: float
    expires_at: float
    tenant_id: str | None = None
    scopes: frozenset[str] = frozenset()  # what a GRIP token carries (its ``scope`` claim)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class EmulatorState:
    """Everything one emulator remembers between requests. Thread-safe: tests read it from their thread."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.faults = FaultBook()
        self._lock = threading.Lock()
        self._tokens: dict[str, IssuedToken] = {}
        self._granted: set[tuple[str, str]] = set()
        self._requests: Counter[str] = Counter()
        self._devices: dict[str, list[dict[str, object]]] = {}
        self._history: dict[str, dict[str, Any]] = {}  # device uuid -> new-API fields (see _devices.py)
        self._things: ThingsData | None = None

    # -- stats ----------------------------------------------------------------------------------
    def count(self, endpoint: str) -> None:
        with self._lock:
            self._requests[endpoint] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        """``{"requests": {"METHOD /path/template": count}}``, sorted by endpoint."""
        with self._lock:
            return {"requests": dict(sorted(self._requests.items()))}

    def reset(self) -> None:
        """Forget request counts, granted access rights, issued tokens and faults."""
        with self._lock:
            self._requests.clear()
            self._granted.clear()
            self._tokens.clear()
            # Writes of the new API changed the device store: start again from the seed.
            self._devices.clear()
            self._history.clear()
            self._things = None
        self.faults.clear()

    # -- tokens ---------------------------------------------------------------------------------
    def issue(
        self,
        kind: TokenKind,
        key_id: str,
        lifetime: float,
        tenant_id: str | None = None,
        scopes: frozenset[str] = frozenset(),
    ) -> str:
        """A new opaque token for ``key_id``, valid for ``lifetime`` seconds from now.

        A GRIP token is JWT-shaped; its payload's ``scope`` claim lists ``scopes`` space-separated.
        """
        now = time.monotonic()
        if kind == "gateway":
            # The documented example is 28 alphanumeric characters ("haf2SDl07E9N7RluNQ4kJ1TkGgso").
            token = "".join(secrets.choice(_ALPHANUMERIC) for _ in range(28))
        else:
            header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
            claims = {
                "iss": f"https://auth.grip-on-it.com/v2/{tenant_id}/oidc/idp/c1",
                "aud": _demo.KPN_THINGS_APPLICATION_ID,
                "iat": int(time.time()),
                "exp": int(time.time() + lifetime),
                "jti": secrets.token_hex(8),
                "scope": " ".join(sorted(scopes)),
            }
            token = f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(secrets.token_bytes(32))}"
        with self._lock:
            self._tokens[token] = IssuedToken(kind, key_id, now, now + lifetime, tenant_id, frozenset(scopes))
        return token

    def lookup(self, token: str | None) -> IssuedToken | None:
        """The table row of ``token``, expired or not; None for a token this emulator never issued."""
        if not token:
            return None
        with self._lock:
            return self._tokens.get(token)

    # -- KPN Things -----------------------------------------------------------------------------
    def grant(self, key_id: str, customer_id: str) -> None:
        """Record access rights of an API key (not of one token) to a sub-customer."""
        with self._lock:
            self._granted.add((key_id, customer_id))

    def is_granted(self, key_id: str, customer_id: str) -> bool:
        with self._lock:
            return (key_id, customer_id) in self._granted

    def devices(self, owner: str | None) -> list[dict[str, object]]:
        """The devices of the main account (``owner`` None) or of one sub-customer (a copy of the list)."""
        with self._lock:
            return list(self._owned(owner or MAIN_ACCOUNT))

    def _owned(self, name: str) -> list[dict[str, object]]:
        # The caller holds the lock.
        if name not in self._devices:
            count = self.settings.device_count if name == MAIN_ACCOUNT else SUBCUSTOMER_DEVICE_COUNT
            self._devices[name] = seed_devices(name, count)
            self._history.update(seed_history(name, self._devices[name]))
        return self._devices[name]

    # -- the new KPN Things API over the same store ---------------------------------------------------
    def owners(self) -> list[str]:
        """Every owner of devices: the main account, then the sub-customers."""
        return [MAIN_ACCOUNT, *sorted(self.settings.subcustomers)]

    def owner_of_client(self, client_id: str) -> str | None:
        return next((o for o in self.owners() if client_id_of(o) == client_id), None)

    def new_api_devices(self) -> list[dict[str, Any]]:
        """Every device of every owner, in the new API's shape (the parent account sees them all)."""
        with self._lock:
            return [
                new_api_device(device, self._history[str(device["uuid"])])
                for owner in self.owners()
                for device in self._owned(owner)
            ]

    def new_api_device(self, device_id: str) -> dict[str, Any] | None:
        return next((d for d in self.new_api_devices() if d["id"] == device_id), None)

    def save_device(self, owner: str, device: dict[str, Any]) -> dict[str, Any]:
        """Create or replace (by ``uuid``) a beta-shaped device of ``owner``; its new-API view."""
        now = isoformat(datetime.now(UTC))
        with self._lock:
            owned = self._owned(owner)
            history = self._history.get(device["uuid"])
            if history is None:
                history = {"clientId": client_id_of(owner), "createdAt": now, "createdBy": principal(owner)}
                owned.append(device)
            else:
                owned[next(i for i, d in enumerate(owned) if d["uuid"] == device["uuid"])] = device
            history = {**history, "modifiedAt": now, "modifiedBy": principal(owner)}
            self._history[device["uuid"]] = history
            return new_api_device(device, history)

    def delete_device(self, device_id: str) -> bool:
        with self._lock:
            for owner in self.owners():
                owned = self._owned(owner)
                for index, device in enumerate(owned):
                    if device["uuid"] == device_id:
                        del owned[index]
                        self._history.pop(device_id, None)
                        return True
        return False

    def things(self) -> ThingsData:
        """Device groups, projects, downlinks, bindings and network adapters, seeded on first use."""
        devices = self.new_api_devices()
        with self._lock:
            if self._things is None:
                self._things = ThingsData.seed(self.owners(), devices)
            return self._things
