"""Check recorded interactions against the specs, offline: ``kpn-contract verify``.

Every interaction of every cassette, token requests included, goes through the contract
validator: its request (:meth:`~kpn_contract.contract.validate.Validator.validate_request`) and its
response (:meth:`~kpn_contract.contract.validate.Validator.validate`). Interactions whose operation
no spec declares are counted as *unknown* (the validator reports them as ``operation.unknown``
when built with ``strict_unknown=True``); they are listed but do not fail the run. Nor do the
violations a test chose not to check, shown as *expected*: a cassette whose metadata says
``validated: false`` (a negative test recorded a 302 or a gateway fault on purpose) has all of them
expected; ``validated: response`` (a bad request sent on purpose) its request violations, and
``validated: request`` its response violations.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from kpn_contract.cassettes.store import Interaction, iter_cassettes, load_cassette
from kpn_contract.redact import redact

if TYPE_CHECKING:
    from kpn_contract.contract.model import Violation

__all__ = ["UNKNOWN_OPERATION", "CassetteVerdict", "ResponseValidator", "VerifyReport", "verify"]

UNKNOWN_OPERATION = "operation.unknown"


class ResponseValidator(Protocol):
    """What ``verify`` needs of a validator (``kpn_contract.contract.validate.Validator`` has it)."""

    def validate(
        self, method: str, url: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[Violation]: ...

    def validate_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[Violation]: ...


@dataclass
class Finding:
    """One violation of one recorded interaction."""

    index: int
    interaction: Interaction
    violation: Violation
    expected: bool = False  # a check the test switched off: shown, but it does not fail the run


@dataclass
class CassetteVerdict:
    """How one cassette fared."""

    path: Path
    interactions: int = 0
    conforming: int = 0
    expected: bool = False  # recorded with all validation off: its violations do not fail the run
    unknown: list[tuple[int, Interaction]] = field(default_factory=list)
    violations: list[Finding] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # the kpn_contract metadata (freshness.py reads it)

    @property
    def violating(self) -> int:
        """Interactions with at least one violation."""
        return len({finding.index for finding in self.violations})


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: one verdict per cassette, in path order."""

    cassettes: list[CassetteVerdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no interaction broke its contract (unknown operations and expected ones aside)."""
        return not any(f for v in self.cassettes for f in v.violations if not f.expected)

    @property
    def exit_code(self) -> int:
        """0 when every interaction conforms, 1 on any violation."""
        return 0 if self.ok else 1

    def render_text(self) -> str:
        """A summary table, then one line per violation and per unknown operation.

        The counts come first and the cassette last, unpadded, so a long cassette name widens only
        its own line; paths under the working folder are shown relative to it.
        """
        header = ("interactions", "conforming", "violations", "unknown", "cassette")
        rows = [
            (
                str(v.interactions),
                str(v.conforming),
                _violating_cell(v),
                str(len(v.unknown)),
                shown_path(v.path),
            )
            for v in self.cassettes
        ]
        totals = (
            str(sum(v.interactions for v in self.cassettes)),
            str(sum(v.conforming for v in self.cassettes)),
            str(sum(v.violating for v in self.cassettes)),
            str(sum(len(v.unknown) for v in self.cassettes)),
            "total",
        )
        widths = [max(len(row[i]) for row in (header, *rows, totals)) for i in range(len(header) - 1)]

        def line(row: tuple[str, ...]) -> str:
            counts = "  ".join(cell.rjust(width) for cell, width in zip(row[:-1], widths, strict=True))
            return f"{counts}  {row[-1]}"

        out = [line(header), line((*("-" * w for w in widths), "-" * len(header[-1]))), *map(line, rows)]
        out.append(line(totals))
        details: list[str] = []
        for verdict in self.cassettes:
            for finding in verdict.violations:
                i = finding.interaction
                note = " (expected: recorded with this validation off)" if finding.expected else ""
                where = f"{shown_path(verdict.path)}: interaction {finding.index}"
                details.append(
                    f"{where} {i.method} {i.uri} -> {i.status}: {finding.violation.describe()}{note}"
                )
            for index, i in verdict.unknown:
                details.append(
                    f"{shown_path(verdict.path)}: interaction {index} {i.method} {i.uri}: no spec declares it"
                )
        if details:
            out.append("")
            out.extend(details)
        violations = sum(not f.expected for v in self.cassettes for f in v.violations)
        expected = sum(f.expected for v in self.cassettes for f in v.violations)
        summary = (
            f"verify: {len(self.cassettes)} cassette(s), {violations} violation(s)"
            if violations
            else f"verify: {len(self.cassettes)} cassette(s), all interactions conform"
        )
        if expected:
            summary += f" ({expected} expected in cassettes recorded with validation off)"
        out.append("")
        out.append(summary)
        return redact("\n".join(out))


def _violating_cell(verdict: CassetteVerdict) -> str:
    if verdict.violations and all(f.expected for f in verdict.violations):
        return f"{verdict.violating} expected"
    return str(verdict.violating)


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it, else as it is."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))  # noqa: PTH100 - no link resolving
    except ValueError:
        return str(path)


def _expected_sides(meta: Mapping[str, object]) -> tuple[bool, bool]:
    """Whether (request, response) violations of a cassette are expected, from ``validated``."""
    validated = meta.get("validated", True)
    return validated in (False, "response"), validated in (False, "request")


def verify(dirs: Iterable[str | os.PathLike[str]], validator: ResponseValidator) -> VerifyReport:
    """Validate every interaction of every cassette under ``dirs``.

    A missing directory or an unreadable, corrupt or unsafe cassette raises
    :class:`~kpn_contract.errors.CassetteError` (the command's exit code 2).
    """
    report = VerifyReport()
    for path in iter_cassettes(dirs):
        cassette = load_cassette(path)
        verdict = CassetteVerdict(
            path=path,
            interactions=len(cassette.interactions),
            expected=cassette.meta.get("validated") is False,
            meta=cassette.meta,
        )
        request_expected, response_expected = _expected_sides(cassette.meta)
        for index, interaction in enumerate(cassette.interactions):
            violations = validator.validate(
                interaction.method,
                interaction.uri,
                interaction.status,
                httpx.Headers(list(interaction.response_headers)),
                interaction.response_body,
            )
            if any(v.rule_id == UNKNOWN_OPERATION for v in violations):
                verdict.unknown.append((index, interaction))
                continue
            in_request = validator.validate_request(
                interaction.method,
                interaction.uri,
                httpx.Headers(list(interaction.request_headers)),
                interaction.request_body,
            )
            verdict.violations.extend(Finding(index, interaction, v, request_expected) for v in in_request)
            verdict.violations.extend(Finding(index, interaction, v, response_expected) for v in violations)
            if not (in_request or violations):
                verdict.conforming += 1
        report.cassettes.append(verdict)
    return report
