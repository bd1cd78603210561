"""Whether cassettes still reflect today's contracts: their age and the spec versions they name.

Every cassette written by kpn_contract carries ``recorded_at`` and ``specs`` (``{title: info.version}``
of each spec its responses matched) in its ``kpn_contract:`` metadata. A cassette is *old* when it was
recorded longer ago than a maximum age (or says nothing of when), and *stale* when a spec it names has
another version today (or is no longer loaded). ``verify`` reports both; pytest counts stale replays.
This module is told today's versions (``{title: version}``), so it needs nothing of the contract layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["FreshnessReport", "OldCassette", "StaleSpec", "check_freshness", "recorded_at", "stale_specs"]

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class StaleSpec:
    """A spec a cassette was recorded against, whose version differs today (``current`` None: gone)."""

    title: str
    recorded: str
    current: str | None

    def describe(self) -> str:
        if self.current is None:
            return f"{self.title!r} {self.recorded}, which no loaded spec is titled today"
        return f"{self.title!r} {self.recorded}; today's version is {self.current}"


@dataclass(frozen=True)
class OldCassette:
    path: Path
    recorded_at: datetime | None  # None: the cassette does not say when it was recorded
    age_days: float | None


def recorded_at(meta: Mapping[str, Any]) -> datetime | None:
    """The cassette's ``recorded_at`` as an aware datetime; None when missing or unreadable."""
    value = meta.get("recorded_at")
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def stale_specs(meta: Mapping[str, Any], current: Mapping[str, str]) -> list[StaleSpec]:
    """The specs named in ``meta["specs"]`` whose version today (``current``, by title) differs."""
    recorded = meta.get("specs")
    if not isinstance(recorded, Mapping):
        return []
    return [
        StaleSpec(str(title), str(version), current.get(str(title)))
        for title, version in sorted(recorded.items(), key=lambda item: str(item[0]))
        if current.get(str(title)) != str(version)
    ]


@dataclass
class FreshnessReport:
    """Old and stale cassettes; which of them fail the run depends on ``--strict``."""

    max_age_days: float | None
    old: list[OldCassette] = field(default_factory=list)
    stale: list[tuple[Path, list[StaleSpec]]] = field(default_factory=list)

    def exit_code(self, *, strict: bool) -> int:
        """1 when a cassette is older than the maximum age, or (``strict``) recorded against other specs."""
        return 1 if self.old or (strict and self.stale) else 0

    def render_text(self, *, strict: bool) -> str:
        """One line per old or stale cassette, then a summary; empty when all are fresh."""
        lines: list[str] = []
        for old in self.old:
            if old.recorded_at is None:
                lines.append(
                    f"old: {old.path}: no recorded_at in its metadata (--max-age {self.max_age_days:g})"
                )
            else:
                lines.append(
                    f"old: {old.path}: recorded {old.recorded_at.isoformat()}, {old.age_days:.1f} days ago "
                    f"(--max-age {self.max_age_days:g})"
                )
        level = "error" if strict else "warning"
        for path, specs in self.stale:
            lines.extend(f"stale ({level}): {path}: recorded against {spec.describe()}" for spec in specs)
        if not lines:
            return ""
        lines.append(
            f"freshness: {len(self.old)} cassette(s) older than the maximum age, {len(self.stale)} stale "
            f"cassette(s) ({'failing with --strict' if strict else 'warnings; --strict fails them'})"
        )
        return "\n".join(lines)


def check_freshness(
    cassettes: Iterable[tuple[Path, Mapping[str, Any]]],
    current: Mapping[str, str],
    *,
    now: datetime,
    max_age_days: float | None = None,
) -> FreshnessReport:
    """Age (when ``max_age_days`` is given) and spec versions of each ``(path, metadata)`` pair."""
    report = FreshnessReport(max_age_days)
    for path, meta in cassettes:
        if max_age_days is not None:
            when = recorded_at(meta)
            age = None if when is None else (now - when).total_seconds() / _SECONDS_PER_DAY
            if age is None or age > max_age_days:
                report.old.append(OldCassette(path, when, age))
        stale = stale_specs(meta, current)
        if stale:
            report.stale.append((path, stale))
    return report
