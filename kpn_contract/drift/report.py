"""Reports of drift findings (text, markdown, JSON, JUnit XML), exit codes, and the CLI entry points.

Every report passes through :func:`kpn_contract.redact.redact` before it is returned: old/new
values come from specs and recorded bodies and may hold a secret.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from kpn_contract.drift.findings import SEVERITIES, Finding, StabilityPolicy
from kpn_contract.errors import UsageError
from kpn_contract.redact import redact

__all__ = [
    "FORMATS",
    "check_fail_on",
    "existing",
    "exit_code",
    "render",
    "run_diff",
    "run_drift",
    "run_migration",
]

Format = Literal["text", "markdown", "json", "junit"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json", "junit")
FailOn = Literal["breaking", "warning"]
_MAX_VALUE = 80


def _value(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _flags(finding: Finding) -> str:
    flags = []
    if finding.beta:
        flags.append("beta")
    if finding.used:
        flags.append("used")
    return f" [{', '.join(flags)}]" if flags else ""


def _summary(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {severity: counts.get(severity, 0) for severity in SEVERITIES}


def _text(findings: Sequence[Finding], title: str) -> str:
    summary = _summary(findings)
    lines = [f"{title}: " + ", ".join(f"{n} {s}" for s, n in summary.items())]
    for f in findings:
        at = f" at {f.pointer}" if f.pointer else ""
        lines.append(
            f"{f.severity.upper():8} {f.rule_id} {f.operation}{at}: {f.message} "
            f"({_value(f.old)} → {_value(f.new)}){_flags(f)}"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _markdown(findings: Sequence[Finding], title: str) -> str:
    summary = _summary(findings)
    lines = [f"## {_cell(title)}", "", "| Severity | Count |", "| --- | ---: |"]
    lines.extend(f"| {severity} | {count} |" for severity, count in summary.items())
    lines.append("")
    if not findings:
        lines.append("No changes found.")
        return "\n".join(lines) + "\n"
    if any(f.beta for f in findings):
        lines.extend(
            ["Findings marked *beta* are in a beta API: they would break, but the policy lets them warn.", ""]
        )
    lines.extend(
        [
            "| Severity | Rule | Operation | Location | Old | New | Message |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
    )
    for f in findings:
        severity = f.severity + (" (beta)" if f.beta else "") + (" (used)" if f.used else "")
        lines.append(
            f"| {severity} | `{f.rule_id}` | `{_cell(f.operation)}` | `{_cell(f.pointer) or '/'}` "
            f"| {_cell(_value(f.old))} | {_cell(_value(f.new))} | {_cell(f.message)} |"
        )
    return "\n".join(lines) + "\n"


def _json(findings: Sequence[Finding], title: str) -> str:
    document = {"title": title, "findings": [f.to_dict() for f in findings], "summary": _summary(findings)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _junit(findings: Sequence[Finding], title: str, fail_on: FailOn) -> str:
    by_operation: dict[str, list[Finding]] = {}
    for f in findings:
        by_operation.setdefault(f.operation, []).append(f)
    failing = sum(1 for f in findings if f.at_least(fail_on))
    suite = ET.Element(
        "testsuite",
        name=title,
        tests=str(max(len(by_operation), 1)),
        failures=str(sum(1 for fs in by_operation.values() if any(f.at_least(fail_on) for f in fs))),
        errors="0",
    )
    suite.set("findings", str(len(findings)))
    suite.set("failing-findings", str(failing))
    if not by_operation:
        ET.SubElement(suite, "testcase", classname="kpn_contract.drift", name="no changes")
    for operation, items in sorted(by_operation.items()):
        case = ET.SubElement(suite, "testcase", classname="kpn_contract.drift", name=operation)
        bad = [f for f in items if f.at_least(fail_on)]
        if bad:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(bad)} finding(s) at or above {fail_on}",
                type=bad[0].rule_id,
            )
            failure.text = _text(bad, operation)
        rest = [f for f in items if not f.at_least(fail_on)]
        if rest:
            ET.SubElement(case, "system-out").text = _text(rest, operation)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def render(
    findings: Iterable[Finding],
    fmt: str,
    *,
    title: str,
    fail_on: FailOn = "breaking",
) -> str:
    """The report of ``findings`` in ``fmt`` (``text``, ``markdown``, ``json`` or ``junit``), redacted.

    ``fail_on`` decides which findings are JUnit failures (the others go to ``system-out``).
    """
    items = list(findings)
    if fmt == "text":
        report = _text(items, title)
    elif fmt == "markdown":
        report = _markdown(items, title)
    elif fmt == "json":
        report = _json(items, title)
    elif fmt == "junit":
        report = _junit(items, title, check_fail_on(fail_on))
    else:
        raise UsageError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return redact(report)


def check_fail_on(fail_on: str) -> FailOn:
    """``fail_on`` checked: ``breaking`` or ``warning``, else a UsageError."""
    if fail_on == "breaking":
        return "breaking"
    if fail_on == "warning":
        return "warning"
    raise UsageError(f"--fail-on must be 'breaking' or 'warning', not {fail_on!r}")


def exit_code(findings: Iterable[Finding], fail_on: str = "breaking") -> int:
    """0 when no finding reaches ``fail_on`` (``breaking`` or ``warning``), 1 otherwise."""
    threshold = check_fail_on(fail_on)
    return 1 if any(f.at_least(threshold) for f in findings) else 0


def existing(path: str | Path, what: str) -> Path:
    """``path`` as a Path, or a UsageError saying that this ``what`` does not exist."""
    candidate = Path(path)
    if not candidate.exists():
        raise UsageError(f"{what} {str(candidate)!r} does not exist")
    return candidate


def run_diff(
    old_path: str | Path,
    new_path: str | Path,
    *,
    used_by: Sequence[str | Path] = (),
    fmt: str = "text",
    fail_on: str = "breaking",
    severities: Mapping[str, str] | None = None,
    policy: StabilityPolicy | None = None,
) -> tuple[str, int]:
    """``kpn-contract diff OLD NEW``: the report and the exit code (0/1).

    Raises :class:`~kpn_contract.errors.KPNContractError` (``UsageError``, ``SpecError``,
    ``CassetteError``) for usage or input errors; the CLI turns those into exit code 2.
    """
    from kpn_contract.contract.specs import SpecIndex, load_spec
    from kpn_contract.drift.spec.specdiff import diff_specs
    from kpn_contract.drift.usage import apply_usage, usage_from_cassettes

    threshold = check_fail_on(fail_on)
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    # Loading is most of a diff's time (the comparison itself is a few per cent on the largest
    # published spec): the content-hash spec cache (perf, issue 23) belongs in load_spec, not here.
    old = load_spec(existing(old_path, "old spec"))
    new = load_spec(existing(new_path, "new spec"))
    findings = diff_specs(old, new, policy=policy, severities=severities)
    title = f"Spec diff {Path(old_path).name} → {Path(new_path).name}"
    if used_by:
        usage = usage_from_cassettes(
            [existing(d, "--used-by folder") for d in used_by], SpecIndex([new, old])
        )
        findings = apply_usage(findings, usage)
        title += " (limited to recorded usage)"
    return render(findings, fmt, title=title, fail_on=threshold), exit_code(findings, threshold)


def run_migration(
    old_path: str | Path,
    new_path: str | Path,
    map_path: str | Path,
    *,
    used_by: Sequence[str | Path] = (),
    fmt: str = "text",
    fail_on: str = "breaking",
    severities: Mapping[str, str] | None = None,
    policy: StabilityPolicy | None = None,
) -> tuple[str, int]:
    """``kpn-contract diff OLD NEW --map MAP``: the migration report and the exit code (0/1).

    ``new_path`` is a spec file or a folder of specs (``OLD`` itself is left out when it lies inside).
    Raises :class:`~kpn_contract.errors.KPNContractError` for usage or input errors (exit code 2).
    """
    from kpn_contract.contract.specs import SpecIndex, load_spec, load_specs
    from kpn_contract.drift.migration.maps import load_migration_map
    from kpn_contract.drift.migration.migrate import migrate_specs
    from kpn_contract.drift.usage import apply_usage, usage_from_cassettes

    threshold = check_fail_on(fail_on)
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    old_file = existing(old_path, "old spec")
    new_root = existing(new_path, "new spec")
    mapping = load_migration_map(existing(map_path, "migration map"))
    old = load_spec(old_file)
    new = [spec for spec in load_specs([new_root]) if Path(spec.path).resolve() != old_file.resolve()]
    if not new:
        raise UsageError(f"no new spec found in {str(new_root)!r} (other than the old spec)")
    findings = migrate_specs(old, new, mapping, policy=policy, severities=severities)
    title = f"Migration {old_file.name} → {new_root.name or str(new_root)} (map {Path(map_path).name})"
    if used_by:
        usage = usage_from_cassettes([existing(d, "--used-by folder") for d in used_by], SpecIndex([old]))
        findings = apply_usage(findings, usage)
        title += " (limited to recorded usage)"
    return render(findings, fmt, title=title, fail_on=threshold), exit_code(findings, threshold)


def run_drift(
    baseline: Sequence[str | Path],
    new: Sequence[str | Path],
    *,
    spec_dirs: Sequence[str | Path] = (),
    validate: bool = True,
    fmt: str = "text",
    fail_on: str = "breaking",
    severities: Mapping[str, str] | None = None,
    policy: StabilityPolicy | None = None,
) -> tuple[str, int]:
    """``kpn-contract drift BASELINE NEW``: the report and the exit code (0/1).

    ``spec_dirs`` name the specs that map URLs to operations (default: the project's ``specs/``);
    with ``validate`` every new response is also checked against them.
    """
    from kpn_contract.contract.specs import SpecIndex, load_specs, project_index
    from kpn_contract.contract.validate import Validator
    from kpn_contract.drift.recordings.shapes import drift_recordings

    threshold = check_fail_on(fail_on)
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    baseline_dirs = [existing(d, "baseline recordings") for d in baseline]
    new_dirs = [existing(d, "new recordings") for d in new]
    if spec_dirs:
        index = SpecIndex(load_specs([existing(d, "spec folder") for d in spec_dirs]))
    else:
        index = project_index()
    validator = Validator(index) if validate else None
    findings = drift_recordings(
        baseline_dirs, new_dirs, index=index, validator=validator, policy=policy, severities=severities
    )
    title = "Response drift " + ", ".join(str(d) for d in baseline) + " → " + ", ".join(str(d) for d in new)
    return render(findings, fmt, title=title, fail_on=threshold), exit_code(findings, threshold)
