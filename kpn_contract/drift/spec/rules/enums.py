"""Enums: the values a field may hold, closed (`enum`) or open-ended (`x-extensible-enum`)."""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import SchemaView

RULES: tuple[Rule, ...] = (
    Rule(
        "request.enum.value-removed",
        "breaking",
        "diff",
        "a value the consumer may send is no longer allowed",
        "A value you may send is no longer allowed (or an enum was introduced).",
        "`healthState` loses `INIT`",
    ),
    Rule(
        "response.enum.value-added",
        "warning",
        "both",
        "a response field has a new enum value",
        "A field you read can hold a value your code does not know.",
        "`alarmState` gains `FATAL`",
    ),
    Rule(
        "response.enum.value-removed",
        "info",
        "diff",
        "a response enum was narrowed",
        "A response enum was narrowed; you will see fewer values.",
        "`alarmState` loses `MINOR`",
    ),
    Rule(
        "request.extensible-enum.value-removed",
        "breaking",
        "diff",
        "a value of a request x-extensible-enum was removed",
        "A listed value you may send is no longer supported; the list of an open enum only grows.",
        "`x-extensible-enum: [SMS, MAIL]` → `[SMS]`",
    ),
    Rule(
        "request.extensible-enum.flag-removed",
        "warning",
        "diff",
        "a request x-extensible-enum became a closed enum",
        "Values beyond the listed ones, which the open enum let the server accept, are now rejected.",
        "`x-extensible-enum: [SMS, MAIL]` → `enum: [SMS, MAIL]`",
    ),
    Rule(
        "response.enum.became-extensible",
        "warning",
        "diff",
        "a closed response enum became an x-extensible-enum",
        "A field you read may now hold unlisted values; an exhaustive switch must handle unknown ones.",
        "`enum: [SMS, MAIL]` → `x-extensible-enum: [SMS, MAIL]`",
    ),
)


def _open_values(schema: dict[str, Any]) -> frozenset[Any] | None:
    """The listed values of an open enum: an ``x-extensible-enum`` list, or ``enum`` with the flag set."""
    flag = schema.get("x-extensible-enum")
    listed = flag if isinstance(flag, list) else schema.get("enum") if flag is True else None
    return frozenset(map(str, listed)) if isinstance(listed, list) else None


def _closed_values(schema: dict[str, Any]) -> frozenset[Any] | None:
    listed = schema.get("enum")
    if schema.get("x-extensible-enum") is not None or not isinstance(listed, list):
        return None
    return frozenset(str(v) for v in listed if v is not None)


def compare_extensible(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, side: str
) -> None:
    """The x-extensible-enum checks of one node (the schema walk calls the closed-enum ones)."""
    before_open, after_open = _open_values(old), _open_values(new)
    if side == "response":
        before_closed = _closed_values(old)
        if before_closed is not None and after_open is not None:
            emitter.emit(
                "response.enum.became-extensible",
                op,
                pointer,
                old=sorted(before_closed),
                new=sorted(after_open),
                message="response enum became open-ended: unlisted values may be returned",
            )
        return
    if before_open is None:
        return
    after_closed = _closed_values(new)
    after = after_open if after_open is not None else after_closed
    if after is None:
        return  # no list at all any more: any value is accepted
    if removed := sorted(before_open - after):
        emitter.emit(
            "request.extensible-enum.value-removed",
            op,
            pointer,
            old=sorted(before_open),
            new=sorted(after),
            message=f"request value list no longer has {', '.join(removed)}",
        )
    elif after_closed is not None:
        emitter.emit(
            "request.extensible-enum.flag-removed",
            op,
            pointer,
            old=sorted(before_open),
            new=sorted(after_closed),
            message="request enum is no longer open-ended: unlisted values are rejected",
        )


def compare_response_values(emitter: Emitter, op: str, a: SchemaView, b: SchemaView, *, pointer: str) -> None:
    """Enum checks (a const counts as an enum of one) of a response node."""
    old, new = a.values(), b.values()
    if old is not None:
        if new is None:
            if b.extensible:
                return  # became an x-extensible-enum: the enum family reports it
            if not b.types or "string" in b.types or a.types == b.types:
                emitter.emit(
                    "response.enum.value-added",
                    op,
                    pointer,
                    old=sorted(map(str, old)),
                    new="any",
                    message="response enum was lifted: any value may now be returned",
                )
        else:
            added, removed = new - old, old - new
            if added:
                emitter.emit(
                    "response.enum.value-added",
                    op,
                    pointer,
                    old=sorted(map(str, old)),
                    new=sorted(map(str, new)),
                    message=f"response enum gained {', '.join(sorted(map(str, added)))}",
                )
            if removed:
                emitter.emit(
                    "response.enum.value-removed",
                    op,
                    pointer,
                    old=sorted(map(str, old)),
                    new=sorted(map(str, new)),
                    message=f"response enum narrowed, drops {', '.join(sorted(map(str, removed)))}",
                )


def compare_request_values(emitter: Emitter, op: str, a: SchemaView, b: SchemaView, *, pointer: str) -> None:
    """Enum checks (a const counts as an enum of one) of a request node."""
    old, new = a.values(), b.values()
    if new is not None:
        if old is None:
            if a.extensible:
                return  # an x-extensible-enum closed: the enum family reports it
            emitter.emit(
                "request.enum.value-removed",
                op,
                pointer,
                old="any",
                new=sorted(map(str, new)),
                message="request value is now restricted to an enum",
            )
        elif removed := old - new:
            emitter.emit(
                "request.enum.value-removed",
                op,
                pointer,
                old=sorted(map(str, old)),
                new=sorted(map(str, new)),
                message=f"request enum no longer allows {', '.join(sorted(map(str, removed)))}",
            )
