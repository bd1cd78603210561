"""OAuth scopes: which scopes a token carries, and which scope a 403 says is missing.

* :func:`token_scopes` reads the token response's ``scope`` (RFC 6749 §5.1), else the ``scope`` or
  ``scp`` claim of a JWT-shaped access token. The JWT is decoded **without** verifying its signature:
  the toolkit only asks what the token claims, to compare it with what the specs require; the API
  remains the judge.
* :func:`insufficient_scope` reads RFC 6750 §3's ``WWW-Authenticate: Bearer error="insufficient_scope",
  scope="..."`` of a 403.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

__all__ = ["insufficient_scope", "scopes_from_claims", "token_scopes"]

# auth-param = token BWS "=" BWS ( token / quoted-string )  (RFC 9110 §11.2)
_AUTH_PARAM: Final = re.compile(r'([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _split(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    return None


def scopes_from_claims(access_token: str) -> frozenset[str] | None:
    """The ``scope`` (or ``scp``) claim of a JWT-shaped token, unverified; None when there is none."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    for name in ("scope", "scp"):
        if name in claims:
            return _split(claims[name])
    return None


def token_scopes(access_token: str, response_body: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes a token carries: the token response's ``scope``, else its JWT claim; None: unknown."""
    from_response = _split(response_body.get("scope")) if "scope" in response_body else None
    return from_response if from_response is not None else scopes_from_claims(access_token)


def insufficient_scope(response: httpx.Response) -> tuple[str, ...] | None:
    """The scopes a 403 names as missing (RFC 6750 ``insufficient_scope``), or None for any other answer."""
    if response.status_code != 403:
        return None
    for challenge in response.headers.get_list("www-authenticate"):
        scheme, _, rest = challenge.strip().partition(" ")
        if scheme.lower() != "bearer":
            continue
        params = {
            name.lower(): re.sub(r"\\(.)", r"\1", quoted) or plain
            for name, quoted, plain in _AUTH_PARAM.findall(rest)
        }
        if params.get("error") == "insufficient_scope":
            return tuple(params.get("scope", "").split())
    return None
