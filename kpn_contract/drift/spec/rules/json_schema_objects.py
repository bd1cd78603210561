"""JSON Schema 2020-12 objects: dependent*, unevaluatedProperties, propertyNames, patternProperties.

In a request each of these can only reject more when added or changed; in a response each promise
removed or changed lets through objects the consumer was told it would not get.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.composition import canonical
from kpn_contract.drift.spec.rules.json_schema import unevaluated, unevaluated_hurts
from kpn_contract.drift.spec.rules.rule import Emitter, Rule

__all__ = ["RULES", "compare_object_keywords"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.dependent-required.added",
        "breaking",
        "diff",
        "a request object must send a property whenever it sends another (dependentRequired)",
        "A body with the first field but without the second is now rejected.",
        "`dependentRequired: {iban: [bic]}` added",
    ),
    Rule(
        "response.dependent-required.removed",
        "warning",
        "diff",
        "a response object no longer promises a property whenever another is present",
        # Round 2 decision: kept a warning (oasdiff: breaking): it is a field that became optional.
        "A field your code reads alongside another may now be missing, as when a field becomes optional.",
        "`dependentRequired: {iban: [bic]}` removed",
    ),
    Rule(
        "request.dependent-schemas.changed",
        "breaking",
        "diff",
        "a request object got (other) dependentSchemas",
        "A body with a given field must now meet a further schema, and may be rejected.",
        "`dependentSchemas: {iban: {required: [bic]}}` added",
    ),
    Rule(
        "response.dependent-schemas.changed",
        "warning",
        "diff",
        "a response object's dependentSchemas were removed or replaced",
        # Round 2 decision: kept a warning (oasdiff: breaking): a condition on present fields is lost,
        # the fields keep their own schemas.
        "What your code may assume when a field is present no longer holds; the fields keep their own types.",
        "`dependentSchemas: {iban: ...}` removed",
    ),
    Rule(
        "request.unevaluated-properties.closed",
        "breaking",
        "diff",
        "a request object no longer accepts (or now constrains) properties no keyword declares"
        " (unevaluatedProperties)",
        "A body with a field no subschema declares is now rejected.",
        "`unevaluatedProperties: false` added",
    ),
    Rule(
        "response.unevaluated-properties.opened",
        "breaking",
        "diff",
        "a response object may now hold properties no keyword declares (unevaluatedProperties removed"
        " or loosened)",
        # Breaking, though a new response field is info: an open schema asks a client to ignore
        # unknown fields; `unevaluatedProperties: false` promised there would be none.
        "The schema promised no undeclared fields; a strict decoder built on that promise, or code that"
        " sends the object back to a closed request schema, fails on them.",
        "`unevaluatedProperties: false` removed",
    ),
    Rule(
        "request.property-names.changed",
        "breaking",
        "diff",
        "the keys of a request object (map) must now match (other) propertyNames",
        "A map you send with keys that were fine may now be rejected.",
        "`propertyNames: {pattern: ^[a-z]+$}` added",
    ),
    Rule(
        "response.property-names.changed",
        "warning",
        "diff",
        "the keys of a response object (map) are no longer held to their propertyNames",
        # Round 2 decision: kept a warning (oasdiff: breaking). Keys are strings whatever propertyNames
        # says; a looser key is a loosened pattern, which `response.pattern.changed` warns about.
        "A map you read may have keys of a form your code does not expect; they are still strings.",
        "`propertyNames: {maxLength: 8}` removed",
    ),
    Rule(
        "request.pattern-properties.added",
        "breaking",
        "diff",
        "a request object got a patternProperties entry",
        "Keys you send that match the new pattern must now hold values of its schema.",
        "`patternProperties: {^x-: {type: string}}` added",
    ),
    Rule(
        "response.pattern-properties.removed",
        "breaking",
        "diff",
        "a response object lost a patternProperties entry",
        # Round 2 decision: breaking (it warned before; oasdiff agrees). The values lose their schema, a
        # type change: a typed map (`Map<String, Price>`) no longer decodes what may now come.
        "Keys you read that match the pattern may now hold any value, of any type: a typed map fails"
        " to decode them.",
        "`patternProperties: {^x-: {type: string}}` removed",
    ),
)


def _pairs(schema: dict[str, Any]) -> set[tuple[str, str]]:
    table = schema.get("dependentRequired")
    if not isinstance(table, dict):
        return set()
    return {(str(k), str(v)) for k, names in table.items() if isinstance(names, list) for v in names}


def _patterns(schema: dict[str, Any]) -> dict[str, Any]:
    found = schema.get("patternProperties")
    return found if isinstance(found, dict) else {}


def _changed(before: Any, after: Any, *, request: bool) -> bool:
    """A restricting keyword: hurts a request when added/changed, a response when removed/changed."""
    hurting = after if request else before
    return hurting is not None and (before is None or after is None or canonical(before) != canonical(after))


def compare_object_keywords(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, side: str
) -> None:
    request = side != "response"
    prefix = "request" if request else "response"
    before, after = _pairs(old), _pairs(new)
    if request and (added := after - before):
        emitter.emit(
            "request.dependent-required.added",
            op,
            f"{pointer}/dependentRequired",
            old=sorted(before),
            new=sorted(after),
            message="request object: " + ", ".join(f"{k} now needs {v}" for k, v in sorted(added)),
        )
    if not request and (removed := before - after):
        emitter.emit(
            "response.dependent-required.removed",
            op,
            f"{pointer}/dependentRequired",
            old=sorted(before),
            new=sorted(after),
            message="response object: "
            + ", ".join(f"{v} no longer comes with {k}" for k, v in sorted(removed)),
        )
    for keyword, rule_id in (
        ("dependentSchemas", f"{prefix}.dependent-schemas.changed"),
        ("propertyNames", f"{prefix}.property-names.changed"),
    ):
        if _changed(old.get(keyword), new.get(keyword), request=request):
            emitter.emit(
                rule_id,
                op,
                f"{pointer}/{keyword}",
                old=old.get(keyword),
                new=new.get(keyword),
                message=f"{prefix} object's {keyword} changed",
            )
    props = unevaluated(old, "unevaluatedProperties"), unevaluated(new, "unevaluatedProperties")
    if unevaluated_hurts(*props, request=request):
        emitter.emit(
            "request.unevaluated-properties.closed" if request else "response.unevaluated-properties.opened",
            op,
            f"{pointer}/unevaluatedProperties",
            old=props[0],
            new=props[1],
            message="request object no longer accepts undeclared properties"
            if request
            else "response object may now hold undeclared properties",
        )
    patterns_before, patterns_after = _patterns(old), _patterns(new)
    gained = sorted(patterns_after.keys() - patterns_before.keys())
    lost = sorted(patterns_before.keys() - patterns_after.keys())
    if request and gained:
        emitter.emit(
            "request.pattern-properties.added",
            op,
            f"{pointer}/patternProperties",
            old=sorted(patterns_before),
            new=sorted(patterns_after),
            message=f"request object: keys matching {', '.join(gained)} now have a schema",
        )
    if not request and lost:
        emitter.emit(
            "response.pattern-properties.removed",
            op,
            f"{pointer}/patternProperties",
            old=sorted(patterns_before),
            new=sorted(patterns_after),
            message=f"response object: keys matching {', '.join(lost)} are no longer described",
        )
