"""A small, deterministic JSON Schema instance generator (the emulator's product mocks, the contract suite).

Written here rather than borrowed: hypothesis-jsonschema draws random data (the emulator must
answer the same bytes every run) and is not a runtime dependency. The instance is small but
representative: every declared property near the top (so responses exercise the schema), only
required ones deeper down, enums' first value, and typical values for common string formats. Where
the loader cut a recursive ``$ref`` (:func:`~kpn_contract.contract._schema.is_cut_cycle`), an optional
property is left out and an array holds no more items than its minimum: a value there would be
judged by the real recursive schema (schemathesis reads the published document), not by the cut.
"""

from __future__ import annotations

import math
import re
from re import _parser as sre_parse
from typing import Any, Final

from kpn_contract.contract._schema import is_cut_cycle

__all__ = ["generate_instance"]

_FULL_DEPTH: Final = 3  # above this depth every declared property is filled in; below it, required ones
_MAX_DEPTH: Final = 12  # a guard against deeply nested or cut-recursive schemas

_FORMATS: Final[dict[str, str]] = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "time": "00:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
    "binary": "example",
    "password": "example",
    "duration": "PT1H",
    "phone": "+31612345678",
    "msisdn": "31612345678",
}
# Tried in order when a string schema has a pattern the plain value does not match.
_PATTERN_CANDIDATES: Final = (
    "string", "example", "A", "a", "1", "0", "12", "123", "1234", "12345678", "+31612345678",
    "31612345678", "0612345678", "ABC", "abc123", "NL", "nl", "EUR", "2026-01-01", "https://example.com/",
    "user@example.com",
)  # fmt: skip


def _first_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        return non_null[0] if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


_CATEGORY_SAMPLES: Final = {"CATEGORY_DIGIT": "1", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}


