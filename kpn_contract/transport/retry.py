"""The one retry policy of kpn_contract, built on tenacity.

Only transient faults are retried: a 5xx, a 429 (honouring ``Retry-After``), connect and network
errors, timeouts and remote protocol errors. A 4xx is never retried: a credential error does not
heal by asking again, and retrying it only risks locking the API key.

Two users:

* token fetching (:mod:`kpn_contract.auth`) calls :meth:`RetryPolicy.call` / :meth:`RetryPolicy.acall`;
* API calls go through :class:`RetryTransport` (sync and async clients alike), which retries only
  idempotent methods. A POST is never retried: KPN may have acted on it before the fault.

The backoff is exponential and bounded: ``min(initial * 2**(n-1), maximum)`` seconds before retry
``n``, or the ``Retry-After`` of a 429/503 when it is given, capped by ``maximum`` as well.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
import httpx
import tenacity

from kpn_contract.errors import UsageError
from kpn_contract.redact import redact
from kpn_contract.transport.routing import async_inner, sync_inner

__all__ = [
    "IDEMPOTENT_METHODS",
    "TRANSIENT_ERRORS",
    "AsyncRetryTransport",
    "RetryPolicy",
    "RetryTransport",
    "is_transient_response",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# NetworkError covers connect, read (a connection reset), write and close errors.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


def is_transient_response(response: httpx.Response) -> bool:
    """A response worth asking again for: any 5xx, or 429 Too Many Requests."""
    return response.status_code >= 500 or response.status_code == 429


def retry_after_seconds(response: httpx.Response, *, now: float | None = None) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), or None when absent or bad."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now if now is not None else datetime.now(tz=UTC).timestamp()
        seconds = when.timestamp() - current
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _describe_outcome(state: tenacity.RetryCallState) -> str:
    outcome = state.outcome
    if outcome is None:  # pragma: no cover - tenacity always sets it before sleeping
        return "an unknown fault"
    if outcome.failed:
        return type(outcome.exception()).__name__
    response: httpx.Response = outcome.result()
    return f"HTTP {response.status_code}"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient fault.

    ``attempts`` counts the first try: the default 4 means up to 3 retries. ``sleep`` and
    ``async_sleep`` are injectable so that tests run without waiting.
    """

    attempts: int = 4
    initial: float = 0.2
    maximum: float = 5.0
    respect_retry_after: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    # anyio's sleep: async clients may run on asyncio or on trio.
    async_sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise UsageError(f"RetryPolicy.attempts must be at least 1, not {self.attempts}")
        if self.initial < 0 or self.maximum < 0:
            raise UsageError("RetryPolicy.initial and RetryPolicy.maximum must not be negative")

    def backoff(self, retry_number: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``response`` (None: an error)."""
        if self.respect_retry_after and response is not None:
            hinted = retry_after_seconds(response)
            if hinted is not None:
                return min(hinted, self.maximum)
        return float(min(self.initial * 2 ** (retry_number - 1), self.maximum))

    def _wait(self, state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        response = outcome.result() if outcome is not None and not outcome.failed else None
        return self.backoff(state.attempt_number, response)

    def _retry_condition(self, permanent: Callable[[httpx.Response], bool] | None) -> tenacity.retry_base:
        def should_retry_response(response: httpx.Response) -> bool:
            if not is_transient_response(response):
                return False
            return not (permanent is not None and permanent(response))

        return tenacity.retry_if_exception_type(TRANSIENT_ERRORS) | tenacity.retry_if_result(
            should_retry_response
        )

    def _log_retry(self, what: str, state: tenacity.RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.debug(
            "retrying %s after %s (attempt %d of %d, waiting %.2f s)",
            redact(what),
            _describe_outcome(state),
            state.attempt_number,
            self.attempts,
            wait,
        )

    def call(
        self,
        send: Callable[[], httpx.Response],
        *,
        what: str,
        permanent: Callable[[httpx.Response], bool] | None = None,
    ) -> httpx.Response:
        """Call ``send`` until it gives a non-transient response or the attempts run out.

        Returns the last response (which may still be a 5xx/429: the caller turns it into its own error);
        re-raises the last transport error. ``permanent`` marks transient-looking responses that must not
        be retried (a 500 that is really a credential error). ``what`` names the call in log records.
        """

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self._log_retry(what, state)
            outcome = state.outcome
            if outcome is not None and not outcome.failed:
                outcome.result().close()

        retrying = tenacity.Retrying(
            sleep=self.sleep,
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=self._retry_condition(permanent),
            before_sleep=before_sleep,
            retry_error_callback=_last_outcome,
        )
        response: httpx.Response = retrying(send)
        return response

    async def acall(
        self,
        send: Callable[[], Awaitable[httpx.Response]],
        *,
        what: str,
        permanent: Callable[[httpx.Response], bool] | None = None,
    ) -> httpx.Response:
        """The asyncio form of :meth:`call`."""

        async def before_sleep(state: tenacity.RetryCallState) -> None:
            self._log_retry(what, state)
            outcome = state.outcome
            if outcome is not None and not outcome.failed:
                await outcome.result().aclose()

        async def sleep(seconds: float) -> None:
            await self.async_sleep(seconds)

        retrying = tenacity.AsyncRetrying(
            sleep=sleep,
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=self._retry_condition(permanent),
            before_sleep=before_sleep,
            retry_error_callback=_last_outcome,
        )

        # tenacity awaits only coroutine functions, and ``send`` may be a lambda returning an awaitable.
        async def attempt() -> httpx.Response:
            return await send()

        response: httpx.Response = await retrying(attempt)
        return response


def _last_outcome(state: tenacity.RetryCallState) -> httpx.Response:
    """Out of attempts: hand back the last response, or re-raise the last transport error."""
    assert state.outcome is not None  # tenacity sets it before giving up
    result: httpx.Response = state.outcome.result()
    return result


def _resendable(request: httpx.Request) -> bool:
    # A streamed (generator) body cannot be sent twice; bytes bodies can.
    return request.method in IDEMPOTENT_METHODS and isinstance(request.stream, httpx.ByteStream)


class RetryTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a transport and retries transient faults of idempotent requests (never a POST).

    One class for sync and async clients, like ``httpx.MockTransport``: it serves whichever kinds
    ``inner`` serves, and using it with a client of the other kind is a ``TypeError``.
    """

    def __init__(
        self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport, policy: RetryPolicy | None = None
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the inner transport, retrying it when that is safe."""
        inner = sync_inner(self.inner)
        if not _resendable(request):
            return inner.handle_request(request)

        def send() -> httpx.Response:
            response = inner.handle_request(request)
            # Read the body here: a body cut short is a transient fault too, and only here can it be retried.
            response.read()
            return response

        return self.policy.call(send, what=f"{request.method} {request.url}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The asyncio form of :meth:`handle_request`."""
        inner = async_inner(self.inner)
        if not _resendable(request):
            return await inner.handle_async_request(request)

        async def send() -> httpx.Response:
            response = await inner.handle_async_request(request)
            await response.aread()  # as in handle_request: a truncated body is retried too
            return response

        return await self.policy.acall(send, what=f"{request.method} {request.url}")

    def close(self) -> None:
        """Close the inner transport."""
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    async def aclose(self) -> None:
        """Close the inner transport."""
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()


# The name of the former async-only class, kept for callers that import it.
AsyncRetryTransport = RetryTransport
