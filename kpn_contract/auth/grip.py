"""GRIP machine authentication: tokens for KPN Things.

``POST`` the JSON ``{grant_type, audience, client_id, client_secret}`` to the tenant's token URL
(``{tenant_id}`` is filled in; three URL forms are known, so it is configurable). There is no
refresh token: a new token is always requested with the API key.

GRIP documents three error texts, each mapped to a TokenError with KPN's documented hint.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

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

__all__ = ["GRIP_ERRORS", "GripTokenProvider", "parse_grip_token"]

# (pattern, documented text, documented hint). The patterns also match the JSON-escaped forms.
GRIP_ERRORS: Final[tuple[tuple[re.Pattern[str], str, str], ...]] = (
    (
        re.compile(r"Feature user does not exist anymore", re.IGNORECASE),
        "Feature user does not exist anymore.",
        "check your API Key ID or Secret: they may be incorrect",
    ),
    (
        re.compile(r"Feature service does not exist anymore", re.IGNORECASE),
        "Feature service does not exist anymore.",
        "add the KPN Things Portal service to your API Key in the GRIP Portal (Services and roles)",
    ),
    (
        re.compile(r"idpId\\?\"?\s*not found", re.IGNORECASE),
        'SAML request error: "idpId" not found.',
        "your tenant ID (a path variable) is wrong: copy the GRIP Tenant ID from Customer Details",
    ),
)


def parse_grip_token(
    response: httpx.Response,
    *,
    profile: Profile | None = None,
    clock: Callable[[], float] = time.time,
) -> Token:
    """The token of a GRIP token response, or a TokenError carrying the documented meaning.

    The documented error texts are found wherever they sit: ``error``, ``error_description``,
    ``message`` or a plain-text body. Raises only :class:`~kpn_contract.errors.TokenError`.
    """
    status = response.status_code
    name = profile.name if profile else None
    body = json_object(response)
    if 200 <= status < 300 and body is not None:
        return token_from_body(body, clock=clock, profile=name, status=status)

    text = body_texts(response, body)
    code = body.get("error") if body else None
    code = code if isinstance(code, str) else None
    for pattern, documented, hint in GRIP_ERRORS:
        if pattern.search(text):
            raise TokenError(
                f"GRIP refused the token request (HTTP {status}): {documented}",
                hint=hint,
                status=status,
                code=code,
                profile=name,
            )

    server_says = excerpt(response)
    if 200 <= status < 300:
        hint = "check token_url: something other than GRIP answered"
    elif looks_like_html(response):
        hint = "an HTML page answered instead of GRIP: check token_url, a proxy or the network"
    elif status == 404:
        hint = "no GRIP token endpoint at this URL: check the profile's token_url (three forms are known)"
    elif status == 429:
        hint = "GRIP rate-limited the token requests: look for many processes sharing one API key"
    elif status >= 500:
        hint = "GRIP had a server fault and still had it after the retries; try again later"
    else:
        hint = "unexpected answer from GRIP: check the tenant ID, audience, API key ID and secret"
    raise TokenError(
        f"the GRIP token request failed (HTTP {status}): {server_says}",
        hint=hint,
        status=status,
        code=code,
        profile=name,
    )


class GripTokenProvider(BaseTokenProvider):
    """Machine-authentication tokens of GRIP for KPN Things."""

    def build_request(self) -> httpx.Request:
        """``POST`` the JSON client-credentials request to the tenant's token URL."""
        return httpx.Request(
            "POST",
            self.token_url,
            json={
                "grant_type": "client_credentials",
                "audience": self.profile.audience,
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
            headers={"Accept": "application/json"},
            extensions=self._timeout(),
        )

    def parse(self, response: httpx.Response) -> Token:
        """The token of a GRIP response, or TokenError with the documented hint."""
        return parse_grip_token(response, profile=self.profile, clock=self.clock)

    def is_permanent(self, response: httpx.Response) -> bool:
        """A documented GRIP error text is a credential error whatever the status: never retry it."""
        text = response_text(response)
        return any(pattern.search(text) for pattern, _, _ in GRIP_ERRORS)
