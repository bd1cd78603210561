"""Request bodies: whether a body is needed and in which media types."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "request.body.became-required",
        "breaking",
        "diff",
        "the request body became required",
        "Calls without a body are rejected.",
        "`requestBody.required: true`",
    ),
    Rule(
        "request.media-type.removed",
        "breaking",
        "diff",
        "a request media type was removed",
        "Bodies in this media type are rejected (415).",
        "`application/xml` removed",
    ),
    Rule(
        "request.media-type.changed",
        "breaking",
        "diff",
        "the only request media type was replaced",
        "The only accepted body media type was replaced.",
        "`application/json` → `application/xml`",
    ),
)
