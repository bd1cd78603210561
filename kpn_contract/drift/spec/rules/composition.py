"""Composition: oneOf/anyOf branches, allOf parts and not, judged by direction.

A response that may take a new shape (a new branch, a new discriminator value) hurts code that
handles each shape; a request that may no longer take a shape (a branch removed, a mapping value
gone, a ``not`` added) rejects what the consumer sent. Branches match by content (``$ref`` is
already resolved); when the branch count is unchanged the walk compares the merged branches instead.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.discriminators import compare_discriminator
from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import FALSE_SCHEMA, canonical

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
        "request.composition.wrapped-in-one-of",
        "breaking",
        "diff",
        "a request value (a body or a field) was wrapped in a oneOf",
        "A body that fit the old schema must now fit exactly one alternative: rejected when none is the"
        " old shape (breaking), or when it matches more than one (a warning when the old shape is kept).",
        "`Card` → `oneOf: [CardV2, Iban]`",
        other_severity="warning",
    ),
    Rule(
        "response.composition.branch-added",
        "breaking",
        "diff",
        "a oneOf/anyOf branch was added to a response value (or the value was wrapped in one)",
        # Decided breaking (it warned before round 2): unlike a new enum value, which a string field
        # still holds, a value of an unknown shape has no type to be decoded into; a generated client's
        # union deserialiser fails on it.
        "A value you read may come in a shape your code has no type for; a generated client's union"
        " decoder fails on it.",
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


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def _branches(schema: dict[str, Any]) -> list[Any] | None:
    for key in ("oneOf", "anyOf"):
        found = schema.get(key)
        if isinstance(found, list):
            return [b for b in found if isinstance(b, dict) and not _is_null_branch(b)]
    return None


# Keywords that say nothing about which values a schema allows.
_ANNOTATIONS = frozenset({"title", "description", "example", "examples", "$comment", "externalDocs"})


def _content(schema: Any) -> str:
    if isinstance(schema, dict):
        schema = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    return canonical(schema)


def _wrapped(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, request: bool
) -> bool:
    """A plain value that became a oneOf (request) or oneOf/anyOf (response) of two or more shapes.

    Returns True when reported, so the walk of the merged branches does not report their fields
    again. In a request an ``anyOf`` that keeps the old shape accepts all it did: not reported.
    """
    key = "oneOf" if isinstance(new.get("oneOf"), list) else "anyOf"
    branches = _branches(new)
    if _branches(old) is not None or not branches or len(branches) < 2 or _values_only(branches):
        return False
    kept = any(_content(b) == _content(old) for b in branches)
    if request:
        if key != "oneOf":
            return False
        emitter.emit(
            "request.composition.wrapped-in-one-of",
            op,
            f"{pointer}/oneOf",
            old=1,
            new=len(branches),
            message="request value is now a oneOf"
            + (
                ": a value matching more than one alternative is rejected"
                if kept
                else " without its old shape"
            ),
            severity="warning" if kept else "breaking",
        )
    else:
        emitter.emit(
            "response.composition.branch-added",
            op,
            f"{pointer}/{key}",
            old=1,
            new=len(branches),
            message=f"response value is now a {key} of {len(branches)} shapes",
        )
    return True


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
    if _wrapped(emitter, op, old, new, pointer=pointer, request=request):
        return True
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
    compare_discriminator(
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
