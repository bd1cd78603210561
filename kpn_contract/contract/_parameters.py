"""Reading a request's parameter values back from their strings, as OpenAPI serialises them.

A query, path, header or cookie value arrives as text; its schema speaks of integers, arrays and
objects. :class:`ParameterReader` undoes the declared ``style``/``explode`` (form, simple, label,
matrix, spaceDelimited, pipeDelimited, deepObject) and coerces each piece to the type its schema
names, so the compiled schema then judges the value itself. A piece that does not parse as its type
stays a string, and the schema reports the type error. Written here because the validators we use
(jsonschema-rs) judge values, and openapi-core's deserialisers come with its own spec model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote_plus

from kpn_contract.contract.model import JSONSchema, Parameter

__all__ = [
    "MISSING",
    "ParameterReader",
    "RequestParts",
    "declared_serialisation",
    "fields_object",
    "form_object",
]

MISSING: Final = object()  # the parameter is not in the request at all
# The serialisation of a parameter declared with ``content: {application/json: ...}``: one JSON value.
CONTENT_JSON = "json"
_INTEGER = re.compile(r"[-+]?[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
Coerce = Callable[[str], Any]


def _query_values(query: str) -> dict[str, list[str]]:
    # parse_qsl, minus its generality: most pairs need no unquoting, and this runs on every request.
    values: dict[str, list[str]] = {}
    for pair in query.split("&") if query else ():
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            name, value = unquote_plus(name), unquote_plus(value)
        values.setdefault(name, []).append(value)
    return values


@dataclass
class RequestParts:
    """The parameter-bearing parts of one request, split once."""

    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    path: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(
        cls, query: str, headers: Mapping[str, str], path: dict[str, str], *, cookies: bool = True
    ) -> RequestParts:
        # httpx.Headers gives its names lower-case already. Told apart by its method rather than an
        # isinstance, so that loading specs (kpn-contract diff) does not import httpx (and its CLI's).
        multi_items = getattr(headers, "multi_items", None)
        pairs = (
            multi_items()
            if multi_items is not None
            else [(name.lower(), value) for name, value in headers.items()]
        )
        lowered: dict[str, str] = {}
        for key, value in pairs:
            lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
        jar: dict[str, str] = {}
        # A plain split, not http.cookies: SimpleCookie drops a whole header over one odd cookie.
        for pair in (lowered.get("cookie") or "").split(";") if cookies else ():
            name, sep, value = pair.strip().partition("=")
            if sep and name:
                jar.setdefault(name, value)
        return cls(_query_values(query), lowered, path, jar)


# Swagger 2.0 ``collectionFormat`` as OpenAPI 3 (style, explode); ``csv`` is the location's default style.
_COLLECTION_FORMATS = {
    "ssv": ("spaceDelimited", False),
    "tsv": ("tabDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
}


def declared_serialisation(
    node: dict[Any, Any], location: str, *, swagger: bool
) -> tuple[str | None, bool | None]:
    """A parameter's ``style`` and ``explode`` as written (Swagger 2.0: from ``collectionFormat``)."""
    if swagger:
        if node.get("type") != "array":
            return None, None
        fmt = node.get("collectionFormat", "csv")
        if fmt in _COLLECTION_FORMATS:
            return _COLLECTION_FORMATS[fmt]
        return ("form" if location in ("query", "formData") else "simple"), False
    style, explode = node.get("style"), node.get("explode")
    return (style if isinstance(style, str) else None), (explode if isinstance(explode, bool) else None)


def _types(schema: JSONSchema) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    found: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or ():
            if isinstance(sub, dict):
                found |= _types(sub)
    return found


def _text(text: str) -> str:
    return text


def _coercer(schema: Any) -> Coerce:
    """How a piece of text becomes the type ``schema`` names; unchanged for strings and untyped schemas."""
    types = frozenset(_types(schema)) if isinstance(schema, dict) else frozenset()
    if not types or "string" in types:
        return _text
    if types == {"array"}:
        # An array inside an array (Vonage's `features`): a query string cannot nest, so each piece
        # is read as a comma-separated list of its items.
        item = _coercer(schema.get("items"))
        return lambda text: [item(piece) for piece in text.split(",")] if text else []

    def coerce(text: str) -> Any:
        if types & {"integer", "number"} and _INTEGER.fullmatch(text):
            return int(text)
        if "number" in types and _NUMBER.fullmatch(text):
            return float(text)
        if "boolean" in types and text in ("true", "false"):
            return text == "true"
        if "null" in types and text in ("", "null"):
            return None
        return text  # left as it came: the schema then reports the type

    return coerce


def _kind(schema: JSONSchema) -> str:
    types = _types(schema)
    if "array" in types:
        return "array"
    if "object" in types and "string" not in types:
        return "object"
    return "scalar"


