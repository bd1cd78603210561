"""Schemas flattened for comparison by the spec diff: ``allOf`` merged, ``oneOf``/``anyOf`` unioned,
``null`` split off (from ``nullable``, ``x-nullable``, a ``null`` enum value, a ``{"type": "null"}``
branch or an OpenAPI 3.1 type array), so two schemas written differently compare by what they allow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kpn_contract.contract.model import JSONSchema

__all__ = [
    "FALSE_SCHEMA",
    "MAX_DEPTH",
    "SchemaView",
    "accepts",
    "canonical",
    "escape_pointer",
    "property_names",
    "type_text",
    "view_of",
]

# The loader already bounds $ref cycles; this guard keeps a pathological schema from recursing forever.
MAX_DEPTH = 48
# The boolean schema ``false`` (``items: false``, ``additionalProperties: false``) as the loader writes it.
FALSE_SCHEMA: dict[str, Any] = {"not": {}}


def canonical(schema: Any) -> str:
    """One text per schema content, so equal schemas compare equal whatever their key order."""
    try:
        return json.dumps(schema, sort_keys=True, default=str)
    except (ValueError, RecursionError):  # a cyclic schema a loader did not cut: equal only to itself
        return f"<schema at {id(schema)}>"


def escape_pointer(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class SchemaView:
    """A schema flattened for comparison: allOf merged, oneOf/anyOf unioned, null split off.

    ``const`` is a 1-tuple holding the fixed value (``None`` when there is none; a ``const: null``
    counts as nullable instead). ``prefix_items`` are the positional item schemas of a tuple array.
    """

    types: frozenset[str] = frozenset()  # empty: unconstrained
    nullable: bool = False
    properties: dict[str, JSONSchema] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    enum: frozenset[Any] | None = None
    items: JSONSchema | None = None
    additional: JSONSchema | None = None
    const: tuple[Any] | None = None
    prefix_items: tuple[JSONSchema, ...] | None = None
    extensible: bool = False  # an open-ended enum (x-extensible-enum): values listed, more may come

    def values(self) -> frozenset[Any] | None:
        """The values this node may hold, when an enum or const restricts them (else ``None``)."""
        if self.enum is not None:
            return self.enum
        return frozenset(self.const) if self.const is not None else None


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


def view_of(schema: Any, depth: int = 0) -> SchemaView:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return SchemaView()
    view = SchemaView()
    raw_type = schema.get("type")
    types = (
        {raw_type} if isinstance(raw_type, str) else set(raw_type) if isinstance(raw_type, list) else set()
    )
    nullable = "null" in types or schema.get("nullable") is True or schema.get("x-nullable") is True
    types.discard("null")
    enum = schema.get("enum")
    extensible = schema.get("x-extensible-enum")
    if extensible is True or isinstance(extensible, list):
        view.extensible = True
        enum = None  # the listed values are not all the values: the extensible-enum rules compare them
    if isinstance(enum, list):
        if None in enum:
            nullable = True
        view.enum = frozenset(_hashable(v) for v in enum if v is not None)
    if "const" in schema:
        if schema["const"] is None:
            nullable = True
        else:
            view.const = (_hashable(schema["const"]),)
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        view.prefix_items = tuple(p if isinstance(p, dict) else {} for p in prefix)
    props = schema.get("properties")
    view.properties = dict(props) if isinstance(props, dict) else {}
    required = schema.get("required")
    view.required = (
        frozenset(r for r in required if isinstance(r, str)) if isinstance(required, list) else frozenset()
    )
    items = schema.get("items")
    # ``items: false`` (loaded as ``{"not": {}}``) allows no further items: nothing to compare with.
    view.items = items if isinstance(items, dict) and items != FALSE_SCHEMA else None
    additional = schema.get("additionalProperties")
    view.additional = additional if isinstance(additional, dict) else None

    for member in schema.get("allOf") or ():
        part = view_of(member, depth + 1)
        types = (types & part.types if types else set(part.types)) if part.types else types
        for name, sub in part.properties.items():
            view.properties.setdefault(name, sub)
        view.required |= part.required
        view.items = view.items or part.items
        view.additional = view.additional or part.additional
        view.const = view.const or part.const
        view.prefix_items = view.prefix_items or part.prefix_items
        if part.enum is not None:
            view.enum = part.enum if view.enum is None else view.enum & part.enum

    variants = [m for key in ("oneOf", "anyOf") for m in (schema.get(key) or ()) if isinstance(m, dict)]
    if variants:
        parts = []
        for member in variants:
            part = view_of(member, depth + 1)
            if part.nullable and not part.types and not part.properties and part.values() is None:
                nullable = True  # a {"type": "null"} branch
                continue
            nullable = nullable or part.nullable
            parts.append(part)
        if parts:
            if all(p.types for p in parts):
                types |= set().union(*(p.types for p in parts))
            else:
                types = set()
            for part in parts:
                for name, sub in part.properties.items():
                    view.properties.setdefault(name, sub)
            view.required |= frozenset.intersection(*(p.required for p in parts))
            view.items = view.items or next((p.items for p in parts if p.items), None)
            view.additional = view.additional or next((p.additional for p in parts if p.additional), None)
            view.prefix_items = view.prefix_items or next(
                (p.prefix_items for p in parts if p.prefix_items), None
            )
            # A oneOf of consts is an enum written the 2020-12 way.
            choices = [p.values() for p in parts]
            if all(c is not None for c in choices):
                union = frozenset().union(*(c for c in choices if c is not None))
                view.enum = union if view.enum is None else view.enum & union
    view.types = frozenset(types)
    view.nullable = nullable
    return view


def type_text(types: frozenset[str], *, nullable: bool) -> str:
    text = "|".join(sorted(types)) or "any"
    return f"{text}|null" if nullable else text


def accepts(wider: frozenset[str], narrower: frozenset[str]) -> bool:
    """Whether every value of the ``narrower`` types is a value of the ``wider`` types."""
    return all(t in wider or (t == "integer" and "number" in wider) for t in narrower)


def property_names(schema: Any, depth: int = 0) -> set[str]:
    """Every property name declared anywhere in ``schema`` (nested objects, items, branches)."""
    names: set[str] = set()
    if depth > MAX_DEPTH:
        return names
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict):
            names.update(str(k) for k in props)
        for value in schema.values():
            names |= property_names(value, depth + 1)
    elif isinstance(schema, list):
        for value in schema:
            names |= property_names(value, depth + 1)
    return names
