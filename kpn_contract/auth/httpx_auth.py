"""``KPNAuth``: the httpx authentication of every KPN call, for sync and async clients.

It attaches ``Authorization: Bearer …`` (and ``x-client-id`` for a sub-customer profile) to a request
for the profile's API host (the origin of its ``base_url``) only: a request for another host (FIAM
Eneco's own, say) goes out without them, as httpx drops them on a redirect to another origin. On an
authentication failure it drops the token, fetches a new one and retries the call once:

* a 401;
* a gateway fault naming an invalid or expired token (``oauth.v2.InvalidAccessToken``,
  ``oauth.v2.AccessTokenExpired``, ``keymanagement.service.invalid_access_token``), whatever the status;
* a 302 from KPN Things (grip profiles): KPN documents it as "the access token is wrong or has no
  access to KPN Things". It is never followed.

If the retry fails too, a TokenError with the documented meaning is raised. A 403 whose
``WWW-Authenticate`` says ``insufficient_scope`` raises :class:`MissingScopeError` naming the scope
at once (a new token would carry the same scopes).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator
from typing import ClassVar, Final

import httpx

from kpn_contract.auth._base import json_object
from kpn_contract.auth.scopes import insufficient_scope
from kpn_contract.auth.tokens import Token, TokenCache, TokenProvider
from kpn_contract.errors import MissingScopeError, TokenError
from kpn_contract.redact import mask, redact

__all__ = ["AUTH_FAULT_CODES", "SKIP_CLIENT_ID", "KPNAuth", "auth_failure"]

logger = logging.getLogger(__name__)

AUTH_FAULT_CODES: Final = frozenset(
    {
        "oauth.v2.InvalidAccessToken",
        "oauth.v2.AccessTokenExpired",
        "keymanagement.service.invalid_access_token",
    }
)
# Request extension: send this request without x-client-id (the context-switch call needs that).
SKIP_CLIENT_ID: Final = "kpn_contract.skip_client_id"

_HINT_302 = "the access token is wrong or has no access to KPN Things; check the API key in GRIP"


def _fault_code(response: httpx.Response) -> str | None:
    try:
        body = json_object(response)
    except httpx.ResponseNotRead:  # a streamed, non-JSON success body: never a gateway fault
        return None
    if body is None:
        return None
    fault = body.get("fault")
    detail = fault.get("detail") if isinstance(fault, dict) else None
    code = detail.get("errorcode") if isinstance(detail, dict) else None
    return code if isinstance(code, str) and code in AUTH_FAULT_CODES else None


def auth_failure(response: httpx.Response, *, grip: bool) -> str | None:
    """Why ``response`` is an authentication failure ("401", "302" or a fault code), or None.

    The body must have been read. A 302 counts only for grip profiles: for API Store products a 302
    can be a success contract (Number Verify's session redirect).
    """
    code = _fault_code(response)
    if code is not None:
        return code
    if response.status_code == 401:
        return "401"
    if grip and response.status_code == 302:
        return "302"
    return None


def _needs_body(response: httpx.Response) -> bool:
    # A gateway fault can come with any status, but it is always JSON; other bodies stay streamed.
    return response.status_code >= 300 or "json" in response.headers.get("content-type", "")


class KPNAuth(httpx.Auth):
    """Bearer authentication from a token provider and a shared token cache.

    Token requests go through ``token_client`` / ``async_token_client`` when given (the same transport
    stack as the API calls, so that they are recorded and replayed); otherwise through a short-lived
    client with the profile's TLS trust and timeout. The API client must keep ``follow_redirects=False``
    (httpx's default): KPN Things' 302 is an authentication failure, and its Location is never requested.
    """

    # The cached token, then one fresh token after an authentication failure.
    ATTEMPTS: ClassVar[int] = 2

    def __init__(
        self,
        provider: TokenProvider,
        cache: TokenCache,
        *,
        token_client: httpx.Client | None = None,
        async_token_client: httpx.AsyncClient | None = None,
        subcustomer_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.token_client = token_client
        self.async_token_client = async_token_client
        self.subcustomer_id = subcustomer_id
        self._api = httpx.URL(provider.profile.base_url)  # parsed once: every request is checked against it

    def __repr__(self) -> str:
        return (
            f"KPNAuth(profile={self.provider.profile.name!r}, "
            f"subcustomer={'<set>' if self.subcustomer_id else None})"
        )

    # -- tokens -------------------------------------------------------------------------------

    def _fetch(self) -> Token:
        if self.token_client is not None:
            return self.provider.fetch(self.token_client)
        profile = self.provider.profile
        with httpx.Client(
            verify=profile.tls_verify(), timeout=profile.timeout, follow_redirects=False
        ) as client:
            return self.provider.fetch(client)

    async def _afetch(self) -> Token:
        if self.async_token_client is not None:
            return await self.provider.afetch(self.async_token_client)
        profile = self.provider.profile
        async with httpx.AsyncClient(
            verify=profile.tls_verify(), timeout=profile.timeout, follow_redirects=False
        ) as client:
            return await self.provider.afetch(client)

    def token(self) -> Token:
        """The current token of this profile's API key, fetched once and shared through the cache."""
        return self.cache.get(
            self.provider.cache_key, self._fetch, margin=self.provider.profile.expiry_margin
        )

    async def atoken(self) -> Token:
        """The asyncio form of :meth:`token`."""
        return await self.cache.aget(
            self.provider.cache_key, self._afetch, margin=self.provider.profile.expiry_margin
        )

    # -- the flow -------------------------------------------------------------------------------

    def _apply(self, request: httpx.Request, token: Token | None) -> None:
        if token is None:  # not the profile's API host: neither the token nor the sub-customer goes
            return
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        if request.extensions.get(SKIP_CLIENT_ID):
            request.headers.pop("x-client-id", None)
        elif self.subcustomer_id:
            request.headers["x-client-id"] = self.subcustomer_id

    def _failure(self, response: httpx.Response) -> str | None:
        missing = insufficient_scope(response)
        if missing is not None:
            # A new token of the same API key carries the same scopes: no retry, name what is missing.
            request = response.request
            raise MissingScopeError(
                f"{request.method} {request.url.path} was refused with 403 insufficient_scope: the token "
                f"lacks the scope {' '.join(missing) or '(not named)'}",
                missing=missing,
                profile=self.provider.profile.name,
            )
        return auth_failure(response, grip=self.provider.profile.kind == "grip")

    def _note_failure(self, request: httpx.Request, reason: str, token: Token) -> None:
        logger.debug(
            "authentication failure (%s) on %s %s with token %s: dropping it and retrying once",
            reason,
            request.method,
            redact(request.url.path),
            mask(token.access_token),
        )
        self.cache.invalidate(self.provider.cache_key, token)

    def _rejected(self, request: httpx.Request, response: httpx.Response, reason: str) -> TokenError:
        profile = self.provider.profile
        what = f"{request.method} {request.url.path} was refused with a freshly issued token"
        if reason == "302":
            hint = _HINT_302
        elif profile.kind == "grip":
            hint = "KPN Things refused a fresh token: check the API key and its services in GRIP"
        else:
            hint = (
                "the gateway refused a fresh token: check that this API product is added to the "
                f"{profile.name!r} credentials (sandbox, or the project) in the KPN Developer Portal"
            )
        detail = "302 Found (redirect not followed)" if reason == "302" else reason
        return TokenError(
            f"{what}: {detail}",
            hint=hint,
            status=response.status_code,
            code=None if reason in ("302", "401") else reason,
            profile=profile.name,
        )

    def _accepted(
        self, request: httpx.Request, response: httpx.Response, token: Token, *, attempt: int
    ) -> bool:
        """True when ``response`` is no auth failure; else drop ``token``, or raise after the last attempt."""
        reason = self._failure(response)
        if reason is None:
            return True
        if attempt == self.ATTEMPTS:
            raise self._rejected(request, response, reason)
        self._note_failure(request, reason, token)
        return False

    # The two flows differ only by ``await``: each is the same loop over the attempts, so a fix to
    # one is visibly a fix to the other. httpx's guide overrides both (rather than ``auth_flow``)
    # because fetching a token is I/O under the cache's lock.
    def _for_the_api(self, request: httpx.Request) -> bool:
        """Whether ``request`` goes to the profile's API host, the one its token is for."""
        api = self._api
        url = request.url
        if (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port):
            return True
        logger.warning(
            "not sending the %r profile's token to %s: it is not the profile's API host %s",
            self.provider.profile.name,
            redact(url.host),
            api.host,
        )
        return False

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Authenticate ``request``; on an auth failure renew the token and retry once."""
        ours = self._for_the_api(request)
        for attempt in range(1, self.ATTEMPTS + 1):
            token = self.token() if ours else None
            self._apply(request, token)
            response = yield request
            if token is None:  # another host's request: sent as it came, nothing to renew
                return
            if _needs_body(response):
                response.read()
            if self._accepted(request, response, token, attempt=attempt):
                return

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """The asyncio form of :meth:`sync_auth_flow`."""
        ours = self._for_the_api(request)
        for attempt in range(1, self.ATTEMPTS + 1):
            token = await self.atoken() if ours else None
            self._apply(request, token)
            response = yield request
            if token is None:  # another host's request: sent as it came, nothing to renew
                return
            if _needs_body(response):
                await response.aread()
            if self._accepted(request, response, token, attempt=attempt):
                return
