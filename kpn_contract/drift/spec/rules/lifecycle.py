"""Lifecycle: deprecation, sunset dates, removal against them, and stability levels.

A sunset date comes from ``x-sunset`` (on the operation or in ``info``) or from a ``Sunset``
response header (RFC 8594) whose schema fixes the date (``const``, ``default`` or a one-value
``enum``); ISO dates and HTTP dates are read. An operation removed after its sunset date was
announced and is ``info``; removed while only deprecated it is a ``warning``; both become
``breaking`` for a consumer whose recordings still call it (``--used-by``). Removed before its
announced date it is ``breaking`` for everyone.

Stability (``x-kpn-stability``, or oasdiff's ``x-stability-level``) ranks ``deprecated`` <
``draft``/``alpha`` < ``beta`` < ``stable``. A lower level is a warning: the provider no longer
promises to announce breaking changes. A new stability or sunset value that cannot be read, and a
sunset date deleted while the operation stays deprecated, are errors of the new spec (breaking):
the diff cannot judge the operation's lifecycle, and neither can a consumer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from kpn_contract.contract.model import Operation, Spec
from kpn_contract.drift.spec.rules.rule import Emitter, Rule

__all__ = [
    "BREAKING_WHEN_USED",
    "RULES",
    "UNPROMISED",
    "compare_lifecycle",
    "compare_spec_stability",
    "removal_finding",
    "spec_stability",
    "sunset_date",
    "sunset_of",
]

RULES: tuple[Rule, ...] = (
    Rule(
        "operation.deprecated",
        "warning",
        "diff",
        "an operation became deprecated",
        "Plan a migration: the operation is marked deprecated.",
        "`deprecated: true`",
    ),
    Rule(
        "operation.sunset",
        "warning",
        "both",
        "an operation got a sunset date, or its sunset date moved earlier (drift: a `Sunset` header date)",
        "The operation has an end-of-life date (or less time until it).",
        "`x-sunset: 2027-06-30`",
    ),
    Rule(
        "operation.removed-before-sunset",
        "breaking",
        "diff",
        "an operation was removed before the sunset date it announced",
        "Consumers were promised the operation until its date; their calls fail early (404).",
        "`x-sunset: 2099-01-01`, then removed",
    ),
    Rule(
        "operation.removed-after-sunset",
        "info",
        "diff",
        "an operation was removed after its announced sunset date (breaking when recordings still call it)",
        "The removal was announced and its date has passed; a consumer still calling it breaks.",
        "`x-sunset: 2024-01-01`, then removed",
        other_severity="breaking",
    ),
    Rule(
        "operation.deprecated-removed",
        "warning",
        "diff",
        "a deprecated operation without a sunset date was removed (breaking when recordings still call it)",
        "Deprecation announced the removal but gave no date; a consumer still calling it breaks.",
        "`deprecated: true`, then removed",
        other_severity="breaking",
    ),
    Rule(
        "operation.lifecycle-invalid",
        "breaking",
        "diff",
        "a new stability level or sunset date that cannot be read (an error of the new spec)",
        "What the provider promises about the operation (its stability, its end date) cannot be read;"
        " a consumer cannot plan on it, and the diff cannot judge its changes.",
        "`x-stability-level: betta`; `x-sunset: next spring`",
    ),
    Rule(
        "operation.sunset-removed",
        "breaking",
        "diff",
        "a deprecated operation's sunset date was deleted (an error of the new spec)",
        "The date until which the deprecated operation was promised is gone: it may now be removed at any"
        " time, without the notice consumers were given.",
        "`deprecated: true` with `x-sunset: 2027-06-30` → `deprecated: true` alone",
    ),
    Rule(
        "operation.stability-lowered",
        "warning",
        "diff",
        "an operation's (or the whole API's, as `*`) `x-kpn-stability` was lowered",
        "The provider no longer promises to announce breaking changes to this operation.",
        "`x-kpn-stability: stable` → `beta`",
    ),
)

# Rules whose findings are breaking for a consumer that recordings show still calls the operation.
BREAKING_WHEN_USED = frozenset({"operation.removed-after-sunset", "operation.deprecated-removed"})
_RANK = {"deprecated": 0, "draft": 1, "alpha": 1, "beta": 2, "stable": 3}
# Stabilities whose breaking changes the provider does not promise to announce.
UNPROMISED = frozenset({"draft", "alpha", "beta", "deprecated"})


def sunset_date(value: Any) -> date | None:
    """An ISO date / date-time or an HTTP date (``Sat, 31 Dec 2022 23:59:59 GMT``), else None."""
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def sunset_of(operation: Operation) -> str | None:
    """The sunset date the operation announces (``x-sunset`` or a fixed ``Sunset`` header), as written."""
    if operation.sunset:
        return operation.sunset
    for response in operation.responses.values():
        for name, schema in response.headers.items():
            if name.lower() != "sunset" or not isinstance(schema, dict):
                continue
            enum = schema.get("enum")
            for value in (
                schema.get("const"),
                schema.get("default"),
                *(enum if isinstance(enum, list) else ()),
            ):
                if value is not None and sunset_date(value) is not None:
                    return str(value)
    return None


def _today() -> date:
    return datetime.now(UTC).date()


def removal_finding(operation: Operation, today: date | None = None) -> tuple[str, str] | None:
    """The lifecycle rule and message for removing ``operation``, or None when it announced nothing."""
    sunset = sunset_of(operation)
    when = sunset_date(sunset) if sunset else None
    if when is not None and when > (today or _today()):
        return "operation.removed-before-sunset", f"{operation.key} was removed before its sunset ({sunset})"
    if when is not None:
        return "operation.removed-after-sunset", f"{operation.key} was removed after its sunset ({sunset})"
    if operation.deprecated or operation.stability == "deprecated":
        return "operation.deprecated-removed", f"deprecated operation {operation.key} was removed"
    return None


def _lowered(old: str | None, new: str | None) -> bool:
    before, after = _RANK.get((old or "").lower()), _RANK.get((new or "").lower())
    return before is not None and after is not None and after < before


def spec_stability(spec: Spec) -> str | None:
    """The API's declared ``x-kpn-stability`` (top level or in ``info``)."""
    info = spec.raw.get("info")
    value = spec.raw.get("x-kpn-stability")
    if value is None and isinstance(info, dict):
        value = info.get("x-kpn-stability")
    return str(value) if value else None


