"""What a rule is: its id, default severity, source, summary and the consumer-side reason for it.

Family modules (``kpn_contract.drift.spec.rules.<family>``) declare their rules with :class:`Rule`; the
package assembles them into one registry. This module imports nothing of the drift layer, so every
detector (spec diff, recordings, migration) can depend on the registry without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = ["SEVERITIES", "SOURCES", "Emitter", "Rule", "Severity", "Source"]

Severity = Literal["breaking", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "warning", "info")
Source = Literal["diff", "drift", "both", "migration"]
SOURCES: tuple[Source, ...] = ("diff", "drift", "both", "migration")


@dataclass(frozen=True)
class Rule:
    """One rule.

    ``source`` says which detector emits it: ``diff`` (spec against spec), ``drift`` (recordings
    against recordings), ``both``, or ``migration`` (the migration report). ``rationale`` is one line
    on what the change means for a consumer, which is what the default severity is argued from;
    ``example`` is a short sample change. ``other_severity`` marks a rule whose findings may carry
    another severity than the default (shown as ``breaking / warning`` in the docs).
    """

    id: str
    severity: Severity
    source: Source
    summary: str
    rationale: str
    example: str = ""
    other_severity: Severity | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: unknown severity {self.severity!r}")
        if self.source not in SOURCES:
            raise ValueError(f"rule {self.id}: unknown source {self.source!r}")


class Emitter(Protocol):
    """What a family's checks report findings to (``FindingCollector`` and its subclasses)."""

    def emit(
        self,
        rule_id: str,
        operation: str,
        pointer: str,
        *,
        old: Any,
        new: Any,
        message: str,
        severity: Severity | None = None,
        affects: tuple[str, ...] = (),
    ) -> None: ...
