"""JSON Schema 2020-12 keywords of OpenAPI 3.1."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "request.const.changed",
        "breaking",
        "diff",
        "a fixed (const) request value changed",
        "The one value a field accepts (`const`) changed; what you send is rejected.",
        "`kind` const `device` → `sensor`",
    ),
    Rule(
        "request.const.added",
        "breaking",
        "diff",
        "a request value is now fixed to one value (const)",
        "A field now accepts one value only (`const`); other values you send are rejected.",
        "`kind` becomes const `device`",
    ),
    Rule(
        "request.const.removed",
        "info",
        "diff",
        "a request value is no longer fixed (const)",
        "A field is no longer fixed to one value; what you send still fits.",
        "`kind` loses const `device`",
    ),
    Rule(
        "request.prefix-items.position-added",
        "warning",
        "diff",
        "a request tuple array (prefixItems) has a new position",
        "A tuple array (`prefixItems`) you send has a new position; check whether the server expects it.",
        "`location` gets a third position",
    ),
    Rule(
        "response.const.changed",
        "breaking",
        "diff",
        "a fixed (const) response value changed",
        "A field you read was fixed to one value (`const`) and is now fixed to another.",
        "`kind` const `device` → `sensor`",
    ),
    Rule(
        "response.const.added",
        "info",
        "diff",
        "a response value is now fixed to one value (const)",
        "A response field is now fixed to one value; you will see fewer values.",
        "`kind` becomes const `device`",
    ),
    Rule(
        "response.const.removed",
        "warning",
        "diff",
        "a response value is no longer fixed (const)",
        "A field you read was fixed to one value and may now hold others.",
        "`kind` loses const `device`",
    ),
    Rule(
        "response.prefix-items.position-removed",
        "breaking",
        "diff",
        "a position of a response tuple array (prefixItems) is no longer declared",
        "A position of a tuple array (`prefixItems`) you read is no longer declared.",
        "`location` loses its third position",
    ),
)