def _invalid_stability(differ: Emitter, op: str, old: str | None, new: str | None, pointer: str) -> bool:
    """Emit when the new stability changed to a value no level has; True then."""
    if new is None or new == old or new.strip().lower() in _RANK:
        return False
    differ.emit(
        "operation.lifecycle-invalid",
        op,
        pointer,
        old=old,
        new=new,
        message=f"stability level {new!r} is none of {', '.join(_RANK)}",
    )
    return True


def compare_spec_stability(differ: Emitter, old: Spec, new: Spec) -> None:
    before, after = spec_stability(old), spec_stability(new)
    if _invalid_stability(differ, "*", before, after, "/info/x-kpn-stability"):
        return
    if _lowered(before, after):
        differ.emit(
            "operation.stability-lowered",
            "*",
            "/info/x-kpn-stability",
            old=before,
            new=after,
            message=f"the API is now {after} (was {before})",
            affects=tuple(sorted(o.key for o in old.operations)),
        )


def compare_lifecycle(differ: Emitter, op: str, old: Operation, new: Operation) -> None:
    """Deprecation, sunset and stability of one operation pair."""
    if new.deprecated and not old.deprecated:
        differ.emit(
            "operation.deprecated",
            op,
            "/deprecated",
            old=False,
            new=True,
            message=f"{op} is now deprecated",
        )
    old_sunset, new_sunset = sunset_of(old), sunset_of(new)
    if new_sunset and new_sunset != old_sunset and sunset_date(new_sunset) is None:
        differ.emit(
            "operation.lifecycle-invalid",
            op,
            "/x-sunset",
            old=old_sunset,
            new=new_sunset,
            message=f"{op}: sunset {new_sunset!r} is not a date",
        )
    elif old_sunset and not new_sunset and new.deprecated:
        differ.emit(
            "operation.sunset-removed",
            op,
            "/x-sunset",
            old=old_sunset,
            new=None,
            message=f"{op} is still deprecated but no longer says until when ({old_sunset})",
        )
    elif new_sunset and new_sunset != old_sunset:
        before = sunset_date(old_sunset) if old_sunset else None
        after = sunset_date(new_sunset)
        if before is None or after is None or after < before:
            differ.emit(
                "operation.sunset",
                op,
                "/x-sunset",
                old=old_sunset,
                new=new_sunset,
                message=f"{op} will sunset: {new_sunset}",
            )
    if _invalid_stability(differ, op, old.stability, new.stability, "/x-kpn-stability"):
        return
    if _lowered(old.stability, new.stability):
        differ.emit(
            "operation.stability-lowered",
            op,
            "/x-kpn-stability",
            old=old.stability,
            new=new.stability,
            message=f"{op} is now {new.stability} (was {old.stability})",
        )
