"""Where coverage's exchanges come from: recorded cassettes, or the responses of a live pytest run.

Both reduce a call to an :class:`~kpn_contract.coverage.model.Exchange` at once, keeping names and
media types only, so no value (a planted secret in a query, a token in a header) goes any further.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from kpn_contract.cassettes.store import iter_cassettes, load_cassette
from kpn_contract.coverage.model import Exchange

__all__ = ["exchange_from_response", "exchanges_from_cassettes", "reduce_call"]

_FORM = "application/x-www-form-urlencoded"


def _media_type(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() or None if value else None


def _cookie_names(values: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(value)
        except CookieError:
            continue
        names.extend(cookie.keys())
    return tuple(names)


def reduce_call(  # noqa: PLR0917 - the fields of one call, named at both call sites
    method: str,
    url: str,
    status: int,
    request_headers: Iterable[tuple[str, str]],
    request_body: bytes,
    response_content_type: str | None,
) -> Exchange:
    """One call reduced to an :class:`Exchange` (names and media types, no values)."""
    parts = urlsplit(url)
    headers = [(name.lower(), value) for name, value in request_headers]
    request_type = _media_type(next((v for n, v in headers if n == "content-type"), None))
    form: tuple[str, ...] = ()
    if request_type == _FORM and request_body:
        form = tuple(name for name, _ in parse_qsl(request_body.decode("latin-1"), keep_blank_values=True))
    return Exchange(
        method=method.upper(),
        url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        status=status,
        query=tuple(dict.fromkeys(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))),
        headers=tuple(dict.fromkeys(name for name, _ in headers)),
        cookies=_cookie_names(v for n, v in headers if n == "cookie"),
        form=form,
        has_body=bool(request_body),
        request_media_type=request_type,
        response_media_type=_media_type(response_content_type),
    )


def exchange_from_response(response: httpx.Response) -> Exchange:
    """The exchange of a response seen by an httpx client (its request is attached)."""
    request = response.request
    try:
        body = request.content
    except httpx.RequestNotRead:  # a streamed upload: a body was sent, its bytes are gone
        body = b"-"
    return reduce_call(
        request.method,
        str(request.url),
        response.status_code,
        request.headers.multi_items(),
        body,
        response.headers.get("content-type"),
    )


def exchanges_from_cassettes(dirs: Iterable[str | os.PathLike[str]]) -> Iterator[Exchange]:
    """Every recorded interaction under ``dirs``, each cassette read through the safe loader."""
    for path in iter_cassettes(dirs):
        for interaction in load_cassette(path).interactions:
            yield reduce_call(
                interaction.method,
                interaction.uri,
                interaction.status,
                interaction.request_headers,
                interaction.request_body,
                interaction.response_header("content-type"),
            )
