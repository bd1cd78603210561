"""Composition: oneOf/anyOf branches, allOf parts, discriminators and not, judged by direction.

A response that may take a new shape (a new branch, a new discriminator value) hurts code that
handles each shape; a request that may no longer take a shape (a branch removed, a mapping value
gone, a ``not`` added) rejects what the consumer sent. Branches match by content (``$ref`` is
already resolved); when the branch count is unchanged the walk compares the merged branches instead.
"""

from __future__ import annotations

import json
from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import FALSE_SCHEMA

__all__ = ["RULES", "canonical", "changed_branches", "compare_composition"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.composition.branch-removed",
        "breaking",
        "diff",
        "a oneOf/anyOf branch of a request value was removed",
        "A shape you may send (one of the alternatives) is no longer accepted.",
        "`oneOf: [Card, Iban]` → `oneOf: [Card]`",
    ),
    Rule(
        "response.composition.branch-added",
        "warning",
        "diff",
        "a oneOf/anyOf branch was added to a response value",
        "A value you read may come in a shape your code does not handle yet.",
        "`oneOf: [Card]` → `oneOf: [Card, Iban]`",
    ),
    Rule(
        "response.composition.branch-removed",
        "info",
        "diff",
        "a oneOf/anyOf branch of a response value was removed",
        "A response value comes in fewer shapes; nothing to do.",
        "`anyOf: [Card, Iban]` → `anyOf: [Card]`",
    ),
    Rule(
        "request.all-of.part-added",
        "warning",
        "diff",
        "a request value must also match a new allOf part",
        "What you send must now also meet another schema; check what the new part demands.",
        "`allOf: [Base]` → `allOf: [Base, Audit]`",
    ),
    Rule(
        "request.discriminator.property-changed",
        "breaking",
        "diff",
        "the discriminator property of a request value changed",
        "The server tells the shapes apart by another field than the one you set.",
        "`propertyName: kind` → `propertyName: type`",
    ),
    Rule(
        "response.discriminator.property-changed",
        "breaking",
        "diff",
        "the discriminator property of a response value changed",
        "Your code tells the shapes apart by a field that no longer decides the shape.",
        "`propertyName: kind` → `propertyName: type`",
    ),
    Rule(
        "request.discriminator.mapping-removed",
        "breaking",
        "diff",
        "a discriminator value of a request value was removed",
        "A type tag you send is no longer mapped to a shape and is rejected.",
        "`mapping: {card, iban}` → `mapping: {card}`",
    ),
    Rule(
        "response.discriminator.mapping-added",
        "warning",
        "diff",
        "a discriminator value was added to a response value",
        "A type tag you read may have a value your code does not know.",
        "`mapping: {card}` → `mapping: {card, iban}`",
    ),
    Rule(
        "response.discriminator.mapping-removed",
        "info",
        "diff",
        "a discriminator value of a response value was removed",
        "You will see fewer type tags; nothing to do.",
        "`mapping: {card, iban}` → `mapping: {card}`",
    ),
    Rule(
        "request.discriminator.mapping-changed",
        "breaking",
        "diff",
        "a discriminator value of a request value now selects another schema",
        "A type tag you send now selects another shape, which your body may not fit.",
        "`card: Card` → `card: CardV2`",
    ),
    Rule(
        "response.discriminator.mapping-changed",
        "breaking",
        "diff",
        "a discriminator value of a response value now selects another schema",
        "A type tag you read now comes with another shape than your code decodes.",
        "`card: Card` → `card: CardV2`",
    ),
    Rule(
        "request.not.changed",
        "breaking",
        "diff",
        "a request value got a `not` (excluded values), or another one",
        "Values you send may now fall in the excluded set and be rejected.",
        '`not: {const: ""}` added',
    ),
    Rule(
        "response.not.changed",
        "warning",
        "diff",
        "a response value's `not` (excluded values) was removed or replaced",
        "A value you read may now be one the spec used to exclude.",
        '`not: {const: ""}` removed',
    ),
)


def canonical(schema: Any) -> str:
    """One text per schema content, so equal branches compare equal whatever their key order."""
    try:
        return json.dumps(schema, sort_keys=True, default=str)
    except (ValueError, RecursionError):  # a cyclic schema a loader did not cut: equal only to itself
        return f"<schema at {id(schema)}>"


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def _branches(schema: dict[str, Any]) -> list[Any] | None:
    for key in ("oneOf", "anyOf"):
        found = schema.get(key)
        if isinstance(found, list):
            return [b for b in found if isinstance(b, dict) and not _is_null_branch(b)]
    return None


def _values_only(branches: list[Any]) -> bool:
    """A oneOf of consts (or enums) is an enum in disguise; the enum rules compare it."""
    return all("const" in b or "enum" in b for b in branches)


