"""TokenCache: reuse, renewal before expiry, one fetch for concurrent callers, failures not cached."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from kpn_contract.auth import Token, TokenCache
from kpn_contract.errors import TokenError


class Clock:
    def __init__(self, now: float = 10_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """Counts fetches and issues numbered tokens stamped by the injected clock."""

    def __init__(self, clock: Clock, lifetime: float = 3600.0, delay: float = 0.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def make(self) -> Token:
        with self._lock:
            self.calls += 1
            number = self.calls
        return Token(f"token-number-{number:03d}", "Bearer", self.lifetime, self.clock())

    def __call__(self) -> Token:
        if self.delay:
            time.sleep(self.delay)
        return self.make()

    async def afetch(self) -> Token:
        await asyncio.sleep(self.delay)
        return self.make()


def test_token_freshness_and_margin_cap() -> None:
    token = Token("abcdefghij", "Bearer", 3600.0, obtained_at=0.0)
    assert token.expires_at() == 3600.0
    assert token.is_fresh(60.0, now=3539.0)
    assert not token.is_fresh(60.0, now=3541.0)
    short = Token("abcdefghij", "Bearer", 2.0, obtained_at=0.0)
    # A 60 s margin would make a 2 s token never fresh; it is capped at half the lifetime.
    assert short.is_fresh(60.0, now=0.5)
    assert not short.is_fresh(60.0, now=1.01)


def test_hundred_calls_make_one_fetch() -> None:
    clock = Clock()
    fetch = Fetcher(clock)
    cache = TokenCache(margin=60.0, clock=clock)
    tokens = {cache.get("key", fetch).access_token for _ in range(100)}
    assert fetch.calls == 1
    assert tokens == {"token-number-001"}


def test_keys_are_independent() -> None:
    clock = Clock()
    fetch = Fetcher(clock)
    cache = TokenCache(clock=clock)
    assert cache.get("a", fetch).access_token != cache.get("b", fetch).access_token
    assert fetch.calls == 2


def test_renewed_margin_seconds_before_expiry() -> None:
    clock = Clock()
    fetch = Fetcher(clock, lifetime=3600.0)
    cache = TokenCache(margin=60.0, clock=clock)
    first = cache.get("key", fetch)
    clock.now += 3600.0 - 61.0
    assert cache.get("key", fetch) is first
    clock.now += 2.0  # now within the margin
    second = cache.get("key", fetch)
    assert second.access_token == "token-number-002"
    assert fetch.calls == 2


def test_margin_is_configurable() -> None:
    clock = Clock()
    fetch = Fetcher(clock, lifetime=3600.0)
    cache = TokenCache(margin=600.0, clock=clock)
    cache.get("key", fetch)
    clock.now += 2999.0  # 601 s left: still fresh with a 600 s margin
    cache.get("key", fetch)
    assert fetch.calls == 1
    clock.now += 1.5
    cache.get("key", fetch)
    assert fetch.calls == 2


def test_twenty_threads_share_one_fetch() -> None:
    clock = Clock()
    fetch = Fetcher(clock, delay=0.05)
    cache = TokenCache(clock=clock)
    barrier = threading.Barrier(20)
    seen: list[str] = []

    def worker() -> None:
        barrier.wait()
        seen.append(cache.get("key", fetch).access_token)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert fetch.calls == 1
    assert seen == ["token-number-001"] * 20


def test_fifty_tasks_share_one_fetch() -> None:
    clock = Clock()
    fetch = Fetcher(clock, delay=0.02)
    cache = TokenCache(clock=clock)

    async def main() -> list[Token]:
        return await asyncio.gather(*(cache.aget("key", fetch.afetch) for _ in range(50)))

    tokens = asyncio.run(main())
    assert fetch.calls == 1
    assert {t.access_token for t in tokens} == {"token-number-001"}


def test_cache_works_across_event_loops() -> None:
    clock = Clock()
    fetch = Fetcher(clock)
    cache = TokenCache(clock=clock)
    first = asyncio.run(cache.aget("key", fetch.afetch))
    cache.invalidate("key")
    second = asyncio.run(cache.aget("key", fetch.afetch))
    assert (first.access_token, second.access_token) == ("token-number-001", "token-number-002")


def test_failed_fetch_is_not_cached() -> None:
    clock = Clock()
    fetch = Fetcher(clock)
    cache = TokenCache(clock=clock)
    failures = 0

    def flaky() -> Token:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise TokenError("planted failure")
        return fetch()

    with pytest.raises(TokenError):
        cache.get("key", flaky)
    assert cache.peek("key") is None
    assert cache.get("key", flaky).access_token == "token-number-001"


def test_failed_async_fetch_is_not_cached() -> None:
    clock = Clock()
    cache = TokenCache(clock=clock)

    async def failing() -> Token:
        raise TokenError("planted failure")

    with pytest.raises(TokenError):
        asyncio.run(cache.aget("key", failing))
    assert cache.peek("key") is None


def test_invalidate_only_drops_the_named_token() -> None:
    clock = Clock()
    fetch = Fetcher(clock)
    cache = TokenCache(clock=clock)
    old = cache.get("key", fetch)
    cache.invalidate("key", old)
    new = cache.get("key", fetch)
    cache.invalidate("key", old)  # a late caller holding the old token must not drop the new one
    assert cache.peek("key") is new
    cache.invalidate("key")
    assert cache.peek("key") is None
    cache.invalidate("missing")  # no error


def test_token_repr_masks_the_access_token() -> None:
    token = Token(
        "very-secret-access-token-123",
        "Bearer",
        10.0,
        0.0,
        raw={"access_token": "very-secret-access-token-123"},
    )
    assert "very-secret-access-token-123" not in repr(token)
    assert "very" in repr(token)
    assert "very-secret-access-token-123" not in str(token)


def test_per_call_margin_overrides_the_cache_margin() -> None:
    clock = Clock()
    fetch = Fetcher(clock, lifetime=3600.0)
    cache = TokenCache(margin=60.0, clock=clock)
    cache.get("key", fetch, margin=900.0)
    clock.now += 2701.0  # 899 s left: fresh for the cache margin, stale for the profile's 900 s
    assert cache.peek("key") is not None
    cache.get("key", fetch, margin=900.0)
    assert fetch.calls == 2
