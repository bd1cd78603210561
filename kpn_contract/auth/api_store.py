"""API Store gateway tokens: OAuth 2.0 client credentials at ``api-prd.kpn.com``.

``POST {token_url}?grant_type=client_credentials`` with the form ``client_id=…&client_secret=…``.
``grant_type`` goes in the query string, as KPN documents. The 200 body holds strings only
(``expires_in "3599"``, ``issued_at`` in epoch milliseconds); known variants are accepted too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from kpn_contract.auth._base import (
    BaseTokenProvider,
    body_texts,
    excerpt,
    json_object,
    looks_like_html,
    response_text,
    token_from_body,
)
from kpn_contract.auth.tokens import Token
from kpn_contract.errors import TokenError

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = ["ApiStoreTokenProvider", "parse_gateway_token"]

GRANT_TYPE = "client_credentials"


def _credentials_hint(profile: Profile | None) -> str:
    if profile is None:
        return "check the client ID and secret of the sandbox or project credentials (KPN Developer Portal)"
    return (
        f"check the client ID and secret of the {profile.name!r} credentials in {profile.client_id_env} and "
        f"{profile.client_secret_env} (KPN Developer Portal: Sandbox, or the project under Projects)"
    )


def parse_gateway_token(
    response: httpx.Response,
    *,
    profile: Profile | None = None,
    clock: Callable[[], float] = time.time,
) -> Token:
    """The token of a gateway token response, or a TokenError carrying the documented meaning.

    Accepts the documented all-strings body and its known variants (``api_product_list_json``,
    another ``level``, ``expires_in "1799"``, a JWT-shaped token, ``developer.email``, a numeric
    ``expires_in``). Raises only :class:`~kpn_contract.errors.TokenError`.
    """
    status = response.status_code
    name = profile.name if profile else None
    body = json_object(response)
    if 200 <= status < 300:
        if body is None:
            raise TokenError(
                f"the gateway token endpoint answered HTTP {status} without JSON: {excerpt(response)}",
                hint="check token_url: something other than the KPN gateway answered",
                status=status,
                profile=name,
            )
        return token_from_body(body, clock=clock, profile=name, status=status)

    code = body.get("ErrorCode") if body else None
    code = code if isinstance(code, str) else None
    text = body_texts(response, body)
    server_says = excerpt(response)

    def error(hint: str, what: str = "the gateway refused the token request") -> TokenError:
        return TokenError(
            f"{what} (HTTP {status}): {server_says}", hint=hint, status=status, code=code, profile=name
        )

    if "invalid_client-invalid_client_id" in text:
        # Mobile Services Management answers bad credentials with a 500.
        raise error(
            f"{_credentials_hint(profile)}; Mobile Services Management reports bad credentials as HTTP 500"
        )
    if code == "invalid_client" or "ClientId is Invalid" in text or "invalid_client" in text:
        raise error(_credentials_hint(profile))
    if "grant_type" in text:
        raise error(
            "grant_type=client_credentials must be in the query string of the token URL; "
            "check the profile's token_url"
        )
    if "client_id" in text and "missing" in text:
        raise error(
            "the form body must carry client_id and client_secret: check that the profile's "
            "environment variables are set and not empty"
        )
    if looks_like_html(response):
        raise error(
            "an HTML page answered instead of the gateway: check token_url, a proxy or the network",
            "the token endpoint answered with an HTML page",
        )
    if status == 429:
        raise error(
            "the gateway rate-limited the token requests; tokens are cached, so look for many "
            "processes or profiles sharing one API key"
        )
    if status >= 500:
        raise error("KPN's gateway had a server fault and still had it after the retries; try again later")
    if status == 404:
        raise error("there is no token endpoint at this URL: check the profile's token_url")
    raise error("unexpected answer from the gateway token endpoint")


class ApiStoreTokenProvider(BaseTokenProvider):
    """Client-credentials tokens of the API Store gateway (the sandbox and project credential sets)."""

    def build_request(self) -> httpx.Request:
        """``POST token_url?grant_type=client_credentials`` with the client ID and secret as a form."""
        return httpx.Request(
            "POST",
            httpx.URL(self.token_url).copy_merge_params({"grant_type": GRANT_TYPE}),
            data={"client_id": self.credentials.client_id, "client_secret": self.credentials.client_secret},
            headers={"Accept": "application/json"},
            extensions=self._timeout(),
        )

    def parse(self, response: httpx.Response) -> Token:
        """The token of a gateway response, or TokenError with the documented hint."""
        return parse_gateway_token(response, profile=self.profile, clock=self.clock)

    def is_permanent(self, response: httpx.Response) -> bool:
        """A 500 naming ``invalid_client`` is a credential error, not a fault: never retry it."""
        return "invalid_client" in response_text(response)
