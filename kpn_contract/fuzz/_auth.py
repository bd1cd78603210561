"""The schemathesis auth provider of kpn_contract: profile credentials, one shared token cache.

schemathesis asks an auth provider for data before every generated case (``get``) and applies it
(``set``). Its own caching wrapper renews tokens on a fixed interval; KPN tokens carry their own
lifetime and there must be one fetch per API key per run, so this provider skips that wrapper and
uses the toolkit's :class:`~kpn_contract.auth.tokens.TokenCache` (renewed before expiry, one fetch
shared between threads). It also watches every response (schemathesis's ``after_call`` hook) and
drops the token after an authentication failure, so the next case fetches a fresh one.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import httpx

from kpn_contract.auth.httpx_auth import KPNAuth, auth_failure
from kpn_contract.auth.providers import provider_for
from kpn_contract.auth.subcustomer import request_access_rights
from kpn_contract.auth.tokens import Token, TokenCache, TokenProvider
from kpn_contract.redact import mask, register_secret
from kpn_contract.transport.routing import SharedTransport

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Credentials, Profile

__all__ = ["KPNSchemathesisAuth"]

logger = logging.getLogger(__name__)


class KPNSchemathesisAuth:
    """A schemathesis ``AuthProvider`` built on a credential profile and a :class:`TokenCache`.

    * one token per API key for the whole run (the cache key is the provider's ``cache_key``);
    * renewed before it expires (the cache's margin, capped at half the lifetime);
    * dropped after an authentication failure — a 401, a gateway fault body naming an invalid or
      expired token, or a 302 from KPN Things — so the next case fetches a new one;
    * ``x-client-id`` on every case of a sub-customer profile, after one context-switch call.

    Token requests (and the context switch) go through ``transport`` (the emulator-routing or the
    live transport, possibly wrapped by a recorder), never through schemathesis's session. The caller
    owns ``transport``; :meth:`close` closes only this provider's client. ``token_fetches`` counts the
    fetches this provider made.
    """

    def __init__(
        self,
        provider: TokenProvider,
        *,
        transport: httpx.BaseTransport,
        cache: TokenCache | None = None,
        subcustomer_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.transport = transport
        self.token_client = httpx.Client(
            transport=SharedTransport(transport), timeout=provider.profile.timeout, follow_redirects=False
        )
        self.cache = cache if cache is not None else TokenCache(margin=provider.profile.expiry_margin)
        self.subcustomer_id = subcustomer_id
        self.token_fetches = 0
        self.auth_failures = 0
        self._lock = threading.Lock()
        self._access_granted = False
        register_secret(subcustomer_id)

    @classmethod
    def for_profile(
        cls,
        profile: Profile,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport,
        cache: TokenCache | None = None,
    ) -> KPNSchemathesisAuth:
        """The provider for ``profile`` with its resolved ``credentials``."""
        return cls(
            provider_for(profile, credentials),
            transport=transport,
            cache=cache,
            subcustomer_id=credentials.subcustomer_id,
        )

    def __repr__(self) -> str:
        return (
            f"KPNSchemathesisAuth(profile={self.provider.profile.name!r}, "
            f"subcustomer={'<set>' if self.subcustomer_id else None}, token_fetches={self.token_fetches})"
        )

    @property
    def is_grip(self) -> bool:
        """True for a KPN Things (GRIP) profile, where a 302 is an authentication failure."""
        return self.provider.profile.kind == "grip"

    def _fetch(self) -> Token:
        token = self.provider.fetch(self.token_client)
        with self._lock:
            self.token_fetches += 1
        return token

    def token(self) -> Token:
        """The current token of the profile's API key: cached, or fetched once for all threads."""
        token = self.cache.get(self.provider.cache_key, self._fetch)
        if self.subcustomer_id and not self._access_granted:
            self._grant_access()
        return token

    def _grant_access(self) -> None:
        # KPN Things needs one context-switch call per API key and sub-customer before x-client-id works.
        with self._lock:
            if self._access_granted:
                return
            assert self.subcustomer_id is not None
            profile = self.provider.profile
            auth = KPNAuth(self.provider, self.cache, token_client=self.token_client)
            with httpx.Client(
                base_url=profile.base_url,
                transport=SharedTransport(self.transport),
                auth=auth,
                timeout=profile.timeout,
            ) as client:
                request_access_rights(client, self.subcustomer_id)
            self._access_granted = True

    def close(self) -> None:
        """Close the token client (not the transport, which the caller owns)."""
        self.token_client.close()

    # -- the schemathesis AuthProvider protocol ----------------------------------------------------

    def get(self, case: Any, context: Any) -> Token:
        """schemathesis: the auth data of a case (the current token)."""
        del case, context
        return self.token()

    def set(self, case: Any, data: Token, context: Any) -> None:
        """schemathesis: put the token (and ``x-client-id``) on the case's headers.

        It also adds the ``Accept`` a KPN client sends (the operation's success media type) unless the
        case has one: authenticated KPN Things calls without it are refused with 400.
        """
        del context
        if case.headers is None:
            case.headers = {}
        case.headers["Authorization"] = f"Bearer {data.access_token}"
        if self.subcustomer_id:
            case.headers["x-client-id"] = self.subcustomer_id
        if not any(name.lower() == "accept" for name in case.headers):
            accept = accept_header(case.operation)
            if accept:
                case.headers["Accept"] = accept

    # -- the schemathesis after_call hook -------------------------------------------------------------

    def observe(
        self, status_code: int, headers: Any, content: bytes, sent_authorization: str | None
    ) -> str | None:
        """Drop the token that a response rejected; returns why it was an auth failure, or None.

        Only a request that carried the cached token can reject it: a negative case that left out or
        replaced ``Authorization`` on purpose gets its 401 without costing a token fetch.
        """
        response = httpx.Response(status_code, headers=headers, content=content)
        reason = auth_failure(response, grip=self.is_grip)
        if reason is None or not sent_authorization:
            return None
        key = self.provider.cache_key
        current = self.cache.peek(key)
        if current is None or sent_authorization != f"Bearer {current.access_token}":
            return None
        with self._lock:
            self.auth_failures += 1
        self.cache.invalidate(key, current)
        logger.info(
            "authentication failure (%s) with token %s: the next case fetches a new one",
            reason,
            mask(current.access_token),
        )
        return reason

    def after_call(self, context: Any, case: Any, response: Any) -> None:
        """schemathesis ``after_call`` hook: watch each response for an authentication failure."""
        del context, case
        headers = [(name, value) for name, values in response.headers.items() for value in values]
        sent = response.request.headers.get("Authorization") if response.request is not None else None
        self.observe(response.status_code, headers, response.content, sent)


def accept_header(operation: Any) -> str | None:
    """The media type a KPN client asks for: the first one of the operation's success response.

    KPN Things answers 400 without its vendor ``Accept``
    (``application/vnd.kpnthings.device.v1.response+json``), and OpenAPI ignores ``Accept``
    header parameters, so schemathesis would never send one.
    """
    raw = operation.definition.raw
    for status, response in sorted(raw.get("responses", {}).items(), key=lambda item: str(item[0])):
        if str(status).startswith("2") and isinstance(response, dict):
            for media_type in response.get("content", {}) or {}:
                return str(media_type)
    produces = raw.get("produces") or operation.schema.raw_schema.get("produces") or []
    for media_type in produces:
        if isinstance(media_type, str) and "/" in media_type:  # a published spec has "application" alone
            return media_type
    return None
