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
from typing import Literal

from kpn_contract import _demo
from kpn_contract.emulator._devices import seed_devices
from kpn_contract.emulator._faults import FaultBook
from kpn_contract.emulator._settings import EmulatorSettings

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
        self.faults.clear()

    # -- tokens ---------------------------------------------------------------------------------
    def issue(self, kind: TokenKind, key_id: str, lifetime: float, tenant_id: str | None = None) -> str:
        """A new opaque token for ``key_id``, valid for ``lifetime`` seconds from now."""
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
            }
            token = f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(secrets.token_bytes(32))}"
        with self._lock:
            self._tokens[token] = IssuedToken(kind, key_id, now, now + lifetime, tenant_id)
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
        """The seeded devices of the main account (``owner`` None) or of one sub-customer."""
        name = owner or "main-account"
        with self._lock:
            if name not in self._devices:
                count = self.settings.device_count if owner is None else SUBCUSTOMER_DEVICE_COUNT
                self._devices[name] = seed_devices(name, count)
            return self._devices[name]
