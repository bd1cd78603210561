"""One-line summaries of a coverage report: the text and HTML forms and pytest's summary share them."""

from __future__ import annotations

from kpn_contract.coverage.model import CoverageReport, SpecCoverage

__all__ = ["percent_text", "spec_line", "totals_line"]


def percent_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def spec_line(spec: SpecCoverage) -> str:
    """One line per spec: what the pytest summary and the text form show."""
    return (
        f"{spec.spec.title} {spec.spec.version} ({spec.name}): "
        f"{spec.operations_called}/{len(spec.operations)} operations "
        f"({percent_text(spec.operations_percent)}), "
        f"{spec.statuses_covered}/{spec.statuses_declared} statuses, {spec.calls} calls"
    )


def totals_line(report: CoverageReport) -> str:
    unmatched = f", {report.unmatched_calls} calls to no declared operation" if report.unmatched_calls else ""
    return (
        f"total: {report.operations_called}/{report.operations_declared} operations called "
        f"({percent_text(report.operations_percent)}), {report.statuses_covered}/"
        f"{report.statuses_declared} declared statuses covered ({percent_text(report.statuses_percent)}), "
        f"{report.calls} calls{unmatched}"
    )
