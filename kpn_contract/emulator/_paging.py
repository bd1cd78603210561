"""Cursor paging, sorting, search and filters of the new KPN Things API's list operations.

The rules are THINGS-DECISIONS "Paging, sort, search, filters": an opaque ``cursor``, ``limit``
(default 50 [pub], 1..200 [?]), ``sort=createdAt,-name``, ``q``, the date windows and the per-resource
filters, all combined with AND. A page is ``{"items": [...], "links": {"next"?, "previous"?}}`` whose
links are relative references (path and query). Anything malformed raises :class:`BadQueryError` (a 400).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from kpn_contract.emulator._echo import echo

__all__ = [
    "CURSOR_PATTERN",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "BadQueryError",
    "Listing",
    "UnknownCursorError",
    "decode_cursor",
    "encode_cursor",
    "list_page",
]

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
_LIMIT = re.compile(r"\+?\d{1,9}")
# createdBefore / modifiedBefore exclude the instant; createdSince / modifiedSince include it.
_WINDOWS: Final = (
    ("createdBefore", "createdAt", False),
    ("createdSince", "createdAt", True),
    ("modifiedBefore", "modifiedAt", False),
    ("modifiedSince", "modifiedAt", True),
)
_PAGING: Final = frozenset({"cursor", "limit"})
# The specs' cursor form (specs/_tools/build_things_specs.py, OPEN_CHOICES["cursor_form"]; a test keeps
# the two equal): 12 bytes, an unsigned offset and the query's 8-byte fingerprint, as 16 base64url characters.
CURSOR_PATTERN: Final = "^[A-Za-z0-9_-]{16}$"
_CURSOR: Final = re.compile(CURSOR_PATTERN.strip("^$"))
_CURSOR_LAYOUT: Final = struct.Struct(">I8s")

Search = Callable[[Mapping[str, Any], str], bool]


class BadQueryError(ValueError):
    """A malformed query: the emulator answers 400 with this message as the problem's detail."""


class UnknownCursorError(LookupError):
    """A cursor of the right form that names no page of this query: the specs' 404 (``cursor_form``)."""


def contains_ignoring_case(*fields: str) -> Search:
    """``q`` as devices, device groups and projects read it: a case-insensitive "contains" [pub]."""

    def search(item: Mapping[str, Any], term: str) -> bool:
        folded = term.casefold()
        return any(folded in str(item.get(name) or "").casefold() for name in fields)

    return search


def downlink_search(item: Mapping[str, Any], term: str) -> bool:
    """Downlinks' ``q`` [pub]: exact ``tagValue``, or within ``networkId`` or ``message``; case-sensitive."""
    return (
        item.get("tagValue") == term
        or term in str(item.get("networkId") or "")
        or term in str(item.get("message") or "")
    )


@dataclass(frozen=True)
class Listing:
    """What one list operation accepts besides paging: sortable fields, ``q``, and its filters."""

    sortable: tuple[str, ...]
    search: Search | None = None
    q_min_length: int = 1
    exact: Mapping[str, str] = field(default_factory=dict)  # query parameter -> field, equal
    partial: Mapping[str, str] = field(default_factory=dict)  # query parameter -> field, contains
    any_of: Mapping[str, str] = field(default_factory=dict)  # repeated parameter -> field, one of
    uuids: frozenset[str] = frozenset()  # parameters whose values must be UUIDs


def _fingerprint(params: QueryParams) -> str:
    # The query a cursor belongs to: every parameter but the cursor and the page size, order-free.
    kept = sorted((k, v) for k, v in params.multi_items() if k not in _PAGING)
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def encode_cursor(offset: int, params: QueryParams) -> str:
    """An opaque cursor: base64url of the offset (4 bytes) and the query's fingerprint (8 bytes).

    Fixed-width so that every string of the specs' cursor pattern (:data:`CURSOR_PATTERN`) decodes: a
    schema-valid cursor is then either a page of this query or one of another query (a 404), never a 400.
    """
    raw = _CURSOR_LAYOUT.pack(offset, bytes.fromhex(_fingerprint(params)))
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str, params: QueryParams) -> int:
    """The offset a cursor stands for.

    :class:`BadQueryError` (400) when it does not have the cursor's form, :class:`UnknownCursorError`
    (404) when it has, but belongs to another query.
    """
    if not _CURSOR.fullmatch(cursor):
        raise BadQueryError("cursor is malformed: pass back a links.next or links.previous value unchanged")
    offset, fingerprint = _CURSOR_LAYOUT.unpack(base64.urlsafe_b64decode(cursor))
    if fingerprint.hex() != _fingerprint(params):
        raise UnknownCursorError("cursor names no page of this query: keep the other parameters as they were")
    return int(offset)


