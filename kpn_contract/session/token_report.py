"""What ``kpn-contract token`` and the notebooks show of a token: masked, its expiry and schema verdict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpn_contract.contract.model import Violation
    from kpn_contract.session.kpn_session import KPNSession

__all__ = ["TokenReport", "describe_token"]


@dataclass(frozen=True)
class TokenReport:
    """What ``kpn-contract token`` and the notebooks show of a token: never the token itself."""

    profile: str
    kind: str
    masked: str
    token_type: str
    expires_in: float
    expires_at: str
    violations: tuple[Violation, ...]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def render(self) -> str:
        verdict = "matches its schema" if self.conforms else f"{len(self.violations)} contract violation(s)"
        lines = [
            f"profile:    {self.profile} ({self.kind})",
            f"token:      {self.masked}",
            f"type:       {self.token_type}",
            f"expires in: {self.expires_in:.0f} s (at {self.expires_at})",
            f"response:   {verdict}",
        ]
        lines.extend(f"  - {v.describe()}" for v in self.violations)
        return "\n".join(lines)


def describe_token(session: KPNSession, profile: str) -> TokenReport:
    """Fetch (or reuse) the token of ``profile`` and describe it with its schema verdict."""
    from kpn_contract.redact import mask

    token = session.token(profile)
    expires_at = dt.datetime.fromtimestamp(token.expires_at(), dt.UTC).isoformat(timespec="seconds")
    return TokenReport(
        profile=profile,
        kind=session.profile(profile).kind,
        masked=mask(token.access_token),
        token_type=token.token_type,
        expires_in=token.expires_in,
        expires_at=expires_at,
        violations=tuple(session.token_verdicts.get(profile, ())),
    )
