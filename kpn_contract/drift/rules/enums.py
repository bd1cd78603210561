"""Enums: the values a field may hold."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

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
)
