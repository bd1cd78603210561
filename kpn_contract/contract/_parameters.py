"""Reading a request's parameter values back from their strings, as OpenAPI serialises them.

A query, path, header or cookie value arrives as text; its schema speaks of integers, arrays and
objects. :func:`read_parameter` undoes the declared ``style``/``explode`` (form, simple, label,
matrix, spaceDelimited, pipeDelimited, deepObject) and coerces each piece to the type its schema
names, so the compiled schema then judges the value itself. A piece that does not parse as its type
stays a string, and the schema reports the type error. Written here because the validators we use
(jsonschema-rs) judge values, and openapi-core's deserialisers come with its own spec model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

from kpn_contract.contract.model import JSONSchema, Parameter

__all__ = ["MISSING", "RequestParts", "fields_object", "form_object", "read_parameter", "serialisation"]

MISSING: Final = object()  # the parameter is not in the request at all
_INTEGER = re.compile(r"[-+]?[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}


@dataclass
class RequestParts:
    """The parameter-bearing parts of one request, split once."""

    query: dict[str, list[str]]
    headers: Mapping[str, str]  # case-insensitive (httpx.Headers)
    path: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, query: str, headers: Mapping[str, str], path: dict[str, str]) -> RequestParts:
        values: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            values.setdefault(name, []).append(value)
        cookies: dict[str, str] = {}
        # A plain split, not http.cookies: SimpleCookie drops a whole header over one odd cookie.
        for pair in (headers.get("cookie") or "").split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep and name:
                cookies.setdefault(name, value)
        return cls(values, headers, path, cookies)


def serialisation(parameter: Parameter) -> tuple[str, bool]:
    """The (style, explode) in effect: the declared ones, else OpenAPI's defaults for the location."""
    style = parameter.style or ("form" if parameter.location in ("query", "cookie") else "simple")
    explode = parameter.explode if parameter.explode is not None else style == "form"
    return style, explode


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


def _coerce(text: str, schema: Any) -> Any:
    """``text`` as the type its schema names; unchanged when it is a string or parses as none."""
    types = _types(schema) if isinstance(schema, dict) else set()
    if not types or "string" in types:
        return text
    if types & {"integer", "number"} and _INTEGER.fullmatch(text):
        return int(text)
    if "number" in types and _NUMBER.fullmatch(text):
        return float(text)
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text in ("", "null"):
        return None
    return text


def _coerce_array(pieces: list[str], schema: JSONSchema) -> list[Any]:
    return [_coerce(piece, schema.get("items")) for piece in pieces]


def _coerce_object(pairs: dict[str, str], schema: JSONSchema) -> dict[str, Any]:
    properties = schema.get("properties")
    props = properties if isinstance(properties, dict) else {}
    return {key: _coerce(value, props.get(key)) for key, value in pairs.items()}


def _kind(schema: JSONSchema) -> str:
    types = _types(schema)
    if "array" in types:
        return "array"
    if "object" in types and "string" not in types:
        return "object"
    return "scalar"


def _from_text(text: str, parameter: Parameter, style: str, explode: bool) -> Any:
    """One value of the simple, label, matrix or form styles (path, header, cookie, a query scalar)."""
    schema, kind, separator = parameter.schema, _kind(parameter.schema), ","
    if style == "label":
        text = text.removeprefix(".")
        separator = "." if explode else ","
    elif style == "matrix":
        prefix = f";{parameter.name}="
        if kind == "array" and explode:
            return _coerce_array([p.removeprefix(f"{parameter.name}=") for p in text.split(";") if p], schema)
        text = text.removeprefix(prefix) if text.startswith(prefix) else text.removeprefix(";")
        separator = ";" if explode and kind == "object" else ","
    if kind == "array":
        return _coerce_array(text.split(separator) if text else [], schema)
    if kind == "object":
        if explode:
            pairs = dict(p.partition("=")[::2] for p in text.split(separator) if p)
        else:
            pieces = text.split(separator)
            pairs = dict(zip(pieces[::2], pieces[1::2], strict=False))
        return _coerce_object(pairs, schema)
    return _coerce(text, schema)


def read_parameter(parameter: Parameter, parts: RequestParts) -> Any:
    """The value of ``parameter`` in the request, typed per its schema, or :data:`MISSING`."""
    style, explode = serialisation(parameter)
    name, schema = parameter.name, parameter.schema
    if parameter.location == "query":
        kind = _kind(schema)
        if style == "deepObject":
            prefix = name + "["
            nested = {
                key[len(prefix) : -1]: values[0]
                for key, values in parts.query.items()
                if key.startswith(prefix) and key.endswith("]")
            }
            return _coerce_object(nested, schema) if nested else MISSING
        if kind == "object" and style == "form" and explode:
            properties = schema.get("properties")
            spread = {k: parts.query[k][0] for k in (properties or {}) if k in parts.query}
            return _coerce_object(spread, schema) if spread else MISSING
        values = parts.query.get(name)
        if values is None:
            return MISSING
        if kind == "array":
            if style == "form" and explode:
                return _coerce_array(values, schema)
            joined = values[0]
            return _coerce_array(joined.split(_DELIMITERS.get(style, ",")) if joined else [], schema)
        return _from_text(values[0], parameter, "form", explode)
    if parameter.location == "path":
        text = parts.path.get(name)
    elif parameter.location == "header":
        text = parts.headers.get(name)
    else:
        text = parts.cookies.get(name)
    return MISSING if text is None else _from_text(text, parameter, style, explode)


def form_object(body: bytes, schema: JSONSchema) -> dict[str, Any]:
    """An ``application/x-www-form-urlencoded`` body as the object its schema describes."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return fields_object(values, schema)


def fields_object(values: Mapping[str, list[str]], schema: JSONSchema) -> dict[str, Any]:
    """Named text fields (a form's, a multipart body's) as the object ``schema`` describes."""
    properties = schema.get("properties")
    props = properties if isinstance(properties, dict) else {}
    result: dict[str, Any] = {}
    for name, found in values.items():
        prop = props.get(name)
        if isinstance(prop, dict) and "array" in _types(prop):
            result[name] = _coerce_array(found, prop)
        else:
            result[name] = _coerce(found[0], prop)
    return result
