"""Findings of the breaking-change detectors, their rule table, severities and the stability policy.

Both detectors (``specdiff``: spec against spec, ``shapes``: recordings against recordings) emit
:class:`Finding` objects with a rule id from :data:`RULES`, the registry assembled by
:mod:`kpn_contract.drift.spec.rules` (re-exported here for existing callers); ``docs/drift-rules.md`` is
generated from it.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from kpn_contract.drift.spec.rules import RULES, SEVERITIES, Rule, Severity
from kpn_contract.drift.spec.rules.lifecycle import UNPROMISED
from kpn_contract.errors import UsageError

__all__ = [
    "LEVELS",
    "RULES",
    "SEVERITIES",
    "Finding",
    "Rule",
    "Severity",
    "StabilityPolicy",
    "apply_policy",
    "is_beta_spec",
    "parse_severities",
    "parse_severity_options",
    "sort_findings",
]

_RANK: dict[str, int] = {"info": 0, "warning": 1, "breaking": 2}


@dataclass(frozen=True)
class Finding:
    """One change a consumer may notice.

    ``operation`` is ``"METHOD /path"`` (``"*"`` for a spec-wide change, whose operations are in
    ``affects``); ``pointer`` is a JSON pointer into the operation (``/responses/200/content/...``)
    or, for recordings, into the response body. ``used`` is set by ``apply_usage``; ``beta`` marks
    a change in an API the stability policy calls beta.
    """

    rule_id: str
    severity: Severity
    operation: str
    pointer: str
    old: Any
    new: Any
    message: str
    used: bool | None = None
    beta: bool = False
    affects: tuple[str, ...] = ()

    def at_least(self, threshold: str) -> bool:
        """Whether this finding's severity reaches ``threshold``."""
        return _RANK[self.severity] >= _RANK[threshold]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (old/new rendered as text when they are not plain JSON)."""
        data = dataclasses.asdict(self)
        data["affects"] = list(self.affects)
        for key in ("old", "new"):
            data[key] = _jsonable(data[key])
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


# What a team may set a rule to: a severity, or ``off`` (its findings are dropped).
Level = Literal["breaking", "warning", "info", "off"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "info", "off")


def _did_you_mean(rule_id: str) -> str:
    close = difflib.get_close_matches(rule_id, list(RULES), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else " (see docs/drift-rules.md)"


def parse_severities(
    mapping: Mapping[str, Any] | None, *, where: str = "severity override"
) -> dict[str, Level]:
    """Validate a rule-id → level table (``[tool.kpn_contract.diff] severity``, ``--severity``).

    A level is a severity or ``off``. Raises :class:`~kpn_contract.errors.UsageError` in one line,
    naming ``where``, the unknown rule (with the closest rule id) or the bad level.
    """
    if mapping is not None and not isinstance(mapping, Mapping):
        raise UsageError(f"{where} must be a table of rule id = level")
    result: dict[str, Level] = {}
    for rule_id, level in (mapping or {}).items():
        if rule_id not in RULES:
            raise UsageError(f"{where}: unknown rule id {rule_id!r}{_did_you_mean(str(rule_id))}")
        if level not in LEVELS:
            raise UsageError(f"{where} for {rule_id!r}: {level!r} is not one of {', '.join(LEVELS)}")
        result[rule_id] = cast(Level, level)
    return result


def parse_severity_options(values: Iterable[str]) -> dict[str, Level]:
    """``--severity RULE=LEVEL`` options (repeatable), later ones winning."""
    table: dict[str, str] = {}
    for value in values:
        rule_id, sign, level = value.partition("=")
        if not sign or not rule_id.strip() or not level.strip():
            raise UsageError(
                f"--severity {value!r}: expected RULE=LEVEL, e.g. response.enum.value-added=breaking"
            )
        table[rule_id.strip()] = level.strip()
    return parse_severities(table, where="--severity")


@dataclass(frozen=True)
class StabilityPolicy:
    """Which APIs are beta, and how severe a breaking change in a beta API is.

    An API is beta when its spec says ``x-kpn-stability: alpha``, ``beta`` or ``deprecated`` (top
    level or in ``info``), or, when it declares no stability, when one of ``beta_apis`` occurs
    (case-insensitively) in its family or title. KPN Things' beta is beta by default: KPN does not
    promise to announce its breaking changes, and a deprecated API (the beta since the new API
    appeared) promises no more than a beta.
    """

    beta_apis: frozenset[str] = field(default_factory=lambda: frozenset({"things"}))
    beta_breaking_severity: Literal["warning", "breaking"] = "warning"

    def __post_init__(self) -> None:
        if self.beta_breaking_severity not in ("warning", "breaking"):
            raise UsageError(
                f"StabilityPolicy.beta_breaking_severity must be 'warning' or 'breaking', "
                f"not {self.beta_breaking_severity!r}"
            )
        object.__setattr__(self, "beta_apis", frozenset(a.lower() for a in self.beta_apis))

    def is_beta(self, *, title: str | None, family: str | None, stability: str | None) -> bool:
        """Whether an API with this title, family and declared stability is beta."""
        if stability is not None:
            return stability.strip().lower() in UNPROMISED
        names = " ".join(n.lower() for n in (title, family) if n)
        return any(api in names for api in self.beta_apis)


def is_beta_spec(raw: Mapping[str, Any], title: str, family: str | None, policy: StabilityPolicy) -> bool:
    """Apply ``policy`` to a spec's raw document, title and family."""
    info = raw.get("info")
    stability = raw.get("x-kpn-stability")
    if stability is None and isinstance(info, Mapping):
        stability = info.get("x-kpn-stability")
    return policy.is_beta(title=title, family=family, stability=str(stability) if stability else None)


