"""Security: schemes, token URLs, the requirements of each operation and their scopes.

Requirements are judged per operation, after the loader applied the document-wide ``security`` to
every operation that does not declare its own: a global requirement moved onto the operations is no
change, and a scope added globally is a finding for each operation. A scheme no operation uses
changes nothing for a consumer (scheme checks: :mod:`kpn_contract.drift.spec.securitydiff`).
"""

from __future__ import annotations

from collections.abc import Mapping

from kpn_contract.contract.model import Operation, SecurityRequirement
from kpn_contract.drift.spec.rules.rule import Emitter, Rule

__all__ = ["RULES", "compare_operation_security"]

RULES: tuple[Rule, ...] = (
    Rule(
        "security.scheme.changed",
        "breaking",
        "diff",
        "a security scheme changed or was replaced",
        "Authentication changed: a scheme was replaced or removed, or changed type, HTTP scheme or key.",
        "oauth2 → apiKey; apiKey header `X-Key` → query `key`",
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
        "security.oauth-url.changed",
        "breaking",
        "diff",
        "the authorization, refresh or OpenID Connect discovery URL of a security scheme changed",
        "A client configured with the old URL sends users, refresh tokens or discovery requests to the"
        " wrong place; like a new token URL, the login or refresh fails.",
        "`authorizationUrl: …/authorize` → `…/v2/authorize`; `refreshUrl` removed",
    ),
    Rule(
        "security.scope.added",
        "breaking",
        "diff",
        "an operation requires a scope it did not require",
        "The operation requires a scope (on its security requirement) that a token which met the old"
        " requirement may lack: calls get 403.",
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
    Rule(
        "security.requirement.added",
        "breaking",
        "diff",
        "an operation that allowed anonymous calls now requires authentication",
        "Calls without credentials, which used to work, get 401.",
        "no `security` → `security: [BearerAuth: []]`",
    ),
    Rule(
        "security.requirement.removed",
        "info",
        "diff",
        "an operation no longer requires authentication",
        "Credentials you send are no longer needed; calls still work.",
        "`security: [BearerAuth: []]` → `security: []`",
    ),
    Rule(
        "security.alternative.removed",
        "breaking",
        "diff",
        "a way to authenticate an operation (one alternative of its `security`) was removed",
        "A consumer that authenticates the removed way gets 401, though other ways remain.",
        "`[ApiKey] or [OAuth]` → `[OAuth]`",
    ),
)


def _schemes(requirement: SecurityRequirement, renamed: Mapping[str, str]) -> frozenset[str]:
    return frozenset(renamed.get(name, name) for name in requirement)


def _anonymous(operation: Operation) -> bool:
    """Whether the operation may be called without credentials (no requirement, or an empty one)."""
    return not operation.security_requirements or any(not r for r in operation.security_requirements)


def compare_operation_security(
    differ: Emitter,
    op: str,
    old: Operation,
    new: Operation,
    renamed: Mapping[str, str],
    *,
    gone: frozenset[str] = frozenset(),
) -> None:
    """The requirements of one operation pair.

    ``renamed`` maps new scheme names to old ones; ``gone`` are schemes already reported removed
    for the whole spec (an alternative that used one is not reported again).
    """
    if old.security_requirements == new.security_requirements and not renamed:
        return  # the same alternatives with the same scopes: nothing to compare
    was_anonymous, is_anonymous = _anonymous(old), _anonymous(new)
    if was_anonymous != is_anonymous:
        rule = "security.requirement.added" if was_anonymous else "security.requirement.removed"
        differ.emit(
            rule,
            op,
            "/security",
            old=sorted(old.security) or "anonymous",
            new=sorted(new.security) or "anonymous",
            message=f"{op} now requires authentication"
            if was_anonymous
            else f"{op} may now be called without credentials",
        )
        return
    if is_anonymous:
        return
    before = set(old.security)
    after = {renamed.get(name, name) for name in new.security}
    if not before & after:
        differ.emit(
            "security.scheme.changed",
            op,
            "/security",
            old=sorted(before),
            new=sorted(new.security),
            message=f"{op} now authenticates with {', '.join(sorted(new.security))}",
        )
    else:
        alternatives = [_schemes(r, renamed) for r in new.security_requirements]
        lost = [
            sorted(names)
            for names in (_schemes(r, {}) for r in old.security_requirements)
            if not any(candidate <= names for candidate in alternatives) and not names & gone
        ]
        if lost:
            differ.emit(
                "security.alternative.removed",
                op,
                "/security",
                old=[sorted(_schemes(r, {})) for r in old.security_requirements],
                new=[sorted(names) for names in alternatives],
                message=f"{op} no longer accepts authentication with {' + '.join(lost[0])}",
            )
    _compare_scopes(differ, op, old, new, renamed)


def _scopes(requirement: SecurityRequirement) -> set[str]:
    return {scope for scopes in requirement.values() for scope in scopes}


def _added_scopes(old: SecurityRequirement, new: Operation, renamed: Mapping[str, str]) -> tuple[str, ...]:
    """The scopes a token that met the old alternative ``old`` lacks for ``new``.

    A consumer authenticates one way (one alternative); the new alternatives with the same schemes
    are its way now, so a scope added to one of several alternatives is found. When no new
    alternative has the same schemes (a scheme was added or replaced, reported by its own rule),
    any new alternative the token meets will do.
    """
    granted = _scopes(old)
    same = [r for r in new.security_requirements if _schemes(r, renamed) == _schemes(old, {})]
    if not same:
        return new.missing_scopes(granted)
    missing = [tuple(dict.fromkeys(s for s in sorted(_scopes(r)) if s not in granted)) for r in same]
    return min(missing, key=len)


def _compare_scopes(
    differ: Emitter, op: str, old: Operation, new: Operation, renamed: Mapping[str, str]
) -> None:
    """Scopes on the security requirements (OpenAPI 3.1 style), alternative by alternative.

    A token that met an old alternative must meet its new counterpart: the scopes it would lack are
    new required scopes (breaking). Scopes no alternative names any more are info, unless the same
    operation also requires a new one: a replaced scope is one (breaking) change, reported once.
    """
    added: dict[str, None] = {}
    for requirement in old.security_requirements or ({},):
        added.update(dict.fromkeys(_added_scopes(requirement, new, renamed)))
    removed = [scope for scope in old.scopes if scope not in new.scopes]
    if added:
        instead = f" (instead of {', '.join(removed)})" if removed else ""
        differ.emit(
            "security.scope.added",
            op,
            "/security",
            old=list(old.scopes),
            new=list(new.scopes),
            message=f"the token now needs the scope {', '.join(added)}{instead}",
        )
    elif removed:
        differ.emit(
            "security.scope.removed",
            op,
            "/security",
            old=list(old.scopes),
            new=list(new.scopes),
            message=f"the scope {', '.join(removed)} is no longer required",
        )
