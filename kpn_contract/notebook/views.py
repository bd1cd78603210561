"""What a notebook shows: violations, checked responses, tokens and drift findings, with rich reprs.

Every text shown (HTML and plain-text reprs) passes through :func:`kpn_contract.redact.redact`; a
token is only ever shown masked.
"""

from __future__ import annotations

import html
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx

from kpn_contract.errors import TokenError
from kpn_contract.notebook._html import _STYLE, _badge, _excerpt, _pairs, _table, _text
from kpn_contract.redact import redact

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from kpn_contract.contract.model import Violation
    from kpn_contract.drift.findings import Finding
    from kpn_contract.session.token_report import TokenReport

__all__ = ["CheckedResponse", "FindingTable", "FindingsChart", "TokenAttempt", "TokenCard", "ViolationTable"]

_SEVERITY_COLOURS: Final = {"breaking": "#c0392b", "warning": "#e67e22", "info": "#2980b9"}


class ViolationTable(Sequence["Violation"]):
    """Contract violations as a readable table (``_repr_html_``) and as rows (:meth:`to_rows`)."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self._items = list(violations)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def to_rows(self) -> list[dict[str, str]]:
        """One redacted dict per violation: rule, operation, pointer, expected, actual, meaning, spec."""
        return [
            {
                "rule": v.rule_id,
                "operation": v.operation_id,
                "pointer": v.pointer or "(whole response)",
                "expected": redact(v.expected),
                "actual": redact(v.actual),
                "meaning": redact(v.meaning),
                "spec": Path(v.spec_path).name if v.spec_path else "",
            }
            for v in self._items
        ]

    def __repr__(self) -> str:
        if not self._items:
            return "no contract violations"
        lines = [f"{len(self._items)} contract violation(s):"]
        lines.extend(f"  - {redact(v.describe())}" for v in self._items)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not self._items:
            return f"<div>{_badge('no contract violations', ok=True)}</div>"
        columns = ("rule", "operation", "pointer", "expected", "actual", "meaning", "spec")
        rows = [[row[c] for c in columns] for row in self.to_rows()]
        title = _badge(f"{len(self._items)} contract violation(s)", ok=False)
        return f"<div>{title}{_table(columns, rows)}</div>"


@dataclass(frozen=True)
class CheckedResponse:
    """One response with its contract verdict. ``response`` is the plain ``httpx.Response``."""

    response: httpx.Response
    operation: str | None  # "METHOD /path/template", or None when no spec declares it
    spec: str | None
    meaning: str
    violations: ViolationTable

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def conforms(self) -> bool:
        """True when the response keeps its contract."""
        return not self.violations

    def json(self) -> Any:
        """The parsed JSON body (not redacted: it is data for the next cell, not output)."""
        return self.response.json()

    def _verdict(self) -> str:
        if self.operation is None:
            return "no spec declares this operation"
        return "keeps its contract" if self.conforms else f"{len(self.violations)} contract violation(s)"

    def _request_line(self) -> str:
        request = self.response.request
        return redact(f"{request.method} {request.url}")

    def __repr__(self) -> str:
        lines = [
            f"{self._request_line()} → {self.status} {self.response.reason_phrase}",
            f"operation: {self.operation or '(none)'}" + (f" [{self.spec}]" if self.spec else ""),
            f"verdict:   {self._verdict()}",
        ]
        if self.meaning:
            lines.append(f"meaning:   {redact(self.meaning)}")
        lines.extend(f"  - {redact(v.describe())}" for v in self.violations)
        lines.append(_excerpt(self.response))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        ok = self.conforms and self.operation is not None
        status_ok = self.response.is_success
        pairs = [
            ("request", _text(self._request_line())),
            ("status", _badge(f"{self.status} {self.response.reason_phrase}", ok=status_ok)),
            (
                "operation",
                _text(self.operation or "(none)") + (f" <i>{_text(self.spec)}</i>" if self.spec else ""),
            ),
            ("verdict", _badge(self._verdict(), ok=ok)),
        ]
        if self.meaning:
            pairs.append(("meaning at KPN", _text(self.meaning)))
        location = self.response.headers.get("location")
        if location:
            pairs.append(("location", _text(location) + " (never followed)"))
        parts = [_pairs(pairs)]
        if self.violations:
            parts.append(self.violations._repr_html_())
        body = html.escape(_excerpt(self.response))
        parts.append(f'<pre style="{_STYLE};max-height:20em;overflow:auto">{body}</pre>')
        return "<div>" + "".join(parts) + "</div>"


class TokenCard:
    """A :class:`~kpn_contract.session.token_report.TokenReport` for display: masked token, expiry,
    schema verdict."""

    def __init__(self, report: TokenReport) -> None:
        self.report = report

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def __getattr__(self, name: str) -> Any:
        # The report's fields (profile, kind, masked, expires_in, …) read through; it holds no raw token.
        return getattr(self.report, name)

    def __repr__(self) -> str:
        # Line by line: redact's "Bearer <credential>" pattern would otherwise eat the next line's first word.
        return "\n".join(redact(line) for line in self.report.render().splitlines())

    def _repr_html_(self) -> str:
        report = self.report
        verdict = (
            "the token response matches its schema"
            if report.conforms
            else f"{len(report.violations)} contract violation(s)"
        )
        pairs = [
            ("profile", _text(f"{report.profile} ({report.kind})")),
            ("token", f"<code>{_text(report.masked)}</code>"),
            ("type", _text(report.token_type)),
            ("expires in", _text(f"{report.expires_in:.0f} s (at {report.expires_at})")),
            ("response", _badge(verdict, ok=report.conforms)),
        ]
        parts = [_pairs(pairs)]
        if report.violations:
            parts.append(ViolationTable(report.violations)._repr_html_())
        return "<div>" + "".join(parts) + "</div>"


@dataclass(frozen=True)
class TokenAttempt:
    """The outcome of a deliberate token request: the TokenError KPN's answer maps to, or a token."""

    profile: str
    label: str
    status: int
    error: TokenError | None
    masked_token: str | None = None

    @property
    def hint(self) -> str | None:
        return self.error.hint if self.error else None

    @property
    def code(self) -> str | None:
        return self.error.code if self.error else None

    def __repr__(self) -> str:
        if self.error is None:
            return f"{self.label}: HTTP {self.status}, token {self.masked_token}"
        return redact(f"{self.label}: HTTP {self.status}\n{self.error.message}")

    def _repr_html_(self) -> str:
        if self.error is None:
            pairs = [
                ("attempt", _text(self.label)),
                ("status", _badge(str(self.status), ok=True)),
                ("token", f"<code>{_text(self.masked_token)}</code>"),
            ]
            return _pairs(pairs)
        message = self.error.message.split("\n  hint:", 1)[0]
        pairs = [
            ("attempt", _text(self.label)),
            ("status", _badge(str(self.status), ok=False)),
            ("error", f"<code>{_text(message)}</code>"),
            ("code", _text(self.code or "—")),
            ("what it means", f"<b>{_text(self.hint or '—')}</b>"),
        ]
        return _pairs(pairs)


