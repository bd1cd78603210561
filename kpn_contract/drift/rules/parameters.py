"""Parameters: what a consumer sends in the path, query, header or cookie."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "request.parameter.required-added",
        "breaking",
        "diff",
        "a new required parameter",
        "Calls that do not send the new parameter are rejected.",
        "new required query `tenant`",
    ),
    Rule(
        "request.parameter.became-required",
        "breaking",
        "diff",
        "an optional parameter became required",
        "Calls that omit the parameter are rejected.",
        "`deviceEUI` now required",
    ),
    Rule(
        "request.parameter.removed",
        "breaking",
        "diff",
        "a parameter the consumer may send was removed",
        "A parameter you send is rejected or silently ignored.",
        "query `deviceEUI` removed",
    ),
    Rule(
        "request.parameter.type-changed",
        "breaking",
        "diff",
        "a parameter no longer accepts its old type",
        "A parameter value you send no longer fits its schema.",
        "`pageSize` string → integer",
    ),
    Rule(
        "request.parameter.deprecated",
        "warning",
        "diff",
        "a parameter became deprecated",
        "Stop sending this parameter.",
        "`sortBy` deprecated",
    ),
)
