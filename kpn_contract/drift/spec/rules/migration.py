"""Migration: what moving from an old API to its successor asks of a consumer (``diff --map``)."""

from __future__ import annotations

from kpn_contract.drift.spec.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "migration.path.changed",
        "breaking",
        "migration",
        "the operation moved to another path",
        "Call the counterpart's method and path instead.",
        "`GET /api/devices` → `GET /devices`",
    ),
    Rule(
        "migration.paging.changed",
        "breaking",
        "migration",
        "a paging parameter was replaced",
        "A paging parameter you send is replaced by others.",
        "`currentPage`, `pageSize` → `cursor`, `limit`",
    ),
    Rule(
        "migration.sort.changed",
        "breaking",
        "migration",
        "a sort parameter was replaced",
        "A sort parameter you send is replaced by others.",
        "`sortBy`, `sortOrder` → `sort`",
    ),
    Rule(
        "migration.search.changed",
        "breaking",
        "migration",
        "a search parameter was replaced",
        "A search parameter you send is replaced.",
        "`search` → `q`",
    ),
    Rule(
        "migration.sub-customer.changed",
        "breaking",
        "migration",
        "the way to act for a sub-customer changed",
        "The way you act for a sub-customer changed (a header replaced by a filter, or gone).",
        "`x-client-id` header → `clientId` query",
    ),
    Rule(
        "migration.parameter.replaced",
        "breaking",
        "migration",
        "a parameter was replaced by others",
        "Another parameter you send is replaced by others (a map group with concern `parameter`).",
        "`deviceEUI` → `deviceId`",
    ),
    Rule(
        "migration.accept.changed",
        "breaking",
        "migration",
        "the success media type (Accept) changed",
        "The success responses come in other media types: change your Accept header.",
        "`application/vnd.kpnthings.device.v1.response+json` → `application/json`",
    ),
    Rule(
        "migration.field.renamed",
        "breaking",
        "migration",
        "a body field was renamed",
        "A body field you read or send has a new name.",
        "`uuid` → `id`",
    ),
    Rule(
        "migration.envelope.changed",
        "breaking",
        "migration",
        "the page envelope changed",
        "A page's envelope changed: where the list is, and which paging fields remain.",
        "`content`/`totalElements` → `items`/`links`",
    ),
    Rule(
        "migration.auth-failure.changed",
        "breaking",
        "migration",
        "auth failures are answered with other statuses",
        "Authentication failures are answered with other statuses.",
        "`302` → `401`",
    ),
)
