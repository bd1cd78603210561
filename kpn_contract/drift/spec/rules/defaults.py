"""Defaults: a property's default changed, so a consumer that omits the value gets other behaviour.

Parameter defaults belong to the parameter family; this one covers schema properties of bodies.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule

__all__ = ["RULES", "compare_default"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.property.default-changed",
        "warning",
        "diff",
        "the default of a request body property changed or was removed",
        "A body that omits the field now gets another behaviour from the server.",
        "`pageSize` default `20` → `50`",
    ),
    Rule(
        "response.property.default-changed",
        "warning",
        "diff",
        "the default of a response property changed or was removed",
        "When the field is absent, the value to assume is no longer the one your code assumes.",
        "`currency` default `EUR` → none",
    ),
)

_MISSING = object()


def compare_default(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, side: str
) -> None:
    """A default changed or removed (a default added only documents what the server did)."""
    if side == "parameter":
        return  # the parameter family reports parameter defaults
    before, after = old.get("default", _MISSING), new.get("default", _MISSING)
    if before is _MISSING or (after is not _MISSING and after == before and type(after) is type(before)):
        return
    prefix = "response" if side == "response" else "request"
    emitter.emit(
        f"{prefix}.property.default-changed",
        op,
        f"{pointer}/default",
        old=before,
        new=None if after is _MISSING else after,
        message=f"{prefix} default {before!r} → {'none' if after is _MISSING else repr(after)}",
    )