def _from_pattern(nodes: Any) -> str:
    """The shortest string matching a parsed regex (the first branch, the fewest repeats)."""
    out = []
    for op, arg in nodes:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_from_class(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = arg
            out.append(_from_pattern(sub) * low)
        elif name == "SUBPATTERN":
            out.append(_from_pattern(arg[-1]))
        elif name == "ATOMIC_GROUP":
            out.append(_from_pattern(arg))
        elif name == "BRANCH":
            out.append(_from_pattern(arg[1][0]))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _from_class(items: Any) -> str:
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            raise ValueError(name)  # a negated class: the caller falls back to fixed candidates
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY" and str(arg) in _CATEGORY_SAMPLES:
            return _CATEGORY_SAMPLES[str(arg)]
    raise ValueError("character class")


def _matching(pattern: str, rx: re.Pattern[str], fallback: str) -> str:
    # re's own parser (private, but stable since 3.11, and sre_parse warns) turns simple patterns
    # such as Dutch postcodes into a matching value; anything unusual falls back to fixed candidates.
    try:
        candidate = _from_pattern(sre_parse.parse(pattern))
    except (ValueError, TypeError, IndexError, re.error, RecursionError):
        candidate = ""
    if candidate and rx.search(candidate):
        return candidate
    return next((c for c in _PATTERN_CANDIDATES if rx.search(c)), fallback)


def _string(schema: dict[str, Any]) -> str:
    value = _FORMATS.get(str(schema.get("format", "")), "string")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            rx = re.compile(pattern)
        except re.error:
            rx = None
        if rx is not None and not rx.search(value):
            value = _matching(pattern, rx, value)
    min_length = schema.get("minLength")
    if isinstance(min_length, int) and len(value) < min_length:
        value = value + "x" * (min_length - len(value))
    max_length = schema.get("maxLength")
    if isinstance(max_length, int) and len(value) > max_length:
        value = value[:max_length]
    return value


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum")
    exclusive_low = schema.get("exclusiveMinimum")
    high = schema.get("maximum")
    exclusive_high = schema.get("exclusiveMaximum")
    value: float = 0
    if isinstance(low, int | float):
        value = low
    if isinstance(exclusive_low, int | float) and value <= exclusive_low:
        value = exclusive_low + 1 if integer else exclusive_low + 0.5
    if isinstance(high, int | float) and value > high:
        value = high
    if isinstance(exclusive_high, int | float) and value >= exclusive_high:
        value = exclusive_high - 1 if integer else exclusive_high - 0.5
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = math.ceil(value / step) * step
    return math.ceil(value) if integer else value


def _merge_all_of(parts: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, dict):
            continue
        flat = part
        if "allOf" in part:
            flat = {**{k: v for k, v in part.items() if k != "allOf"}, **_merge_all_of(part["allOf"])}
        for key, value in flat.items():
            if key == "properties" and isinstance(value, dict):
                merged.setdefault("properties", {}).update(value)
            elif key == "required" and isinstance(value, list):
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged


def generate_instance(
    schema: Any, *, use_examples: bool = True, depth: int = 0, all_properties: bool = False
) -> Any:
    """A deterministic instance of ``schema`` (Draft 2020-12, as the spec loader produces).

    With ``use_examples`` the schema's own ``example``/``examples``/``default`` values win, as
    the documented answer; without, values are generated from the types alone. ``all_properties``
    fills every declared property of this object even below the full depth.
    """
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if use_examples:
        if "example" in schema:
            return schema["example"]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return next((v for v in enum if v is not None), enum[0])
    if use_examples and "default" in schema:
        return schema["default"]
    if isinstance(schema.get("allOf"), list):
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return generate_instance(
            _merge_all_of([rest, *schema["allOf"]]), use_examples=use_examples, depth=depth
        )
    for combinator in ("oneOf", "anyOf"):
        options = schema.get(combinator)
        if isinstance(options, list) and options:
            usable = [o for o in options if isinstance(o, dict) and not is_cut_cycle(o)] or options
            chosen = next((o for o in usable if isinstance(o, dict) and o.get("type") != "null"), usable[0])
            rest = {k: v for k, v in schema.items() if k != combinator}
            # Every declared property of the chosen branch: branches that differ only in optional
            # properties (published specs have them) are told apart by those, not by an empty object.
            return generate_instance(
                _merge_all_of([rest, chosen]), use_examples=use_examples, depth=depth, all_properties=True
            )
    kind = _first_type(schema)
    if kind == "object":
        return _object(schema, use_examples=use_examples, depth=depth, all_properties=all_properties)
    if kind == "array":
        return _array(schema, use_examples=use_examples, depth=depth)
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "string"  # an unconstrained schema: any value is valid


def _array(schema: dict[str, Any], *, use_examples: bool, depth: int) -> list[Any]:
    """The tuple positions of ``prefixItems`` first, then ``items`` up to the minimum (if it allows more)."""
    prefix = schema.get("prefixItems")
    values = [
        generate_instance(sub, use_examples=use_examples, depth=depth + 1)
        for sub in (prefix if isinstance(prefix, list) else [])
    ]
    items = schema.get("items", {})
    if items is False or items == {"not": {}}:  # a closed tuple (the loader turns false into {"not": {}})
        return values
    min_items = schema.get("minItems", 0)
    representative = 1 if depth < _FULL_DEPTH and not is_cut_cycle(items) else 0
    count = max(min_items if isinstance(min_items, int) else 0, representative)
    values.extend(
        generate_instance(items, use_examples=use_examples, depth=depth + 1)
        for _ in range(count - len(values))
    )
    return values


def _object(
    schema: dict[str, Any], *, use_examples: bool, depth: int, all_properties: bool = False
) -> dict[str, Any]:
    declared = schema.get("properties")
    properties: dict[str, Any] = declared if isinstance(declared, dict) else {}
    required = [r for r in schema.get("required", []) if isinstance(r, str)]
    full = depth < _FULL_DEPTH or all_properties
    names = list(properties) if full else [n for n in properties if n in required]
    result: dict[str, Any] = {}
    for name in [*names, *(r for r in required if r not in names)]:
        sub = properties.get(name, {})
        if name not in required and (
            is_cut_cycle(sub) or (isinstance(sub, dict) and sub.get("writeOnly") is True)
        ):
            continue
        result[name] = generate_instance(sub, use_examples=use_examples, depth=depth + 1)
    min_properties = schema.get("minProperties")
    extra = schema.get("additionalProperties")
    if isinstance(min_properties, int) and len(result) < min_properties and extra is not False:
        for index in range(min_properties - len(result)):
            result[f"key{index}"] = generate_instance(
                extra if isinstance(extra, dict) else {}, use_examples=use_examples, depth=depth + 1
            )
    return result
