"""What a fuzz run did: the per-check summary, read from the engine's events, printed and as JUnit.

The JUnit writer is our own: schemathesis's writers are CLI internals. Every text goes through
:func:`kpn_contract.redact.redact`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kpn_contract.fuzz._traffic import recorded_interactions
from kpn_contract.redact import redact

if TYPE_CHECKING:
    from kpn_contract.fuzz._auth import KPNSchemathesisAuth

__all__ = ["CheckTally", "FuzzSummary", "error_text", "print_summary", "record_scenario", "write_junit"]


@dataclass
class CheckTally:
    """How often one check passed and failed."""

    passed: int = 0
    failed: int = 0


@dataclass
class FuzzSummary:
    """What a run did: cases per operation, check outcomes, failures and errors (all redacted)."""

    cases: Counter[str] = field(default_factory=Counter)
    checks: dict[str, CheckTally] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    elapsed: dict[str, float] = field(default_factory=dict)

    @property
    def total_cases(self) -> int:
        """Every case sent, over all operations and phases."""
        return sum(self.cases.values())

    @property
    def ok(self) -> bool:
        """True when cases were sent, no check failed and no error happened (nothing sent is no pass)."""
        return self.total_cases > 0 and not any(self.failures.values()) and not any(self.errors.values())


# --------------------------------------------------------------------------------------------------
# Reading engine events


def _failure_text(label: str, name: str, node: Any) -> str:
    info = node.failure_info
    if info is None:
        return f"{label}: {name} failed"
    failure = info.failure
    text = f"{label}: {name}: {failure.title}\n{failure.message}\nReproduce with:\n{info.code_sample}"
    return redact(text.strip())


def record_scenario(summary: FuzzSummary, event: Any) -> tuple[int, int]:
    label = event.label or "(run)"
    cases = sum(1 for _ in recorded_interactions(event.recorder))
    summary.cases[label] += cases
    summary.elapsed[label] = summary.elapsed.get(label, 0.0) + float(event.elapsed_time or 0.0)
    failed_here = 0
    failures = summary.failures.setdefault(label, [])
    for nodes in event.recorder.checks.values():
        for node in nodes:
            tally = summary.checks.setdefault(node.name, CheckTally())
            if str(node.status) == "success":
                tally.passed += 1
            elif str(node.status) == "failure":
                tally.failed += 1
                failed_here += 1
                text = _failure_text(label, node.name, node)
                if text not in failures:
                    failures.append(text)
    return cases, failed_here


def error_text(event: Any) -> str:
    error = event.value
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return redact(f"{type(error).__name__}: {message}" if message else type(error).__name__)


# --------------------------------------------------------------------------------------------------
# Reports


def write_junit(summary: FuzzSummary, path: Path, *, suite_name: str) -> None:
    """One ``<testcase>`` per operation; a ``<failure>`` per failed check, an ``<error>`` per error."""
    labels = sorted(set(summary.cases) | set(summary.failures) | set(summary.errors))
    failures = sum(1 for label in labels if summary.failures.get(label))
    errors = sum(1 for label in labels if summary.errors.get(label))
    counts = {"tests": str(len(labels)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", counts)
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **counts})
    for label in labels:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "name": label,
                "classname": suite_name,
                "time": f"{summary.elapsed.get(label, 0.0):.3f}",
                "cases": str(summary.cases.get(label, 0)),
            },
        )
        for text in summary.failures.get(label, []):
            element = ET.SubElement(case, "failure", {"message": text.splitlines()[0][:200]})
            element.text = text
        for text in summary.errors.get(label, []):
            element = ET.SubElement(case, "error", {"message": text[:200]})
            element.text = text
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def print_summary(out: TextIO, summary: FuzzSummary, auth: KPNSchemathesisAuth) -> None:
    out.write(
        f"\n{summary.total_cases} cases over {len(summary.cases)} operation(s); "
        f"{auth.token_fetches} token fetch(es)\n"
    )
    out.write("checks:\n")
    for name in sorted(summary.checks):
        tally = summary.checks[name]
        out.write(f"  {name:<32} {tally.passed:>6} passed {tally.failed:>6} failed\n")
    for _label, texts in sorted(summary.failures.items()):
        for text in texts:
            out.write(f"FAILED {text}\n")
    for label, texts in sorted(summary.errors.items()):
        for text in texts:
            out.write(f"ERROR {label}: {text}\n")
    if summary.total_cases == 0:
        out.write("ERROR no case was sent: nothing was tested (check --spec, --operation and --phases)\n")
    out.write(("PASSED" if summary.ok else "FAILED") + "\n")
    out.flush()
