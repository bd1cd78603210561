"""JSON Schema 2020-12: values, arrays, conditions and string content (OpenAPI 3.1).

``const`` (:func:`compare_const`, an enum of one against an enum), ``items: false``,
``unevaluatedItems``, ``contains``, ``if``/``then``/``else`` and ``contentMediaType``/``contentEncoding``;
the schema walk compares ``prefixItems`` position by position, and type arrays with the types of
every node. Objects' keywords are in ``json_schema_objects``.
"""

from __future__ import annotations

from typing import Any, Literal

from kpn_contract.drift.spec.rules.composition import canonical
from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import FALSE_SCHEMA, SchemaView

RULES: tuple[Rule, ...] = (
    Rule(
        "request.const.changed",
        "breaking",
        "diff",
        "a fixed (const) request value changed",
        "The one value a field accepts (`const`) changed; what you send is rejected.",
        "`kind` const `device` → `sensor`",
    ),
    Rule(
        "request.const.added",
        "breaking",
        "diff",
        "a request value is now fixed to one value (const)",
        "A field now accepts one value only (`const`); other values you send are rejected.",
        "`kind` becomes const `device`",
    ),
    Rule(
        "request.const.removed",
        "info",
        "diff",
        "a request value is no longer fixed (const)",
        "A field is no longer fixed to one value; what you send still fits.",
        "`kind` loses const `device`",
    ),
    Rule(
        "request.prefix-items.position-added",
        "warning",
        "diff",
        "a request tuple array (prefixItems) has a new position",
        "A tuple array (`prefixItems`) you send has a new position; check whether the server expects it.",
        "`location` gets a third position",
    ),
    Rule(
        "response.const.changed",
        "breaking",
        "diff",
        "a fixed (const) response value changed",
        "A field you read was fixed to one value (`const`) and is now fixed to another.",
        "`kind` const `device` → `sensor`",
    ),
    Rule(
        "response.const.added",
        "info",
        "diff",
        "a response value is now fixed to one value (const)",
        "A response field is now fixed to one value; you will see fewer values.",
        "`kind` becomes const `device`",
    ),
    Rule(
        "response.const.removed",
        "warning",
        "diff",
        "a response value is no longer fixed (const)",
        "A field you read was fixed to one value and may now hold others.",
        "`kind` loses const `device`",
    ),
    Rule(
        "response.prefix-items.position-removed",
        "breaking",
        "diff",
        "a position of a response tuple array (prefixItems) is no longer declared",
        "A position of a tuple array (`prefixItems`) you read is no longer declared.",
        "`location` loses its third position",
    ),
    Rule(
        "request.items.closed",
        "breaking",
        "diff",
        "a request tuple array no longer accepts items after its prefixItems (items: false)",
        "An array you send with more items than the tuple declares is now rejected.",
        "`items: false` added",
    ),
    Rule(
        "response.items.opened",
        "warning",
        "diff",
        "a response tuple array may now hold items after its prefixItems",
        "An array you read may be longer than the tuple your code unpacks.",
        "`items: false` removed",
    ),
    Rule(
        "request.unevaluated-items.closed",
        "breaking",
        "diff",
        "a request array no longer accepts (or now constrains) items no keyword declares (unevaluatedItems)",
        "An array you send with an undeclared extra item is now rejected.",
        "`unevaluatedItems: false` added",
    ),
    Rule(
        "response.unevaluated-items.opened",
        "breaking",
        "diff",
        "a response array may now hold items no keyword declares (unevaluatedItems removed or loosened)",
        # Breaking, though `response.items.opened` warns: unevaluatedItems is the explicit promise that
        # nothing else comes, the one a strict decoder generated from the schema is built on.
        "The schema promised nothing beyond the declared items; a strict decoder built on that promise"
        " fails on the extra ones.",
        "`unevaluatedItems: false` removed",
    ),
    Rule(
        "request.contains.changed",
        "breaking",
        "diff",
        "a request array must now contain (more) items of a schema (contains, minContains, maxContains)",
        "An array you send may not contain what it now must and be rejected.",
        "`contains: {const: primary}` added",
    ),
    Rule(
        "response.contains.changed",
        "warning",
        "diff",
        "a response array need no longer contain the items it promised (contains, minContains, maxContains)",
        # Round 2 decision: kept a warning (oasdiff: breaking). The array still decodes as before; only
        # a lookup of the promised item may come back empty, as with a field that became optional.
        "An array you read may lack the item your code looks for (such as the primary one); it still"
        " decodes, as when a field becomes optional.",
        "`minContains: 1` → `minContains: 0`",
    ),
    Rule(
        "request.conditional.changed",
        "breaking",
        "diff",
        "a request value got if/then/else conditions, or other ones",
        "What you send must meet conditions it did not have to meet, and may be rejected.",
        "`if: {kind: sms} then: {required: [phone]}` added",
    ),
    Rule(
        "response.conditional.changed",
        "warning",
        "diff",
        "a response value's if/then/else conditions were removed or replaced",
        # Round 2 decision: kept a warning (oasdiff: breaking). Every value still has its type; only a
        # combination of fields is no longer promised, which is what `response.property.became-optional`
        # warns about.
        "A combination your code relies on (if this field, then that one) may no longer hold; every"
        " value still decodes, as when a field becomes optional.",
        "`then: {required: [phone]}` removed",
    ),
    Rule(
        "request.string-content.changed",
        "breaking",
        "diff",
        "a request string got another contentMediaType or contentEncoding",
        "A string you send must now be encoded (or hold content) another way.",
        "`contentEncoding: base64` added",
    ),
    Rule(
        "response.string-content.changed",
        "breaking",
        "diff",
        "a response string got another contentMediaType or contentEncoding",
        "A string you read must now be decoded (or parsed) another way.",
        "`contentMediaType: application/json` → `application/xml`",
    ),
)

