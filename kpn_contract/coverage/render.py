"""The coverage report as text, JSON or markdown (HTML: ``html.py``). Every form passes through ``redact``."""

from __future__ import annotations

import json

from kpn_contract.coverage.lines import percent_text, spec_line, totals_line
from kpn_contract.coverage.model import CoverageReport, OperationCoverage
from kpn_contract.redact import redact

__all__ = ["FORMATS", "percent_text", "render", "spec_line", "totals_line"]

FORMATS = ("text", "json", "markdown", "html")


def _statuses(op: OperationCoverage) -> str:
    seen = " ".join(f"{code} x{count}" for code, count in sorted(op.statuses_seen.items())) or "-"
    return f"seen {seen}; declared {' '.join(op.statuses_declared) or '-'}"


def _text(report: CoverageReport) -> str:
    lines = [f"contract coverage ({report.source})", ""]
    for spec in report.specs:
        lines.append(spec_line(spec))
        width = max((len(op.operation.key) for op in spec.operations), default=0)
        for op in spec.operations:
            mark = " " if op.calls else "!"
            lines.append(f"  {mark} {op.operation.key.ljust(width)}  {op.calls:>4} calls  {_statuses(op)}")
    lines += ["", totals_line(report)]
    return "\n".join(lines)


def _cell(values: list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values) or "-"


def _markdown(report: CoverageReport) -> str:
    totals = report.totals()
    lines = [
        f"# Contract coverage ({report.source})",
        "",
        (
            f"**{totals['operations_called']}/{totals['operations_declared']} operations called "
            f"({percent_text(report.operations_percent)})**, {totals['statuses_covered']}/"
            f"{totals['statuses_declared']} declared statuses covered "
            f"({percent_text(report.statuses_percent)}), {totals['calls']} calls."
        ),
    ]
    for spec in report.specs:
        lines += ["", f"## {spec.spec.title} {spec.spec.version}", "", spec_line(spec), ""]
        if not spec.operations:
            lines.append("_No operations declared._")
            continue
        lines += [
            (
                "| operation | calls | statuses seen | declared | parameters exercised "
                "| request media types | response media types |"
            ),
            "|---|---:|---|---|---|---|---|",
        ]
        for op in spec.operations:
            data = op.to_dict()
            seen = ", ".join(f"{code} x{n}" for code, n in data["statuses_seen"].items()) or "-"
            params = f"{len(data['parameters_exercised'])}/{len(data['parameters_declared'])}"
            lines.append(
                f"| `{op.operation.key}` | {op.calls} | {seen} | {_cell(data['statuses_declared'])} | "
                f"{params} {_cell(data['parameters_exercised'])} | "
                f"{_cell(data['request_media_types_seen'])} | "
                f"{_cell(data['response_media_types_seen'])} |"
            )
    return "\n".join(lines)


def render(report: CoverageReport, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`), redacted."""
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2)
    elif fmt == "markdown":
        text = _markdown(report)
    elif fmt == "html":
        from kpn_contract.coverage.html import render_html

        text = render_html(report)
    elif fmt == "text":
        text = _text(report)
    else:
        raise ValueError(f"unknown coverage format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return redact(text)
