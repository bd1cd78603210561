"""Constraints: bounds, lengths, counts, patterns and formats, tightened in requests or loosened in responses.

A request is hurt when a value it used to send may now be rejected (a bound raised, a pattern
added); a response when the server may now send a value the consumer was promised it would not
(a longer string, a number past the old maximum). Parameters' schemas compare the same way as body
properties: the parameter family calls :func:`compare_constraints` (through the schema walk).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule

__all__ = ["RULES", "compare_constraints", "constraint_keywords"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.value-range.narrowed",
        "breaking",
        "diff",
        "a request number's minimum raised or maximum lowered (also the exclusive forms)",
        "A number you send inside the old range may now be rejected.",
        "`minimum: 0` → `minimum: 1`",
    ),
    Rule(
        "request.length.narrowed",
        "breaking",
        "diff",
        "a request string's minLength raised or maxLength lowered",
        "A string you send of a length that was allowed may now be rejected.",
        "`maxLength: 64` → `maxLength: 32`",
    ),
    Rule(
        "request.item-count.narrowed",
        "breaking",
        "diff",
        "a request array's minItems raised or maxItems lowered",
        "An array you send with as many items as before may now be rejected.",
        "`maxItems: 100` → `maxItems: 50`",
    ),
    Rule(
        "request.property-count.narrowed",
        "breaking",
        "diff",
        "a request object's minProperties raised or maxProperties lowered",
        "An object (map) you send with as many entries as before may now be rejected.",
        "`maxProperties: 20` → `maxProperties: 10`",
    ),
    Rule(
        "request.multiple-of.changed",
        "breaking",
        "diff",
        "a request number must be a multiple of a value the old step does not divide",
        "A number on the old step (`multipleOf`) may now be rejected.",
        "`multipleOf: 0.01` → `multipleOf: 1`",
    ),
    Rule(
        "request.unique-items.added",
        "breaking",
        "diff",
        "a request array must now hold unique items",
        "An array you send with a repeated item is now rejected.",
        "`uniqueItems: true` added",
    ),
    Rule(
        "request.pattern.changed",
        "breaking",
        "diff",
        "a request string got a pattern, or another one",
        "A string you send may no longer match the (new) pattern and be rejected.",
        "`pattern: ^[0-9]+$` added",
    ),
    Rule(
        "request.format.changed",
        "breaking",
        "diff",
        "a request value got a format, or another (narrower) one",
        "A value you send may not be in the (new) format and be rejected.",
        "`format: uuid` added",
    ),
    Rule(
        "response.value-range.widened",
        "breaking",
        "diff",
        "a response number's minimum lowered or maximum raised (also the exclusive forms)",
        "A number you read may lie outside the range your code (or storage) was built for.",
        "`maximum: 100` → `maximum: 1000`",
    ),
    Rule(
        "response.length.widened",
        "breaking",
        "diff",
        "a response string's minLength lowered or maxLength raised",
        "A string you read may be longer (or shorter) than the field you store it in allows.",
        "`maxLength: 32` → `maxLength: 64`",
    ),
    Rule(
        "response.item-count.widened",
        "breaking",
        "diff",
        "a response array's minItems lowered or maxItems raised",
        "An array you read may be empty or longer than your code expects.",
        "`minItems: 1` removed",
    ),
    Rule(
        "response.property-count.widened",
        "warning",
        "diff",
        "a response object's minProperties lowered or maxProperties raised",
        "An object (map) you read may hold fewer or more entries than before; seldom relied on.",
        "`maxProperties: 10` → `maxProperties: 20`",
    ),
    Rule(
        "response.multiple-of.changed",
        "warning",
        "diff",
        "a response number is no longer a multiple of the old step",
        "A number you read may be off the old step (`multipleOf`): a fraction where whole numbers came.",
        "`multipleOf: 1` → `multipleOf: 0.5`",
    ),
    Rule(
        "response.unique-items.removed",
        "warning",
        "diff",
        "a response array may now hold repeated items",
        "An array you read may repeat items; code that builds a set or keys by item may misbehave.",
        "`uniqueItems: true` removed",
    ),
    Rule(
        "response.pattern.changed",
        "warning",
        "diff",
        "a response string's pattern was removed or replaced",
        "A string you read may no longer match the pattern your code parses it by.",
        "`pattern: ^[A-Z]{2}$` removed",
    ),
    Rule(
        "response.format.changed",
        "breaking",
        "diff",
        "a response value's format was removed or replaced by a wider one",
        "A value you read may not be in the format you parse it as.",
        "`format: date-time` → `format: date`",
    ),
)

# Format pairs where the first is a subset of the second (int32 values are int64 values).
_NARROWER_FORMATS = frozenset({("int32", "int64"), ("float", "double")})

Bound = tuple[Decimal, bool]  # value, exclusive


def constraint_keywords(schema: Any) -> dict[str, Any]:
    """The node's own keywords with those of its ``allOf`` parts (the node's own win)."""
    if not isinstance(schema, dict):
        return {}
    merged = dict(schema)
    for part in schema.get("allOf") or ():
        for key, value in constraint_keywords(part).items():
            merged.setdefault(key, value)
    return merged


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of a finite float always parses
        return None


def _bound(keywords: Mapping[str, Any], plain: str, exclusive: str, *, lower: bool) -> Bound | None:
    """The strictest of ``minimum``/``exclusiveMinimum`` (or the maxima) as (value, exclusive).

    For integers an exclusive bound is turned inclusive (``exclusiveMinimum: 0`` is ``minimum: 1``),
    so the two spellings compare equal.
    """
    integer = keywords.get("type") == "integer"
    found: list[Bound] = []
    if (value := _number(keywords.get(plain))) is not None:
        found.append((value, False))
    if (value := _number(keywords.get(exclusive))) is not None:
        if integer and value == value.to_integral_value():
            found.append((value + 1 if lower else value - 1, False))
        else:
            found.append((value, True))
    if not found:
        return None
    return max(found) if lower else min(found, key=lambda b: (b[0], not b[1]))


def _stricter(old: Bound | None, new: Bound | None, *, lower: bool) -> bool:
    """Whether ``new`` lets through fewer values than ``old`` (a missing bound lets through all)."""
    if new is None:
        return False
    if old is None:
        return True
    if lower:
        return new > old
    return (new[0], not new[1]) < (old[0], not old[1])


def _count_stricter(old: Any, new: Any, *, lower: bool) -> bool:
    a, b = _number(old), _number(new)
    if b is None:
        return False
    if a is None:
        return not lower or b > 0
    return b > a if lower else b < a


def _range(a: Mapping[str, Any], b: Mapping[str, Any], narrowed: bool) -> bool:
    """True when ``b`` is stricter than ``a`` (``narrowed``) or looser (not ``narrowed``)."""
    first, second = (a, b) if narrowed else (b, a)
    return _stricter(
        _bound(first, "minimum", "exclusiveMinimum", lower=True),
        _bound(second, "minimum", "exclusiveMinimum", lower=True),
        lower=True,
    ) or _stricter(
        _bound(first, "maximum", "exclusiveMaximum", lower=False),
        _bound(second, "maximum", "exclusiveMaximum", lower=False),
        lower=False,
    )


def _counts(low: str, high: str) -> Callable[[Mapping[str, Any], Mapping[str, Any], bool], bool]:
    def check(a: Mapping[str, Any], b: Mapping[str, Any], narrowed: bool) -> bool:
        first, second = (a, b) if narrowed else (b, a)
        return _count_stricter(first.get(low), second.get(low), lower=True) or _count_stricter(
            first.get(high), second.get(high), lower=False
        )

    return check


def _multiple(a: Mapping[str, Any], b: Mapping[str, Any], narrowed: bool) -> bool:
    """Values on the old step stay valid only when the new step divides the old one."""
    first, second = (a, b) if narrowed else (b, a)
    old, new = _number(first.get("multipleOf")), _number(second.get("multipleOf"))
    if new is None or new <= 0:
        return False
    # Fractions, not Decimals: Decimal's % raises when the quotient has more digits than its precision.
    return old is None or Fraction(old) % Fraction(new) != 0


def _unique(a: Mapping[str, Any], b: Mapping[str, Any], narrowed: bool) -> bool:
    first, second = (a, b) if narrowed else (b, a)
    return second.get("uniqueItems") is True and first.get("uniqueItems") is not True


def _string_rule(key: str) -> Callable[[Mapping[str, Any], Mapping[str, Any], bool], bool]:
    def check(a: Mapping[str, Any], b: Mapping[str, Any], narrowed: bool) -> bool:
        first, second = (a, b) if narrowed else (b, a)
        old, new = first.get(key), second.get(key)
        if not isinstance(new, str) or old == new:
            return False
        return key != "format" or not isinstance(old, str) or (old, new) not in _NARROWER_FORMATS

    return check


# keyword group: (its keywords, check, request rule, response rule)
_GROUPS: tuple[
    tuple[tuple[str, ...], Callable[[Mapping[str, Any], Mapping[str, Any], bool], bool], str, str], ...
] = (
    (
        ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"),
        _range,
        "request.value-range.narrowed",
        "response.value-range.widened",
    ),
    (
        ("minLength", "maxLength"),
        _counts("minLength", "maxLength"),
        "request.length.narrowed",
        "response.length.widened",
    ),
    (
        ("minItems", "maxItems"),
        _counts("minItems", "maxItems"),
        "request.item-count.narrowed",
        "response.item-count.widened",
    ),
    (
        ("minProperties", "maxProperties"),
        _counts("minProperties", "maxProperties"),
        "request.property-count.narrowed",
        "response.property-count.widened",
    ),
    (("multipleOf",), _multiple, "request.multiple-of.changed", "response.multiple-of.changed"),
    (("uniqueItems",), _unique, "request.unique-items.added", "response.unique-items.removed"),
    (("pattern",), _string_rule("pattern"), "request.pattern.changed", "response.pattern.changed"),
    (("format",), _string_rule("format"), "request.format.changed", "response.format.changed"),
)
_ALL_KEYWORDS = frozenset(k for keys, *_ in _GROUPS for k in keys)


def compare_constraints(
    emitter: Emitter,
    op: str,
    old: Any,
    new: Any,
    *,
    pointer: str,
    side: str,
) -> None:
    """Emit a finding per constraint group that hurts the consumer on this ``side``.

    ``side`` is ``"response"`` (loosened constraints hurt) or anything else for a request value
    (a body property or a parameter: tightened constraints hurt).
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    a, b = constraint_keywords(old), constraint_keywords(new)
    if not (_ALL_KEYWORDS & (a.keys() | b.keys())):
        return
    request = side != "response"
    for keywords, hurts, request_rule, response_rule in _GROUPS:
        if hurts(a, b, request):
            before = {k: a[k] for k in keywords if k in a}
            after = {k: b[k] for k in keywords if k in b}
            change = "request value tightened" if request else "response value loosened"
            emitter.emit(
                request_rule if request else response_rule,
                op,
                pointer,
                old=before or None,
                new=after or None,
                message=f"{change}: {_text(before)} → {_text(after)}",
            )


def _text(keywords: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in keywords.items()) or "no constraint"
