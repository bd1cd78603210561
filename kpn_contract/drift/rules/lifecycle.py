"""Lifecycle: deprecation and sunset of operations."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

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
        "diff",
        "an operation got (or changed) a sunset date",
        "The operation has (or moved) an end-of-life date.",
        "`x-sunset: 2027-06-30`",
    ),
)
