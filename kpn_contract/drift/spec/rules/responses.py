"""Responses: statuses and media types."""

from __future__ import annotations

from kpn_contract.drift.spec.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "response.status.removed",
        "breaking",
        "both",
        "a success status is no longer returned",
        "A success status you handle is no longer returned.",
        "`200` removed from `GET /devices/{deviceRef}`",
    ),
    Rule(
        "response.status.changed",
        "breaking",
        "drift",
        "a success status was replaced by another",
        "The success status you got is now another one.",
        "context switch `200` → `204`",
    ),
    Rule(
        "response.status.added-error",
        "warning",
        "both",
        "a new error status",
        "A new error status to handle.",
        "`409` added",
    ),
    Rule(
        "response.status.added-success",
        "warning",
        "both",
        "a new success status",
        "A new success status; code that checks `== 200` may misread it.",
        "`202` added",
    ),
    Rule(
        "response.error-status.removed",
        "info",
        "diff",
        "an error status is no longer declared",
        "An error status is no longer declared.",
        "`429` removed",
    ),
    Rule(
        "response.media-type.removed",
        "breaking",
        "diff",
        "a response media type was removed",
        "A response media type you may request is gone (406).",
        "`application/xml` removed",
    ),
    Rule(
        "response.media-type.changed",
        "breaking",
        "both",
        "the response media type was replaced",
        "The response now comes in another media type; parsers may fail.",
        "`application/json` → `text/csv`",
    ),
    Rule(
        "response.spec-violation",
        "breaking",
        "drift",
        "a new response no longer matches the spec",
        "A new response does not match the spec (with the validator's rule and pointer).",
        "`body.schema` at `/content/0/uuid`",
    ),
)
