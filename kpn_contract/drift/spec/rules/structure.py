"""Paths, operations and servers: what a consumer can call at all."""

from __future__ import annotations

from kpn_contract.drift.spec.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "path.removed",
        "breaking",
        "diff",
        "every operation of a path was removed",
        "Every call to this path now fails (404).",
        "`/hsmGroups` deleted",
    ),
    Rule(
        "operation.removed",
        "breaking",
        "diff",
        "an operation (method + path) was removed",
        "Calls with this method on this path now fail (404/405).",
        "`DELETE /devices/{deviceRef}` deleted",
    ),
    Rule(
        "operation.added",
        "info",
        "diff",
        "a new operation",
        "A new operation is available.",
        "`POST /devices/{id}/reboot` added",
    ),
    Rule(
        "server.changed",
        "breaking",
        "diff",
        "the API moved to another server or base path",
        "The API moved to another host or base path; every call must change.",
        "`https://api-prd.kpn.com/kpn/meraki` → `…/meraki/v2`",
    ),
)
