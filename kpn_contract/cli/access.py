"""``kpn-contract access``: what a GRIP profile's token may call, operation by operation.

The matrix compares the scopes the token **actually carries** (:func:`kpn_contract.auth.scopes.token_scopes`)
with the scopes each operation's security requirement lists (``Operation.scopes``), over every
operation of the specs served at the profile's base URL host. An operation without security is
"open"; one whose scopes the token carries is "allowed"; otherwise "denied", naming what is missing.
The check fails when the profile's declared ``scopes`` are not all carried by the token; scopes the
token carries beyond those are reported as extra (least privilege), without failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from kpn_contract.auth.scopes import token_scopes
from kpn_contract.errors import UsageError

if TYPE_CHECKING:
    from kpn_contract.contract.model import Spec
    from kpn_contract.session.kpn_session import KPNSession

__all__ = ["AccessReport", "AccessRow", "access_matrix", "check_access"]

Verdict = Literal["allowed", "denied", "open", "unknown"]


@dataclass(frozen=True)
class AccessRow:
    """One operation: what it requires, and whether the token may call it."""

    operation: str  # "METHOD /path"
    operation_id: str
    spec: str  # the spec's title
    requires: tuple[str, ...]
    access: Verdict
    missing: tuple[str, ...] = ()


def access_matrix(specs: Iterable[Spec], carried: frozenset[str] | None) -> list[AccessRow]:
    """One row per operation of ``specs``; ``carried`` None means the token's scopes are unknown."""
    rows = []
    for spec in specs:
        for operation in spec.operations:
            requires = operation.scopes
            if not operation.security:
                verdict: Verdict = "open"
                missing: tuple[str, ...] = ()
            elif carried is None and requires:
                verdict, missing = "unknown", ()
            else:
                missing = operation.missing_scopes(carried or ())
                verdict = "denied" if missing else "allowed"
            rows.append(
                AccessRow(operation.key, operation.operation_id, spec.title, requires, verdict, missing)
            )
    return rows


@dataclass(frozen=True)
class AccessReport:
    profile: str
    target: str
    token_scopes: tuple[str, ...] | None  # None: the token names no scopes
    expected_scopes: tuple[str, ...]
    missing_expected: tuple[str, ...]
    operations: tuple[AccessRow, ...]
    extra: tuple[str, ...] = ()  # carried, though the profile declares scopes that do not name them

    @property
    def exit_code(self) -> int:
        """1 when the token lacks a scope the profile declares, else 0."""
        return 1 if self.missing_expected else 0

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("allowed", "denied", "open", "unknown"), 0)
        for row in self.operations:
            counts[row.access] += 1
        return counts

    def to_json(self) -> str:
        body = {
            "profile": self.profile,
            "target": self.target,
            "token_scopes": list(self.token_scopes) if self.token_scopes is not None else None,
            "expected_scopes": list(self.expected_scopes),
            "missing_expected": list(self.missing_expected),
            "extra_scopes": list(self.extra),
            "operations": [
                {**asdict(row), "requires": list(row.requires), "missing": list(row.missing)}
                for row in self.operations
            ],
            "summary": self.summary(),
        }
        return json.dumps(body, indent=2)

    def render_text(self) -> str:
        carried = " ".join(self.token_scopes) if self.token_scopes is not None else "(the token names none)"
        lines = [f"profile {self.profile!r} ({self.target}): the token carries {carried or '(no scopes)'}"]
        if self.expected_scopes:
            verdict = f"MISSING {' '.join(self.missing_expected)}" if self.missing_expected else "all carried"
            extra = f"; EXTRA (not declared) {' '.join(self.extra)}" if self.extra else "; no extra scope"
            lines.append(f"scopes the profile expects: {' '.join(self.expected_scopes)}: {verdict}{extra}")
        width = max((len(row.operation) for row in self.operations), default=10)
        lines.append(f"{'OPERATION':<{width}}  {'REQUIRES':<24}  ACCESS")
        for row in self.operations:
            access = row.access + (f" (missing {' '.join(row.missing)})" if row.missing else "")
            lines.append(f"{row.operation:<{width}}  {' '.join(row.requires) or '-':<24}  {access}")
        lines.append(", ".join(f"{count} {name}" for name, count in self.summary().items()))
        if self.missing_expected:
            lines.append(
                f"FAILED: the token of profile {self.profile!r} lacks the expected scope(s) "
                f"{' '.join(self.missing_expected)}"
            )
        return "\n".join(lines)


def _served_at(specs: Sequence[Spec], base_url: str) -> list[Spec]:
    host = urlsplit(base_url).hostname
    return [spec for spec in specs if any(urlsplit(server).hostname == host for server in spec.servers)]


def check_access(session: KPNSession, profile: str) -> AccessReport:
    """Fetch the profile's token and compute its access matrix over the specs of its API host."""
    chosen = session.profile(profile)
    if chosen.kind != "grip":
        raise UsageError(f"profile {profile!r} is an {chosen.kind} profile; access needs a grip profile")
    token = session.token(profile)
    carried = token_scopes(token.access_token, token.raw)
    specs = _served_at(session.validator.index.specs, chosen.base_url)
    expected = tuple(chosen.scopes)
    missing_expected = tuple(s for s in expected if carried is None or s not in carried)
    return AccessReport(
        profile=profile,
        target=session.options.target,
        token_scopes=tuple(sorted(carried)) if carried is not None else None,
        expected_scopes=expected,
        missing_expected=missing_expected,
        operations=tuple(access_matrix(specs, carried)),
        extra=tuple(sorted(carried - set(expected))) if expected and carried is not None else (),
    )