def apply_policy(
    findings: Iterable[Finding],
    *,
    beta: bool,
    policy: StabilityPolicy,
    severities: Mapping[str, str] | None,
) -> list[Finding]:
    """Apply severity overrides (``off`` drops a finding), then the stability policy, to fresh findings."""
    overrides = parse_severities(severities)
    result = []
    for finding in findings:
        level = overrides.get(finding.rule_id, finding.severity)
        if level == "off":
            continue
        severity: Severity = level
        if beta and severity == "breaking":
            severity = policy.beta_breaking_severity
        result.append(dataclasses.replace(finding, severity=severity, beta=beta))
    return result


_ORDER = {"breaking": 0, "warning": 1, "info": 2}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by operation and pointer (stable, so reports diff cleanly)."""
    return sorted(findings, key=lambda f: (_ORDER[f.severity], f.operation, f.pointer, f.rule_id))


def policy_from_config(table: Mapping[str, Any]) -> tuple[dict[str, Level], StabilityPolicy]:
    """Severity overrides and stability policy from ``[tool.kpn_contract.diff]`` and ``.drift``.

    ``[tool.kpn_contract.diff] severity`` (rule id → breaking, warning, info or off) is the table a
    team aligns on; ``[tool.kpn_contract.drift] severity``, read first, is its older spelling and
    loses where both name a rule. ``drift`` also holds ``beta_apis`` and ``beta_breaking_severity``.
    """
    drift, diff = table.get("drift", {}), table.get("diff", {})
    for name, sub in (("drift", drift), ("diff", diff)):
        if not isinstance(sub, Mapping):
            raise UsageError(f"[tool.kpn_contract.{name}] must be a table")
    if unknown := sorted(set(diff) - {"severity"}):
        raise UsageError(f"[tool.kpn_contract.diff]: unknown key {unknown[0]!r} (the table holds severity)")
    severities = parse_severities(drift.get("severity"), where="[tool.kpn_contract.drift] severity")
    severities.update(parse_severities(diff.get("severity"), where="[tool.kpn_contract.diff] severity"))
    beta_apis = drift.get("beta_apis", ["things"])
    if not isinstance(beta_apis, list) or not all(isinstance(name, str) for name in beta_apis):
        raise UsageError("[tool.kpn_contract.drift] beta_apis must be a list of API names")
    policy = StabilityPolicy(
        beta_apis=frozenset(beta_apis),
        beta_breaking_severity=drift.get("beta_breaking_severity", "warning"),
    )
    return severities, policy


class FindingCollector:
    """Collects findings, taking each rule's default severity unless told otherwise.

    Shared by the spec diff and the recording drift, so a finding is built in one way only.
    """

    def __init__(self) -> None:
        self.findings: list[Finding] = []

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
    ) -> None:
        self.findings.append(
            Finding(
                rule_id=rule_id,
                severity=severity or RULES[rule_id].severity,
                operation=operation,
                pointer=pointer,
                old=old,
                new=new,
                message=message,
                affects=affects,
            )
        )
