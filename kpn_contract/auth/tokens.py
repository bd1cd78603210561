"""Tokens, the token cache and the token-provider protocol.

Neither KPN flow has a refresh token: a token is reused until shortly before it expires, and then a
new one is requested with the client credentials. :class:`TokenCache` keeps one token per API key
(token URL + client ID) and makes concurrent callers, in threads and in asyncio tasks, share a
single fetch. A failed fetch is never cached.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import httpx
from anyio.lowlevel import RunVar

from kpn_contract.redact import mask

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = ["Token", "TokenCache", "TokenProvider", "cache_key_for"]

logger = logging.getLogger(__name__)

# Async locks belong to one event loop. A RunVar holds a value per running loop, whatever the backend
# (asyncio, or trio through anyio), and is dropped with the loop.
_ASYNC_LOCKS: RunVar[weakref.WeakKeyDictionary[TokenCache, dict[str, anyio.Lock]]] = RunVar(
    "kpn_contract_token_locks"
)


@dataclass(frozen=True)
class Token:
    """An access token and when it was obtained. Its repr masks the token.

    ``obtained_at`` is the local clock when the response arrived (the expiry is counted from it, not
    from the server's ``issued_at``, so that clock skew cannot make a stale token look fresh).
    ``raw`` is the parsed response body, for display against the token schema.
    """

    access_token: str
    token_type: str
    expires_in: float
    obtained_at: float
    issued_at: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def expires_at(self) -> float:
        """The local time at which the token expires."""
        return self.obtained_at + self.expires_in

    def is_fresh(self, margin: float, now: float | None = None) -> bool:
        """True while the token stays valid for more than ``margin`` seconds.

        The margin is capped at half the lifetime, so that a short-lived token (an emulator token of
        two seconds, say) is still reused for a while instead of being renewed on every call.
        """
        current = time.time() if now is None else now
        effective_margin = min(margin, self.expires_in / 2)
        return current + effective_margin < self.expires_at()

    def __repr__(self) -> str:
        return (
            f"Token(access_token={mask(self.access_token)!r}, token_type={self.token_type!r}, "
            f"expires_in={self.expires_in!r}, obtained_at={self.obtained_at!r}, issued_at={self.issued_at!r})"
        )

    __str__ = __repr__


def cache_key_for(token_url: str, client_id: str) -> str:
    """The cache key of one API key. Hashed, because the URL may hold a tenant ID and the ID is a secret."""
    digest = hashlib.sha256(f"{token_url}\n{client_id}".encode()).hexdigest()
    return f"token:{digest[:24]}"


class TokenCache:
    """One token per key, renewed ``margin`` seconds before it expires.

    Thread-safe and asyncio-safe: concurrent callers for the same key wait for a single fetch. A fetch
    that raises stores nothing, so the next caller tries again.
    """

    def __init__(self, margin: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.margin = margin
        self.clock = clock
        self._tokens: dict[str, Token] = {}
        self._guard = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def peek(self, key: str, margin: float | None = None) -> Token | None:
        """The cached token for ``key`` if it is still fresh, without fetching."""
        with self._guard:
            token = self._tokens.get(key)
        margin = self.margin if margin is None else margin
        if token is not None and token.is_fresh(margin, now=self.clock()):
            return token
        return None

    def _store(self, key: str, token: Token, *, renewal: bool) -> None:
        with self._guard:
            self._tokens[key] = token
        logger.debug(
            "%s token %s, valid for %.0f s",
            "renewed" if renewal else "obtained",
            mask(token.access_token),
            token.expires_in,
        )

    def _had_token(self, key: str) -> bool:
        with self._guard:
            return key in self._tokens

    def get(self, key: str, fetch: Callable[[], Token], *, margin: float | None = None) -> Token:
        """The fresh token for ``key``, calling ``fetch`` (once, whatever the number of threads) if needed.

        ``margin`` overrides the cache's renewal margin for this key (a profile's ``expiry_margin``).
        """
        token = self.peek(key, margin)
        if token is not None:
            return token
        with self._guard:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            token = self.peek(key, margin)  # another thread may have fetched it while this one waited
            if token is not None:
                return token
            renewal = self._had_token(key)
            token = fetch()
            self._store(key, token, renewal=renewal)
            return token

    async def aget(
        self, key: str, fetch: Callable[[], Awaitable[Token]], *, margin: float | None = None
    ) -> Token:
        """The async form of :meth:`get`: concurrent tasks of one event loop share one fetch.

        Works on asyncio and on trio (through anyio).
        """
        token = self.peek(key, margin)
        if token is not None:
            return token
        try:
            per_cache = _ASYNC_LOCKS.get()
        except LookupError:
            per_cache = weakref.WeakKeyDictionary()
            _ASYNC_LOCKS.set(per_cache)
        with self._guard:
            key_lock = per_cache.setdefault(self, {}).setdefault(key, anyio.Lock())
        async with key_lock:
            token = self.peek(key, margin)
            if token is not None:
                return token
            renewal = self._had_token(key)
            token = await fetch()
            self._store(key, token, renewal=renewal)
            return token

    def invalidate(self, key: str, token: Token | None = None) -> None:
        """Drop the token of ``key``; with ``token``, only if it is still that token (not a newer one)."""
        with self._guard:
            current = self._tokens.get(key)
            if current is None:
                return
            if token is not None and current.access_token != token.access_token:
                return
            del self._tokens[key]
        logger.debug("invalidated token %s", mask(current.access_token))

    def clear(self) -> None:
        """Forget every token."""
        with self._guard:
            self._tokens.clear()


class TokenProvider(Protocol):
    """Obtains a token for one profile. Implemented by the API Store gateway and GRIP providers."""

    profile: Profile
    cache_key: str

    def build_request(self) -> httpx.Request:
        """The token request, ready to send."""
        ...

    def parse(self, response: httpx.Response) -> Token:
        """The token of a response; raises TokenError with the documented hint."""
        ...

    def fetch(self, client: httpx.Client) -> Token:
        """Request a new token, retrying transient faults."""
        ...

    async def afetch(self, client: httpx.AsyncClient) -> Token:
        """The asyncio form of :meth:`fetch`."""
        ...