def _limit(params: QueryParams) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadQueryError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _sort_keys(params: QueryParams, sortable: Sequence[str]) -> list[tuple[str, bool]]:
    """``[(field, descending)]`` from ``sort``; the default is ``createdAt`` ascending [?]."""
    raw = params.get("sort")
    if raw is None:
        return [("createdAt", False)]
    keys = []
    for part in raw.split(","):
        name = part.strip().removeprefix("-")
        if name not in sortable:
            raise BadQueryError(
                f"sort field '{echo(name)}' is unknown; sortable fields: {', '.join(sortable)}"
            )
        keys.append((name, part.strip().startswith("-")))
    return keys


def _instant(params: QueryParams, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise BadQueryError(
            f"{name} must be an ISO 8601 date-time with a time zone, e.g. 2025-05-01T00:00:00Z"
        )
    return instant


def _check_uuids(params: QueryParams, names: frozenset[str]) -> None:
    for name in sorted(names):
        for value in params.getlist(name):
            try:
                uuid.UUID(value)
            except ValueError:
                raise BadQueryError(f"{name} must be a UUID") from None


def _select(items: Sequence[dict[str, Any]], params: QueryParams, listing: Listing) -> list[dict[str, Any]]:
    _check_uuids(params, listing.uuids)
    selected = list(items)
    term = params.get("q")
    if term is not None and listing.search is not None:
        if len(term) < listing.q_min_length:
            raise BadQueryError(f"q must be at least {listing.q_min_length} character(s) long")
        if term:
            selected = [item for item in selected if listing.search(item, term)]
    for param, name in listing.exact.items():
        if param in params:
            selected = [item for item in selected if item.get(name) == params[param]]
    for param, name in listing.partial.items():
        if param in params:
            selected = [item for item in selected if params[param] in str(item.get(name) or "")]
    for param, name in listing.any_of.items():
        wanted = set(params.getlist(param))
        if wanted:
            selected = [item for item in selected if item.get(name) in wanted]
    for param, name, inclusive in _WINDOWS:
        bound = _instant(params, param)
        if bound is None:
            continue
        if inclusive:
            selected = [item for item in selected if datetime.fromisoformat(item[name]) >= bound]
        else:
            selected = [item for item in selected if datetime.fromisoformat(item[name]) < bound]
    return selected


def _ordered(items: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    ordered = sorted(items, key=lambda item: str(item["id"]))  # ties by id: a stable order to page over
    for name, descending in reversed(keys):

        def key(item: dict[str, Any], name: str = name) -> tuple[bool, str]:
            value = item.get(name)
            return (value is None, "" if value is None else str(value))  # nulls last when ascending

        ordered.sort(key=key, reverse=descending)
    return ordered


def _link(path: str, cursor: str, limit: int, params: QueryParams) -> str:
    rest = [(k, v) for k, v in params.multi_items() if k not in _PAGING]
    return f"{path}?{urlencode([('cursor', cursor), ('limit', str(limit)), *rest])}"


def list_page(
    items: Sequence[dict[str, Any]], params: QueryParams, listing: Listing, path: str
) -> dict[str, Any]:
    """One page of ``items`` for the query ``params`` of the list operation at ``path``."""
    limit = _limit(params)
    keys = _sort_keys(params, listing.sortable)
    cursor = params.get("cursor")
    offset = decode_cursor(cursor, params) if cursor is not None else 0
    selected = _ordered(_select(items, params, listing), keys)
    links: dict[str, str] = {}
    if offset + limit < len(selected):
        links["next"] = _link(path, encode_cursor(offset + limit, params), limit, params)
    if offset > 0:
        links["previous"] = _link(path, encode_cursor(max(0, offset - limit), params), limit, params)
    return {"items": selected[offset : offset + limit], "links": links}
