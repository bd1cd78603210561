"""What the gateway and GRIP token providers share: sending with retries, and reading a token body."""

from __future__ import annotations

import json
import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from kpn_contract.auth.tokens import Token, cache_key_for
from kpn_contract.errors import TokenError
from kpn_contract.redact import redact, register_secret
from kpn_contract.transport.retry import RetryPolicy

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Credentials, Profile

logger = logging.getLogger(__name__)

_EXCERPT_LENGTH = 200
_SEARCH_LENGTH = 8192


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (HTML, plain text, a list, broken JSON)."""
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return body if isinstance(body, dict) else None


def response_text(response: httpx.Response, limit: int = _SEARCH_LENGTH) -> str:
    """The start of the body as text, whatever its declared charset (a wrong one must not raise)."""
    head = response.content[:limit]
    try:
        return head.decode(response.encoding or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return head.decode("utf-8", errors="replace")


def _strings(value: object, depth: int = 0) -> Iterator[str]:
    if depth > 8:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def body_texts(response: httpx.Response, body: dict[str, Any] | None) -> str:
    """The raw body and every string inside its JSON, to find documented error texts wherever they sit."""
    parts = [response_text(response)]
    if body is not None:
        parts.extend(_strings(body))
    return "\n".join(parts)


def excerpt(response: httpx.Response) -> str:
    """A short, redacted, one-line excerpt of the body for an error message."""
    text = " ".join(response_text(response, _EXCERPT_LENGTH).split())
    return redact(text) or "(empty body)"


def looks_like_html(response: httpx.Response) -> bool:
    """True for an HTML error page (a proxy, a captive portal or a load balancer answered)."""
    content_type = response.headers.get("content-type", "").lower()
    head = response_text(response, 200).lstrip().lower()
    return "html" in content_type or head.startswith(("<!doctype html", "<html"))


def _seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def token_from_body(
    body: Mapping[str, Any],
    *,
    clock: Callable[[], float],
    profile: str | None,
    status: int,
) -> Token:
    """A Token from a success body: string or numeric ``expires_in``, ``issued_at`` in milliseconds."""
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip():
        raise TokenError(
            f"the token response (HTTP {status}) has no access_token",
            hint="the endpoint answered without a token: check that token_url points at a token endpoint",
            status=status,
            profile=profile,
        )
    register_secret(access_token)
    expires_in = _seconds(body.get("expires_in"))
    if expires_in is None or expires_in <= 0:
        raise TokenError(
            f"the token response (HTTP {status}) has no usable expires_in",
            hint='expires_in must be a positive number of seconds (KPN sends it as a string, e.g. "3599")',
            status=status,
            profile=profile,
        )
    token_type = body.get("token_type")
    issued_ms = _seconds(body.get("issued_at"))
    return Token(
        access_token=access_token,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        expires_in=expires_in,
        obtained_at=clock(),
        issued_at=issued_ms / 1000.0 if issued_ms is not None and issued_ms > 0 else None,
        raw=dict(body),
    )


class BaseTokenProvider(ABC):
    """Sends the token request with the retry policy and turns transport failures into TokenError."""

    def __init__(
        self,
        profile: Profile,
        credentials: Credentials,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.profile = profile
        self.credentials = credentials
        for value in credentials.secret_values():  # also when built without resolve_credentials
            register_secret(value)
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.token_url = profile.resolved_token_url(credentials)
        self.cache_key = cache_key_for(self.token_url, credentials.client_id)

    @abstractmethod
    def build_request(self) -> httpx.Request:
        """The token request; each kind builds its own."""

    @abstractmethod
    def parse(self, response: httpx.Response) -> Token:
        """The token of a response; each kind parses its own."""

    def is_permanent(self, response: httpx.Response) -> bool:
        """True for a response that looks transient but is a credential error (never retried)."""
        del response
        return False

    def _timeout(self) -> dict[str, dict[str, float | None]]:
        return {"timeout": httpx.Timeout(self.profile.timeout).as_dict()}

    def _describe(self) -> str:
        return f"token request of profile {self.profile.name!r} to {self.token_url}"

    def _transport_failure(self, exc: httpx.TransportError) -> TokenError:
        return TokenError(
            f"the token request to {self.token_url} failed after {self.retry.attempts} attempt(s): "
            f"{type(exc).__name__}: {exc}",
            hint="the token endpoint could not be reached in time: check the network, proxy, TLS trust "
            f"(verify) and token_url, or raise the profile's timeout ({self.profile.timeout:g} s)",
            profile=self.profile.name,
        )

    def _decoding_failure(self, exc: httpx.DecodingError) -> TokenError:
        return TokenError(
            f"the token response from {self.token_url} could not be decoded: {type(exc).__name__}: {exc}",
            hint="the body does not match its Content-Encoding: a proxy or something other than the "
            "KPN token endpoint answered; check token_url and the network path",
            profile=self.profile.name,
        )

    def fetch(self, client: httpx.Client) -> Token:
        """Request a new token through ``client``, retrying transient faults; never follows redirects."""
        request = self.build_request()
        logger.debug("requesting a new token for profile %s", self.profile.name)

        def send() -> httpx.Response:
            return client.send(request, follow_redirects=False)

        try:
            response = self.retry.call(send, what=self._describe(), permanent=self.is_permanent)
        except httpx.TransportError as exc:
            raise self._transport_failure(exc) from exc
        except httpx.DecodingError as exc:
            raise self._decoding_failure(exc) from exc
        return self.parse(response)

    async def afetch(self, client: httpx.AsyncClient) -> Token:
        """The asyncio form of :meth:`fetch`."""
        request = self.build_request()
        logger.debug("requesting a new token for profile %s", self.profile.name)

        async def send() -> httpx.Response:
            return await client.send(request, follow_redirects=False)

        try:
            response = await self.retry.acall(send, what=self._describe(), permanent=self.is_permanent)
        except httpx.TransportError as exc:
            raise self._transport_failure(exc) from exc
        except httpx.DecodingError as exc:
            raise self._decoding_failure(exc) from exc
        return self.parse(response)