_CONDITIONAL = ("if", "then", "else")
_STRING_CONTENT = ("contentMediaType", "contentEncoding")


def _group(schema: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: schema[k] for k in keys if k in schema}


def unevaluated(schema: dict[str, Any], keyword: str) -> Any:
    """``unevaluatedItems``/``unevaluatedProperties`` when it restricts anything (``true`` does not)."""
    value = schema.get(keyword)
    return None if value in (None, {}, True) else value


def unevaluated_hurts(before: Any, after: Any, *, request: bool) -> bool:
    """Added or changed in a request (rejects more), removed or changed in a response (lets more through)."""
    hurting = after if request else before
    return hurting is not None and (before is None or after is None or canonical(before) != canonical(after))


def _contains_hurts(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether ``second`` demands more of an array's contents than ``first`` (contains and its counts)."""
    if "contains" not in second:
        return False
    if "contains" not in first or canonical(first["contains"]) != canonical(second["contains"]):
        return True
    low = (first.get("minContains", 1), second.get("minContains", 1))
    high = (first.get("maxContains"), second.get("maxContains"))
    if all(isinstance(v, int) for v in low) and low[1] > low[0]:
        return True
    return isinstance(high[1], int) and (not isinstance(high[0], int) or high[1] < high[0])


def compare_keywords(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, side: str
) -> None:
    """The array, condition and string-content keywords of 2020-12 on one node."""
    request = side != "response"
    prefix = "request" if request else "response"
    found: list[tuple[str, str, Any, Any, str]] = []  # rule id, pointer, old, new, message
    if old.get("prefixItems") is not None or new.get("prefixItems") is not None:
        closed = old.get("items") == FALSE_SCHEMA, new.get("items") == FALSE_SCHEMA
        if request and closed == (False, True):
            found.append(("request.items.closed", "/items", None, False, "tuple array takes no extra items"))
        elif not request and closed == (True, False):
            found.append(("response.items.opened", "/items", False, None, "tuple array may hold extra items"))
    items = unevaluated(old, "unevaluatedItems"), unevaluated(new, "unevaluatedItems")
    if unevaluated_hurts(*items, request=request):
        rule_id = "request.unevaluated-items.closed" if request else "response.unevaluated-items.opened"
        found.append((rule_id, "/unevaluatedItems", *items, "array's unevaluatedItems changed"))
    if ("contains" in old or "contains" in new) and _contains_hurts(*((old, new) if request else (new, old))):
        keys = ("contains", "minContains", "maxContains")
        found.append(
            (
                f"{prefix}.contains.changed",
                "/contains",
                _group(old, keys),
                _group(new, keys),
                "array contains rules changed",
            )
        )
    conditions = _group(old, _CONDITIONAL), _group(new, _CONDITIONAL)
    if conditions[1 if request else 0] and canonical(conditions[0]) != canonical(conditions[1]):
        found.append((f"{prefix}.conditional.changed", "", *conditions, "if/then/else conditions changed"))
    content = _group(old, _STRING_CONTENT), _group(new, _STRING_CONTENT)
    if content[1] and content[0] != content[1]:  # a removed encoding only stops documenting it
        found.append(
            (
                f"{prefix}.string-content.changed",
                "",
                *content,
                "string content (media type, encoding) changed",
            )
        )
    for rule_id, where, before, after, message in found:
        emitter.emit(
            rule_id, op, pointer + where, old=before or None, new=after, message=f"{prefix} {message}"
        )


# Written out (not built from the side) so every rule id stays a literal a test can find.
_CONST_RULES = {
    "response": {
        "changed": "response.const.changed",
        "added": "response.const.added",
        "removed": "response.const.removed",
    },
    "request": {
        "changed": "request.const.changed",
        "added": "request.const.added",
        "removed": "request.const.removed",
    },
}


def compare_const(
    emitter: Emitter,
    op: str,
    a: SchemaView,
    b: SchemaView,
    *,
    pointer: str,
    side: Literal["response", "request"],
) -> bool:
    """The const checks of OpenAPI 3.1 / JSON Schema 2020-12; False to fall back to the enum checks.

    A const compared with an enum is an enum of one; only const against const (changed) and
    const against no restriction at all (added or removed) have rules of their own.
    """
    if a.const is None and b.const is None:
        return False
    if a.const is not None and b.const is not None:
        if a.const != b.const:
            emitter.emit(
                _CONST_RULES[side]["changed"],
                op,
                pointer,
                old=a.const[0],
                new=b.const[0],
                message=f"{side} value fixed to {a.const[0]!r} is now fixed to {b.const[0]!r}",
            )
        return True
    if a.values() is not None and b.values() is not None:
        return False
    if b.const is not None:
        emitter.emit(
            _CONST_RULES[side]["added"],
            op,
            pointer,
            old="any",
            new=b.const[0],
            message=f"{side} value is now fixed to {b.const[0]!r}",
        )
    elif a.const is not None:
        emitter.emit(
            _CONST_RULES[side]["removed"],
            op,
            pointer,
            old=a.const[0],
            new="any",
            message=f"{side} value is no longer fixed to {a.const[0]!r}",
        )
    return True