def _branch_findings(
    emitter: Emitter, op: str, old: list[Any], new: list[Any], *, pointer: str, request: bool
) -> None:
    before = {canonical(b): b for b in old}
    after = {canonical(b): b for b in new}
    removed = [k for k in before if k not in after]
    added = [k for k in after if k not in before]
    if request and removed:
        emitter.emit(
            "request.composition.branch-removed",
            op,
            pointer,
            old=len(old),
            new=len(new),
            message=f"request value lost {len(removed)} of its {len(old)} alternatives",
        )
    if not request and added:
        emitter.emit(
            "response.composition.branch-added",
            op,
            pointer,
            old=len(old),
            new=len(new),
            message=f"response value has {len(added)} new alternative(s)",
        )
    if not request and removed:
        emitter.emit(
            "response.composition.branch-removed",
            op,
            pointer,
            old=len(old),
            new=len(new),
            message=f"response value lost {len(removed)} alternative(s)",
        )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _target(root: Any, value: Any) -> Any:
    """The schema a mapping value names in a spec's raw document (a local ``$ref`` or a bare name)."""
    if not isinstance(value, str) or not isinstance(root, dict):
        return None
    if not value.startswith("#/"):
        if "/" in value or "#" in value:
            return None  # another file: not resolved here
        value = f"#/components/schemas/{value}"
    node: Any = root
    for token in value[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    return node


def _same_target(emitter: Emitter, old: Any, new: Any) -> bool:
    """Whether two mapping values name the same schema: equal, or renamed with the same content.

    The spec diff sets ``roots`` (the raw documents); ``Dog`` → ``MyDog`` with an identical schema
    is a rename a consumer never sees on the wire (the tag value, not the schema name, travels).
    """
    if old == new:
        return True
    roots = getattr(emitter, "roots", None)
    if not roots:
        return False
    before, after = _target(roots[0], old), _target(roots[1], new)
    return before is not None and after is not None and canonical(before) == canonical(after)


def _discriminator(
    emitter: Emitter, op: str, old: Any, new: Any, pointer: str, *, request: bool, branches_changed: bool
) -> None:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    prefix = "request" if request else "response"
    where = f"{pointer}/discriminator"
    if old.get("propertyName") != new.get("propertyName"):
        emitter.emit(
            f"{prefix}.discriminator.property-changed",
            op,
            f"{where}/propertyName",
            old=old.get("propertyName"),
            new=new.get("propertyName"),
            message=f"{prefix} shapes are told apart by {new.get('propertyName')!r}"
            f" (was {old.get('propertyName')!r})",
        )
        return
    before, after = _mapping(old.get("mapping")), _mapping(new.get("mapping"))
    changed = sorted(k for k in before.keys() & after.keys() if not _same_target(emitter, before[k], after[k]))
    if changed:
        emitter.emit(
            f"{prefix}.discriminator.mapping-changed",
            op,
            f"{where}/mapping",
            old={k: before[k] for k in changed},
            new={k: after[k] for k in changed},
            message=f"{prefix} type tag(s) {', '.join(changed)} now select another schema",
        )
    if branches_changed:
        return  # the branch finding already says a shape came or went
    removed, added = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
    if removed and (request or not added):
        rule = (
            "request.discriminator.mapping-removed" if request else "response.discriminator.mapping-removed"
        )
        emitter.emit(
            rule,
            op,
            f"{where}/mapping",
            old=sorted(before),
            new=sorted(after),
            message=f"{prefix} type tag(s) {', '.join(removed)} removed",
        )
    if added and not request:
        emitter.emit(
            "response.discriminator.mapping-added",
            op,
            f"{where}/mapping",
            old=sorted(before),
            new=sorted(after),
            message=f"response type tag(s) {', '.join(added)} added",
        )


def _not(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, request: bool
) -> None:
    before, after = old.get("not"), new.get("not")
    hurting = after if request else before
    if hurting is None or (
        before is not None and after is not None and canonical(before) == canonical(after)
    ):
        return
    emitter.emit(
        "request.not.changed" if request else "response.not.changed",
        op,
        f"{pointer}/not",
        old=before,
        new=after,
        message="request value excludes other values now"
        if request
        else "response value may now hold values it excluded",
    )


def changed_branches(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """Branch pairs (pointer suffix, old, new) that changed in place, when no branch came or went.

    Equal branches are set aside first, so a reordering pairs nothing; the rest pair by position.
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    found: list[tuple[str, Any, Any]] = []
    for key in ("oneOf", "anyOf"):
        before, after = old.get(key), new.get(key)
        if not isinstance(before, list) or not isinstance(after, list) or len(before) != len(after):
            continue
        known_before, known_after = {canonical(b) for b in before}, {canonical(b) for b in after}
        rest_before = [(i, b) for i, b in enumerate(before) if canonical(b) not in known_after]
        rest_after = [b for b in after if canonical(b) not in known_before]
        if len(rest_before) == len(rest_after):
            found += [(f"/{key}/{i}", b, a) for (i, b), a in zip(rest_before, rest_after, strict=True)]
    return found


def compare_composition(emitter: Emitter, op: str, old: Any, new: Any, *, pointer: str, side: str) -> bool:
    """Emit the composition findings of one node; True when its branches came or went.

    Then the caller skips the walk of the merged branches (it would report the branch's fields again).
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    request = side != "response"
    old_branches, new_branches = _branches(old), _branches(new)
    branches_changed = (
        old_branches is not None
        and new_branches is not None
        and len(old_branches) != len(new_branches)
        and not _values_only(old_branches + new_branches)
    )
    if branches_changed and old_branches is not None and new_branches is not None:
        _branch_findings(emitter, op, old_branches, new_branches, pointer=pointer, request=request)
    parts_before, parts_after = old.get("allOf"), new.get("allOf")
    if request and isinstance(parts_before, list) and isinstance(parts_after, list):
        known = {canonical(p) for p in parts_before}
        added = [p for p in parts_after if canonical(p) not in known]
        if added and len(parts_after) > len(parts_before):
            emitter.emit(
                "request.all-of.part-added",
                op,
                f"{pointer}/allOf",
                old=len(parts_before),
                new=len(parts_after),
                message=f"request value must also match {len(added)} new allOf part(s)",
            )
    _discriminator(
        emitter,
        op,
        old.get("discriminator"),
        new.get("discriminator"),
        pointer,
        request=request,
        branches_changed=branches_changed,
    )
    # A schema that is exactly {"not": {}} is `false` (items: false, additionalProperties: false):
    # the rules of those keywords report it.
    if ("not" in old or "not" in new) and FALSE_SCHEMA not in (old, new):
        _not(emitter, op, old, new, pointer=pointer, request=request)
    return branches_changed
