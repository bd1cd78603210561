"""Contract coverage: how much of each spec a run's traffic exercised. Computing only; see ``render.py``.

The input is a sequence of :class:`Exchange` (one observed call, reduced to names: no parameter value,
body or header value is kept, so nothing secret can reach a report). Each exchange is matched to its
operation through :class:`~kpn_contract.contract.index.SpecIndex` (the one lookup) and its status to
the declared response through :func:`~kpn_contract.contract.index.select_response`.

Per operation: calls, statuses seen against those declared, declared parameters exercised, request
media types sent and response media types seen. Totals: operations called / declared and declared
statuses covered / declared, over every spec of the index (a spec the run never called counts too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpn_contract.contract.index import SpecIndex, select_response
from kpn_contract.contract.model import Operation, Spec
from kpn_contract.errors import UsageError

__all__ = [
    "REPORT_FORMAT",
    "CoverageReport",
    "Exchange",
    "OperationCoverage",
    "SpecCoverage",
    "compute",
    "scoped",
]

REPORT_FORMAT = "kpn-contract-coverage/1"


@dataclass(frozen=True)
class Exchange:
    """One observed call, reduced to what coverage needs: names and media types, never values."""

    method: str
    url: str  # scheme, host and path; the query is dropped (its names are in ``query``)
    status: int
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # request header names, lower case
    cookies: tuple[str, ...] = ()
    form: tuple[str, ...] = ()  # field names of a form-encoded request body
    has_body: bool = False
    request_media_type: str | None = None
    response_media_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value for name, value in vars(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        fields: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value for name, value in data.items()
        }
        return cls(**fields)


@dataclass
class OperationCoverage:
    operation: Operation
    calls: int = 0
    statuses_seen: Counter[int] = field(default_factory=Counter)
    parameters_exercised: set[str] = field(default_factory=set)
    request_media_types_seen: set[str] = field(default_factory=set)
    response_media_types_seen: set[str] = field(default_factory=set)

    @property
    def statuses_declared(self) -> list[str]:
        return list(self.operation.responses)

    @property
    def statuses_covered(self) -> list[str]:
        """The declared status keys (``200``, ``4XX``, ``default``) that a seen status selected."""
        hit: set[str] = set()
        for status in self.statuses_seen:
            declared = select_response(self.operation.responses, status)
            if declared is not None:
                hit.add(declared.status)
        return [status for status in self.operation.responses if status in hit]

    @property
    def statuses_undeclared(self) -> list[int]:
        return sorted(s for s in self.statuses_seen if select_response(self.operation.responses, s) is None)

    @property
    def parameters_declared(self) -> list[str]:
        return [_parameter_name(p.location, p.name) for p in self.operation.parameters]

    @property
    def request_media_types_declared(self) -> list[str]:
        body = self.operation.request_body
        return list(body.content) if body is not None else []

    @property
    def response_media_types_declared(self) -> list[str]:
        names = (name for response in self.operation.responses.values() for name in response.content)
        return list(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation.key,
            "operation_id": self.operation.operation_id,
            "calls": self.calls,
            "statuses_seen": {str(code): count for code, count in sorted(self.statuses_seen.items())},
            "statuses_declared": self.statuses_declared,
            "statuses_covered": self.statuses_covered,
            "statuses_undeclared": self.statuses_undeclared,
            "parameters_declared": self.parameters_declared,
            "parameters_exercised": [p for p in self.parameters_declared if p in self.parameters_exercised],
            "request_media_types_declared": self.request_media_types_declared,
            "request_media_types_seen": sorted(self.request_media_types_seen),
            "response_media_types_declared": self.response_media_types_declared,
            "response_media_types_seen": sorted(self.response_media_types_seen),
        }


@dataclass
class SpecCoverage:
    spec: Spec
    name: str  # the spec file, relative to the folder of all specs: no machine path in a report
    operations: list[OperationCoverage]

    @property
    def calls(self) -> int:
        return sum(op.calls for op in self.operations)

    @property
    def operations_called(self) -> int:
        return sum(1 for op in self.operations if op.calls)

    @property
    def statuses_declared(self) -> int:
        return sum(len(op.statuses_declared) for op in self.operations)

    @property
    def statuses_covered(self) -> int:
        return sum(len(op.statuses_covered) for op in self.operations)

    @property
    def operations_percent(self) -> float | None:
        return _percent(self.operations_called, len(self.operations))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.spec.title,
            "version": self.spec.version,
            "file": self.name,
            "calls": self.calls,
            "operations_called": self.operations_called,
            "operations_declared": len(self.operations),
            "operations_percent": self.operations_percent,
            "statuses_covered": self.statuses_covered,
            "statuses_declared": self.statuses_declared,
            "operations": [op.to_dict() for op in self.operations],
        }


@dataclass
class CoverageReport:
    """Coverage of every spec of an index by a set of exchanges."""

    source: str  # "pytest" or "cassettes"
    specs: list[SpecCoverage]
    unmatched_calls: int = 0  # calls no spec declares

    @property
    def calls(self) -> int:
        return sum(spec.calls for spec in self.specs) + self.unmatched_calls

    @property
    def operations_called(self) -> int:
        return sum(spec.operations_called for spec in self.specs)

    @property
    def operations_declared(self) -> int:
        return sum(len(spec.operations) for spec in self.specs)

    @property
    def statuses_covered(self) -> int:
        return sum(spec.statuses_covered for spec in self.specs)

    @property
    def statuses_declared(self) -> int:
        return sum(spec.statuses_declared for spec in self.specs)

    @property
    def operations_percent(self) -> float | None:
        """Operations called / operations declared, in percent: what ``fail-under`` compares."""
        return _percent(self.operations_called, self.operations_declared)

    @property
    def statuses_percent(self) -> float | None:
        return _percent(self.statuses_covered, self.statuses_declared)

    def totals(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "unmatched_calls": self.unmatched_calls,
            "operations_called": self.operations_called,
            "operations_declared": self.operations_declared,
            "operations_percent": self.operations_percent,
            "statuses_covered": self.statuses_covered,
            "statuses_declared": self.statuses_declared,
            "statuses_percent": self.statuses_percent,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "source": self.source,
            "totals": self.totals(),
            "specs": [spec.to_dict() for spec in self.specs],
        }


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _parameter_name(location: str, name: str) -> str:
    # Header names are case-insensitive; the others are compared as declared.
    return f"{location} {name.lower() if location == 'header' else name}"


def _exercised(operation: Operation, exchange: Exchange) -> set[str]:
    sent = {
        "path": None,  # a matched path template means every path parameter was sent
        "query": set(exchange.query),
        "header": set(exchange.headers),
        "cookie": set(exchange.cookies),
        "formData": set(exchange.form),
    }
    found: set[str] = set()
    for parameter in operation.parameters:
        location, name = parameter.location, parameter.name
        names = sent.get(location)
        sent_by_name = names is not None and (name.lower() if location == "header" else name) in names
        if location == "path" or (location == "body" and exchange.has_body) or sent_by_name:
            found.add(_parameter_name(location, name))
    return found


def _spec_names(specs: Sequence[Spec]) -> list[str]:
    paths = [Path(spec.path) for spec in specs]
    parents = [p.parent for p in paths]
    if not parents:
        return []
    root = parents[0]
    while not all(root == parent or root in parent.parents for parent in parents):
        root = root.parent
    return [p.relative_to(root).as_posix() for p in paths]


def compute(index: SpecIndex, exchanges: Iterable[Exchange], *, source: str) -> CoverageReport:
    """The coverage of every spec in ``index`` by ``exchanges``."""
    by_operation: dict[int, OperationCoverage] = {}
    specs: list[SpecCoverage] = []
    for spec, name in zip(index.specs, _spec_names(index.specs), strict=True):
        operations = [OperationCoverage(op) for op in spec.operations]
        by_operation.update((id(cov.operation), cov) for cov in operations)
        specs.append(SpecCoverage(spec, name, operations))
    report = CoverageReport(source=source, specs=specs)
    for exchange in exchanges:
        operation = index.find(exchange.method, exchange.url)
        coverage = by_operation.get(id(operation)) if operation is not None else None
        if operation is None or coverage is None:
            report.unmatched_calls += 1
            continue
        coverage.calls += 1
        coverage.statuses_seen[exchange.status] += 1
        coverage.parameters_exercised |= _exercised(operation, exchange)
        if exchange.has_body and exchange.request_media_type:
            coverage.request_media_types_seen.add(exchange.request_media_type)
        if exchange.response_media_type:
            coverage.response_media_types_seen.add(exchange.response_media_type)
    return report


def _selected(spec: SpecCoverage, selector: str) -> bool:
    wanted = selector.strip().strip("/").lower()
    name = spec.name.lower()
    stem = name.rsplit(".", 1)[0]
    return wanted in (name, stem, spec.spec.title.lower()) or name.startswith(f"{wanted}/")


def scoped(report: CoverageReport, selectors: Iterable[str]) -> CoverageReport:
    """``report`` limited to the specs a team names: a spec file (``kpn-number-verify.yaml``, with or
    without its suffix), a folder (``kpn-things``: every spec in it) or a spec's title.

    So a Things-only team's percentage, and ``fail-under``, cover only the APIs it uses; calls to the
    other specs leave the report. A name that selects nothing is a UsageError listing the names.
    """
    wanted = [selector for selector in selectors if selector.strip()]
    if not wanted:
        return report
    unknown = [selector for selector in wanted if not any(_selected(spec, selector) for spec in report.specs)]
    if unknown:
        names = ", ".join(spec.name for spec in report.specs)
        raise UsageError(
            f"coverage specs {', '.join(map(repr, unknown))} select no spec; the specs are: {names}"
        )
    kept = [spec for spec in report.specs if any(_selected(spec, selector) for selector in wanted)]
    return CoverageReport(source=report.source, specs=kept, unmatched_calls=report.unmatched_calls)
