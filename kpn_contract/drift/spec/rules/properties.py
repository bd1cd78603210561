"""Properties: fields of request and response bodies, by direction."""

from __future__ import annotations

from kpn_contract.drift.spec.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "request.body.required-property-added",
        "breaking",
        "diff",
        "a new required body property",
        "Bodies without the new field are rejected.",
        "`tenant` required in `ActivationReq`",
    ),
    Rule(
        "request.property.became-required",
        "breaking",
        "diff",
        "an optional body property became required",
        "Bodies that omit the field are rejected.",
        "`country` now required",
    ),
    Rule(
        "request.property.removed",
        "warning",
        "diff",
        "a body property the consumer may send was removed",
        "A body field you may send is no longer declared (ignored or rejected).",
        "`country` removed",
    ),
    Rule(
        "request.property.type-changed",
        "breaking",
        "diff",
        "a body property no longer accepts its old type",
        "A body field you send no longer fits (also: null no longer allowed).",
        "`thingpark_username` string → integer",
    ),
    Rule(
        "response.property.removed",
        "breaking",
        "both",
        "a response field was removed",
        "A field you read is gone: breaking if it was required (always present), warning if optional.",
        "`deviceSpecificationUUID` removed",
        other_severity="warning",
    ),
    Rule(
        "response.property.became-optional",
        "warning",
        "diff",
        "a required response field became optional",
        "A field you may rely on is no longer always present.",
        "`name` dropped from `required`",
    ),
    Rule(
        "response.property.type-changed",
        "breaking",
        "both",
        "a response field changed type",
        "A field you read now has another JSON type.",
        "`totalElements` integer → string",
    ),
    Rule(
        "response.property.became-nullable",
        "breaking",
        "both",
        "a response field can now be null",
        "A field you read can now be `null`.",
        "`barcode` nullable",
    ),
    Rule(
        "response.property.added",
        "info",
        "both",
        "a new optional response field",
        "A new response field; nothing to do.",
        "`lastSeen` added",
    ),
)
