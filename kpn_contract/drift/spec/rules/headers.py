"""Response headers: what a consumer reads besides the body (``Location``, ``ETag``, quota headers).

Headers match by name, case-insensitively, within the same status. A header the spec marks
``required`` is one the consumer may read without checking; an optional one it had to check anyway.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.contract.model import ResponseSpec
from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import accepts, escape_pointer, type_text, view_of

__all__ = ["RULES", "compare_headers"]

RULES: tuple[Rule, ...] = (
    Rule(
        "response.header.removed",
        "breaking",
        "both",
        "a response header was removed (breaking when it was required, else warning)",
        "Code that reads a header the server always sent now finds nothing.",
        "required `Location` removed from 201",
        other_severity="warning",
    ),
    Rule(
        "response.header.became-optional",
        "warning",
        "diff",
        "a required response header became optional",
        "The header may now be missing: code that reads it unconditionally can fail.",
        "`ETag` `required: true` → `false`",
    ),
    Rule(
        "response.header.type-changed",
        "breaking",
        "diff",
        "a response header changed type",
        "A header value you parse as the old type no longer parses.",
        "`X-Count` integer → string",
    ),
    Rule(
        "response.header.format-changed",
        "breaking",
        "diff",
        "a response header changed format (breaking), or lost its format (warning)",
        "A value you parse in the old format (a date, a UUID) no longer parses.",
        "`Expires` `date-time` → `date`",
        other_severity="warning",
    ),
    Rule(
        "response.header.enum.value-added",
        "warning",
        "diff",
        "a response header may hold a value it could not hold before",
        "Code that switches over the old values meets one it does not know.",
        "`X-Status` gains `throttled`",
    ),
)


def _lower(names: dict[str, Any]) -> dict[str, str]:
    return {name.lower(): name for name in names}


def compare_headers(differ: Emitter, op: str, pointer: str, old: ResponseSpec, new: ResponseSpec) -> None:
    """The header changes of one response (``pointer``: ``/responses/<status>``)."""
    before, after = _lower(old.headers), _lower(new.headers)
    old_required = {n.lower() for n in old.required_headers}
    new_required = {n.lower() for n in new.required_headers}
    for key, name in before.items():
        where = f"{pointer}/headers/{escape_pointer(name)}"
        required = key in old_required
        if key not in after:
            differ.emit(
                "response.header.removed",
                op,
                where,
                old="required" if required else "optional",
                new=None,
                message=f"response header {name!r} ({'required' if required else 'optional'}) removed",
                severity="breaking" if required else "warning",
            )
            continue
        if required and key not in new_required:
            differ.emit(
                "response.header.became-optional",
                op,
                where,
                old="required",
                new="optional",
                message=f"response header {name!r} is no longer always sent",
            )
        _compare_value(differ, op, where, name, (old.headers[name], new.headers[after[key]]))


def _compare_value(differ: Emitter, op: str, where: str, name: str, pair: tuple[Any, Any]) -> None:
    old, new = pair
    a, b = view_of(old), view_of(new)
    if a.types and b.types and not accepts(a.types, b.types):
        differ.emit(
            "response.header.type-changed",
            op,
            where,
            old=type_text(a.types, nullable=False),
            new=type_text(b.types, nullable=False),
            message=f"response header {name!r} is now {type_text(b.types, nullable=False)}",
        )
        return
    old_format = old.get("format") if isinstance(old, dict) else None
    new_format = new.get("format") if isinstance(new, dict) else None
    if old_format and old_format != new_format:
        differ.emit(
            "response.header.format-changed",
            op,
            where,
            old=old_format,
            new=new_format,
            message=f"response header {name!r} format {old_format} → {new_format or 'none'}",
            severity="breaking" if new_format else "warning",
        )
    old_values, new_values = a.values(), b.values()
    if old_values is not None and (new_values is None or new_values - old_values):
        gained = sorted(map(str, new_values - old_values)) if new_values is not None else ["any value"]
        differ.emit(
            "response.header.enum.value-added",
            op,
            where,
            old=sorted(map(str, old_values)),
            new=sorted(map(str, new_values)) if new_values is not None else "any",
            message=f"response header {name!r} may now be {', '.join(gained)}",
        )