class FindingTable(Sequence["Finding"]):
    """Drift or diff findings as a table, most severe first, and counts per operation and severity."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._items = list(findings)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def counts(self) -> dict[str, Counter[str]]:
        """``{operation: Counter({severity: n})}``; a spec-wide finding counts as ``*``."""
        result: dict[str, Counter[str]] = {}
        for finding in self._items:
            result.setdefault(finding.operation, Counter())[finding.severity] += 1
        return result

    def to_rows(self) -> list[dict[str, str]]:
        """One redacted dict per finding."""
        return [
            {
                "severity": f.severity + (" (beta)" if f.beta else ""),
                "rule": f.rule_id,
                "operation": f.operation,
                "pointer": f.pointer,
                "old": redact(json.dumps(f.old, default=str, ensure_ascii=False)),
                "new": redact(json.dumps(f.new, default=str, ensure_ascii=False)),
                "message": redact(f.message),
            }
            for f in self._items
        ]

    def __repr__(self) -> str:
        if not self._items:
            return "no findings"
        return "\n".join(
            f"{r['severity']:<16} {r['rule']:<34} {r['operation']} {r['pointer']}" for r in self.to_rows()
        )

    def _repr_html_(self) -> str:
        if not self._items:
            return f"<div>{_badge('no findings', ok=True)}</div>"
        columns = ("severity", "rule", "operation", "pointer", "old", "new", "message")
        rows = [[row[c] for c in columns] for row in self.to_rows()]
        return _table(columns, rows)


class FindingsChart:
    """A bar chart of findings per operation, stacked by severity; shows as PNG in any backend."""

    def __init__(
        self, findings: Iterable[Finding], *, title: str = "Findings by operation and severity"
    ) -> None:
        self.table = FindingTable(findings)
        self.title = title
        self.figure = self._draw()

    def _draw(self) -> Figure:
        # The Figure class directly, not pyplot: no GUI backend and no global figure state in the kernel.
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        counts = self.table.counts()
        operations = sorted(counts) or ["(no findings)"]
        figure = Figure(figsize=(10, 0.55 * len(operations) + 1.6), layout="constrained")
        axes = figure.subplots()
        left = [0] * len(operations)
        for severity, colour in _SEVERITY_COLOURS.items():
            values = [counts.get(op, Counter())[severity] for op in operations]
            axes.barh(operations, values, left=left, color=colour, label=severity)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("findings")
        axes.set_title(self.title, loc="left", fontsize="medium")
        axes.invert_yaxis()
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return figure

    def png(self) -> bytes:
        """The chart as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"<FindingsChart: {len(self.table)} finding(s) over {len(self.table.counts())} operation(s)>"
