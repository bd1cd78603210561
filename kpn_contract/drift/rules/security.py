"""Security: schemes, token URLs and scopes."""

from __future__ import annotations

from kpn_contract.drift.rules.rule import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "security.scheme.changed",
        "breaking",
        "diff",
        "a security scheme changed or was replaced",
        "Authentication changed: a scheme was replaced, removed or changed type.",
        "oauth2 → apiKey",
    ),
    Rule(
        "security.token-url.changed",
        "breaking",
        "diff",
        "the token URL of a security scheme changed",
        "Tokens must be requested from another URL.",
        "`…/oauth/client_credential/accesstoken` → `…/oauth/v2/token`",
    ),
    Rule(
        "security.scope.added",
        "breaking",
        "diff",
        "an operation requires a scope it did not require",
        "The operation requires a scope (on its security requirement) that a token which met the old "
        "requirement may lack: calls get 403.",
        "`BearerAuth: []` → `BearerAuth: [device.read]`",
    ),
    Rule(
        "security.scope.removed",
        "info",
        "diff",
        "an operation no longer requires a scope",
        "The operation no longer requires a scope.",
        "`[device.read, device.write]` → `[device.read]`",
    ),
)