class ParameterReader:
    """Reads one parameter back from a request, typed per its schema; built once per parameter."""

    def __init__(self, parameter: Parameter) -> None:
        self.name, self.location, schema = parameter.name, parameter.location, parameter.schema
        self.lowered = self.name.lower()
        self.style, self.explode = parameter.serialisation
        self.kind = _kind(schema)
        self.coerce = _coercer(schema)
        self.coerce_item = _coercer(schema.get("items"))
        properties = schema.get("properties")
        self.properties = (
            {key: _coercer(sub) for key, sub in properties.items()} if isinstance(properties, dict) else {}
        )
        # The common shapes get a read of their own, chosen once: a request with ten parameters pays
        # ten dict lookups and coercions, not ten walks through the style rules.
        # (A query scalar reads the same in every style but deepObject: see _query.)
        plain = self.kind == "scalar" and self.style in ("simple", "form")
        if self.kind == "scalar" and self.location == "query" and self.style != "deepObject":
            self.read = self._read_query_scalar  # type: ignore[method-assign]
        elif plain and self.location == "header":
            self.read = self._read_header_scalar  # type: ignore[method-assign]
        elif plain and self.location == "path":
            self.read = self._read_path_scalar  # type: ignore[method-assign]

    def _object(self, pairs: dict[str, str]) -> dict[str, Any]:
        return {key: self.properties.get(key, _text)(value) for key, value in pairs.items()}

    def _array(self, pieces: list[str]) -> list[Any]:
        return [self.coerce_item(piece) for piece in pieces]

    def _read_query_scalar(self, parts: RequestParts) -> Any:
        values = parts.query.get(self.name)
        return MISSING if values is None else self.coerce(values[0])

    def _read_header_scalar(self, parts: RequestParts) -> Any:
        text = parts.headers.get(self.lowered)
        return MISSING if text is None else self.coerce(text)

    def _read_path_scalar(self, parts: RequestParts) -> Any:
        text = parts.path.get(self.name)
        return MISSING if text is None else self.coerce(text)

    def read(self, parts: RequestParts) -> Any:
        """The value in the request, or :data:`MISSING`."""
        if self.style == CONTENT_JSON:
            raw: str | None
            if self.location == "query":
                raw = next(iter(parts.query.get(self.name, ())), None)
            elif self.location == "path":
                raw = parts.path.get(self.name)
            elif self.location == "header":
                raw = parts.headers.get(self.name.lower())
            else:
                raw = parts.cookies.get(self.name)
            return MISSING if raw is None else _json_or_text(raw)
        if self.location == "query":
            return self._query(parts.query)
        if self.location == "path":
            text = parts.path.get(self.name)
        elif self.location == "header":
            text = parts.headers.get(self.name.lower())
        else:
            text = parts.cookies.get(self.name)
        return MISSING if text is None else self._from_text(text, self.style)

    def _query(self, query: dict[str, list[str]]) -> Any:
        if self.style == "deepObject":
            prefix = self.name + "["
            nested = {
                key[len(prefix) : -1]: values[0]
                for key, values in query.items()
                if key.startswith(prefix) and key.endswith("]")
            }
            return self._object(nested) if nested else MISSING
        if self.kind == "object" and self.style == "form" and self.explode:
            spread = {key: query[key][0] for key in self.properties if key in query}
            return self._object(spread) if spread else MISSING
        values = query.get(self.name)
        if values is None:
            return MISSING
        if self.kind == "array":
            if self.style == "form" and self.explode:
                return self._array(values)
            joined = values[0]
            return self._array(joined.split(_DELIMITERS.get(self.style, ",")) if joined else [])
        return self._from_text(values[0], "form")

    def _from_text(self, text: str, style: str) -> Any:
        """One value of the simple, label, matrix or form styles (path, header, cookie, a query scalar)."""
        if self.kind == "scalar" and style in ("simple", "form"):
            return self.coerce(text)
        kind, explode, separator = self.kind, self.explode, ","
        if style == "label":
            text = text.removeprefix(".")
            separator = "." if explode else ","
        elif style == "matrix":
            prefix = f";{self.name}="
            if kind == "array" and explode:
                return self._array([p.removeprefix(f"{self.name}=") for p in text.split(";") if p])
            text = text.removeprefix(prefix) if text.startswith(prefix) else text.removeprefix(";")
            separator = ";" if explode and kind == "object" else ","
        if kind == "array":
            return self._array(text.split(separator) if text else [])
        if kind == "object":
            if explode:
                pairs = dict(p.partition("=")[::2] for p in text.split(separator) if p)
            else:
                pieces = text.split(separator)
                pairs = dict(zip(pieces[::2], pieces[1::2], strict=False))
            return self._object(pairs)
        return self.coerce(text)


def _json_or_text(text: str) -> Any:
    """A ``content: application/json`` parameter's value: its JSON, or the text when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def form_object(body: bytes, schema: JSONSchema) -> dict[str, Any]:
    """An ``application/x-www-form-urlencoded`` body as the object its schema describes."""
    return fields_object(_query_values(body.decode("utf-8", errors="replace")), schema)


def fields_object(values: Mapping[str, list[str]], schema: JSONSchema) -> dict[str, Any]:
    """Named text fields (a form's, a multipart body's) as the object ``schema`` describes."""
    properties = schema.get("properties")
    props = properties if isinstance(properties, dict) else {}
    result: dict[str, Any] = {}
    for name, found in values.items():
        prop = props.get(name)
        if isinstance(prop, dict) and "array" in _types(prop):
            item = _coercer(prop.get("items"))
            result[name] = [item(piece) for piece in found]
        else:
            result[name] = _coercer(prop)(found[0])
    return result
