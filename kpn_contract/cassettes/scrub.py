"""Scrubbing by construction: what a cassette holds has passed through here first.

The :class:`Scrubber` knows *where* secrets sit (credential headers, ``client_secret`` and token
fields in form and JSON bodies and query strings, personal data in token responses). Every value it
replaces goes through :func:`kpn_contract.redact.redact`, the toolkit's one redaction function, which
also removes every registered secret and the secret values and identifiers the scrubber was given.

Credential headers (``Authorization`` and the like) are kept with the value replaced, as
``Bearer REDACTED``: a reader (and ``verify``) can still see that and how a call was authenticated,
and replay never matches on headers, so a scrubbed request still matches.

Scrubbing is idempotent, so replay scrubs each incoming request with the same scrubber and
compares it to the recording: tokens that change every run and other credentials still match.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from kpn_contract.cassettes.store import Headers, Interaction
from kpn_contract.redact import REDACTED, redact, redact_bytes
from kpn_contract.secrets import MIN_SECRET_LENGTH

__all__ = ["SECRET_FIELDS", "SECRET_HEADERS", "SECRET_QUERY_PARAMS", "Scrubber", "may_hold_pair"]

# Field names whose values are credentials or personal data, in JSON and form bodies alike.
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "client_assertion",
        "client_id",
        "client_secret",
        "developer.email",
        "developer_email",
        "id_token",
        "password",
        "refresh_token",
    }
)
SECRET_QUERY_PARAMS = SECRET_FIELDS | {"token", "key", "sig", "signature"}
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "apikey", "cookie", "set-cookie"}
)
_AUTH_SCHEMES = ("bearer", "basic", "digest", "negotiate")
_EMPTY = ("", None, REDACTED)
_SEPARATOR = "\n\x00\n"  # never inside a header value, and no redaction pattern spans it


class Scrubber:
    """Removes credentials, tokens and personal data from requests and responses.

    ``secrets``: secret values of the active profiles (client ids and secrets, tenant ids, tokens).
    ``identifiers``: values that are not secret but should not be published, such as a
    sub-customer id. Both are replaced wherever they appear, in every encoded form the one detector
    knows (:mod:`kpn_contract.secrets`); registered secrets
    (:func:`kpn_contract.redact.register_secret`) always are.
    """

    def __init__(self, secrets: Iterable[str] = (), identifiers: Iterable[str] = ()) -> None:
        self._given = frozenset(v for v in (*secrets, *identifiers) if v)

    def text(self, text: str, extra: Iterable[str] = ()) -> str:
        """Redact free text: every known value and ``extra``, in every encoded form (:func:`redact`)."""
        values = self._given.union(extra) if extra else self._given
        return redact(text, extra=values)

    # ------------------------------------------------------------------ pieces

    def url(self, url: str) -> str:
        """A URL with secret query parameters and every known value removed."""
        base, sep, query = url.partition("?")
        if not sep:
            return self.text(url)
        return f"{self.text(base)}?{self._pairs(query, SECRET_QUERY_PARAMS)}"

    def headers(self, headers: Headers) -> Headers:
        """Headers with credential values replaced (the scheme kept) and known values removed."""
        return self._headers_and_reason(headers, "")[0]

    def _headers_and_reason(self, headers: Headers, reason: str) -> tuple[Headers, str]:
        # One redact call for all ordinary values instead of one per header: recording thousands
        # of interactions spends most of its scrubbing time in per-call overhead otherwise.
        plain = [value for name, value in headers if name.lower() not in SECRET_HEADERS]
        plain.append(reason)
        scrubbed = self.text(_SEPARATOR.join(plain)).split(_SEPARATOR)
        if len(scrubbed) != len(plain):  # a replacement swallowed a separator: go one by one
            scrubbed = [self.text(value) for value in plain]
        values = iter(scrubbed)
        out = tuple(
            (name, self._credential(value) if name.lower() in SECRET_HEADERS else next(values))
            for name, value in headers
        )
        return out, next(values)

    def _credential(self, value: str) -> str:
        scheme, _, credential = value.partition(" ")
        if credential and scheme.lower() in _AUTH_SCHEMES:
            redacted = (
                self.text(credential, extra=(credential,))
                if len(credential) >= MIN_SECRET_LENGTH
                else REDACTED
            )
            return f"{scheme} {redacted}"
        return REDACTED

    def body(self, body: bytes, content_type: str | None = None) -> bytes:
        """A request or response body with secret fields and known values removed.

        JSON and form bodies keep their exact formatting unless a secret field could only be
        removed by rewriting the structure.
        """
        if not body:
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # Known values are searched in the bytes (UTF-8 and Latin-1 forms); then Latin-1 maps every
            # byte to one character and back, so binary content survives the place-shaped rules.
            return self.text(redact_bytes(body).decode("latin-1")).encode("latin-1")
        kind = (content_type or "").lower()
        if "x-www-form-urlencoded" in kind:
            return self._pairs(text, SECRET_FIELDS).encode("utf-8")
        stripped = text.lstrip()
        if "json" in kind or stripped.startswith(("{", "[")):
            return self._json(text).encode("utf-8")
        return self.text(text).encode("utf-8")

    def _pairs(self, text: str, names: frozenset[str]) -> str:
        if not may_hold_pair(text, names):
            return self.text(text)  # what the rest gives when no pair is named in ``names``
        pairs = parse_qsl(text, keep_blank_values=True)
        found = [v for k, v in pairs if k.lower() in names and v not in _EMPTY]
        extra = set(found)
        scrubbed = self.text(text, extra)
        if found and any(
            k.lower() in names and v not in _EMPTY for k, v in parse_qsl(scrubbed, keep_blank_values=True)
        ):
            # A value too short for text replacement: rebuild the pairs with it replaced.
            rebuilt = urlencode(
                [(k, REDACTED if k.lower() in names and v not in _EMPTY else v) for k, v in pairs]
            )
            scrubbed = self.text(rebuilt, extra)
        return scrubbed

    def _json(self, text: str) -> str:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return self.text(text)
        found = [v for v in _secret_values(data) if isinstance(v, str)]
        extra = set(found)
        scrubbed = self.text(text, extra)
        if _has_secret(data) and _has_secret(_loads_or_none(scrubbed)):
            # Short or non-string values: replace them in the structure and serialise again.
            scrubbed = self.text(json.dumps(_blank_secrets(data), ensure_ascii=False), extra)
        return scrubbed

    # ------------------------------------------------------------------ whole interactions

    def interaction(self, interaction: Interaction) -> Interaction:
        """Both sides of an interaction scrubbed, with Content-Length kept true to the scrubbed body."""
        request_body = self.body(interaction.request_body, interaction.request_header("content-type"))
        response_body = self.body(interaction.response_body, interaction.response_header("content-type"))
        split = len(interaction.request_headers)
        headers, reason = self._headers_and_reason(
            (*interaction.request_headers, *interaction.response_headers), interaction.reason
        )
        return replace(
            interaction,
            uri=self.url(interaction.uri),
            request_headers=_with_length(headers[:split], request_body),
            request_body=request_body,
            reason=reason,
            response_headers=_with_length(headers[split:], response_body),
            response_body=response_body,
        )


def may_hold_pair(text: str, names: frozenset[str]) -> bool:
    """Whether ``parse_qsl(text)`` may hold a value named (in any case) as one of ``names``.

    False only when it certainly does not: plain ASCII without ``%`` or ``+`` is split by
    parse_qsl into names exactly as written, so one search answers without parsing (every replayed
    and recorded URL asks this; parse_qsl was most of scrubbing one, in benchmarks/replay.py).
    """
    if not text.isascii() or "%" in text or "+" in text:
        return True
    return _named_pair(names).search(text.lower()) is not None


@functools.lru_cache(maxsize=8)
def _named_pair(names: frozenset[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:^|&)(?:{'|'.join(re.escape(name) for name in sorted(names))})=")


def _with_length(headers: Headers, body: bytes) -> Headers:
    length = str(len(body))
    return tuple((k, length) if k.lower() == "content-length" else (k, v) for k, v in headers)


def _secret_values(data: Any) -> Iterable[Any]:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.lower() in SECRET_FIELDS and value not in _EMPTY:
                    yield value
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))


def _has_secret(data: Any) -> bool:
    return next(iter(_secret_values(data)), None) is not None


def _loads_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _blank_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: REDACTED
            if isinstance(k, str) and k.lower() in SECRET_FIELDS and v not in _EMPTY
            else _blank_secrets(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_blank_secrets(item) for item in data]
    return data
