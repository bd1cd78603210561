"""What request and response validation share: media types, headers, pointers, clipped text, and
the one cache of compiled JSON Schemas.

Both :mod:`~kpn_contract.contract.validate` (responses) and :mod:`~kpn_contract.contract.requests`
(requests) find the operation through :class:`~kpn_contract.contract.index.SpecIndex` and compile
schemas through :class:`CompiledSchemas`, so a schema shared by a request body and a response is
compiled once per validator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final

import jsonschema_rs
import msgspec

from kpn_contract.contract.model import JSONSchema, MediaType
from kpn_contract.redact import redact

__all__ = [
    "CompiledSchemas",
    "clip",
    "decode_json",
    "header_value",
    "is_json",
    "json_pointer",
    "match_media",
    "media_name",
]

logger = logging.getLogger(__name__)

MAX_SCHEMA_ERRORS = 10
_ACTUAL_CHARS = 120


# msgspec parses JSON about twice as fast as the standard library (benchmarks/validation.py; orjson is
# as fast, but turns integers wider than 64 bits into floats, which changes what a schema sees).
_DECODER: Final = msgspec.json.Decoder()


def decode_json(body: bytes) -> Any:
    """A JSON body as Python data; ``ValueError`` (with the standard library's message) when it is not JSON.

    Fast path: msgspec. Anything it refuses is handed to :func:`json.loads`, so the verdict and the
    message stay the standard library's (which also reads ``NaN`` and ``Infinity``, as before). Depth
    is bounded on both paths: nesting past the interpreter's recursion limit is refused as a ValueError.
    """
    try:
        return _DECODER.decode(body)
    except (msgspec.DecodeError, RecursionError):
        pass
    try:
        return json.loads(body)  # UnicodeDecodeError is a ValueError too
    except RecursionError:
        raise ValueError("nested too deeply") from None


def media_name(content_type: str) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    """JSON, including structured ``+json`` types (``application/vnd.kpnthings.device.v1.response+json``)."""
    return media.endswith(("/json", "+json")) or media == "*/*"


def header_value(headers: Mapping[str, Any], name: str) -> str | None:
    """A header value from httpx headers, a plain dict (any case) or a cassette's ``{name: [values]}``."""
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if value is None else str(value)


def clip(text: str) -> str:
    """Redacted, and at most a line's worth: what a violation may quote of a value."""
    text = redact(text)
    return text if len(text) <= _ACTUAL_CHARS else text[: _ACTUAL_CHARS - 1] + "…"


def json_pointer(parts: Iterable[object]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def match_media(content: Mapping[str, MediaType], actual: str) -> MediaType | None:
    """The declared media type an actual one (already lower-cased, no parameters) falls under."""
    exact = content.get(actual)
    if exact is not None:
        return exact
    lowered = {name.lower().split(";", 1)[0].strip(): media for name, media in content.items()}
    if actual in lowered:
        return lowered[actual]
    major = actual.split("/", 1)[0]
    return lowered.get(f"{major}/*") or lowered.get("*/*")


class CompiledSchemas:
    """jsonschema-rs validators, compiled once per (schema, format checking) for a validator's life.

    Resolved schemas are shared objects, so ``id()`` identifies the same ``$ref`` across operations;
    the cache keeps the schema alive with its validator, so an id is never reused while cached.
    Responses are checked without ``format`` (KPN's answers are held to shape, not to string
    formats); request parameters and bodies with it, as KPN's gateway checks what it is sent.
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[int, bool], tuple[JSONSchema, Any]] = {}

    def compile(self, schema: JSONSchema, where: str, *, formats: bool = False, warn: bool = True) -> Any:
        """The compiled validator of ``schema``, or None when it cannot be compiled (warned once)."""
        key = (id(schema), formats)
        found = self._compiled.get(key)
        if found is None:
            try:
                compiled = jsonschema_rs.Draft202012Validator(schema, validate_formats=formats)
            except (ValueError, jsonschema_rs.ValidationError) as exc:
                if warn:
                    logger.warning("schema of %s cannot be compiled (%s); not checked", where, exc)
                compiled = None
            found = self._compiled[key] = (schema, compiled)
        return found[1]
