"""Discriminators: the property that tells a oneOf's shapes apart, and its tag → schema mapping.

A response whose tags may now select an unknown or another shape hurts code that decodes by tag; a
request whose tag no longer selects the shape the consumer sends is rejected. Mapping targets are
compared by the schema they name (a renamed schema with the same content is no change).
"""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import canonical

__all__ = ["RULES", "compare_discriminator"]

RULES: tuple[Rule, ...] = (
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
        key = token.replace("~1", "/").replace("~0", "~")
        node = node.get(key) if isinstance(node, dict) else None
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


def compare_discriminator(
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
    shared = before.keys() & after.keys()
    changed = sorted(k for k in shared if not _same_target(emitter, before[k], after[k]))
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
