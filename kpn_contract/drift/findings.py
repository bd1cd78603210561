"""Findings of the breaking-change detectors, their rule table, severities and the stability policy.

Both detectors (``specdiff``: spec against spec, ``shapes``: recordings against recordings) emit
:class:`Finding` objects with a rule id from :data:`RULES`. ``docs/drift-rules.md`` documents the
same table; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from kpn_contract.errors import UsageError

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "Rule",
    "Severity",
    "StabilityPolicy",
    "apply_policy",
    "is_beta_spec",
    "parse_severities",
    "sort_findings",
]

Severity = Literal["breaking", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "warning", "info")
_RANK: dict[str, int] = {"info": 0, "warning": 1, "breaking": 2}


@dataclass(frozen=True)
class Rule:
    """One rule: its id, default severity and the detector(s) that emit it."""

    id: str
    severity: Severity
    source: Literal["diff", "drift", "both", "migration"]
    summary: str


# The severity listed for ``response.property.removed`` is the one for a required (or always present)
# field; an optional (or sometimes present) one gets "warning" unless overridden.
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("path.removed", "breaking", "diff", "every operation of a path was removed"),
        Rule("operation.removed", "breaking", "diff", "an operation (method + path) was removed"),
        Rule("operation.added", "info", "diff", "a new operation"),
        Rule("operation.deprecated", "warning", "diff", "an operation became deprecated"),
        Rule("operation.sunset", "warning", "diff", "an operation got (or changed) a sunset date"),
        Rule("request.parameter.required-added", "breaking", "diff", "a new required parameter"),
        Rule(
            "request.parameter.became-required", "breaking", "diff", "an optional parameter became required"
        ),
        Rule(
            "request.parameter.removed", "breaking", "diff", "a parameter the consumer may send was removed"
        ),
        Rule(
            "request.parameter.type-changed", "breaking", "diff", "a parameter no longer accepts its old type"
        ),
        Rule("request.parameter.deprecated", "warning", "diff", "a parameter became deprecated"),
        Rule("request.body.became-required", "breaking", "diff", "the request body became required"),
        Rule("request.body.required-property-added", "breaking", "diff", "a new required body property"),
        Rule(
            "request.property.became-required",
            "breaking",
            "diff",
            "an optional body property became required",
        ),
        Rule(
            "request.property.removed", "warning", "diff", "a body property the consumer may send was removed"
        ),
        Rule(
            "request.property.type-changed",
            "breaking",
            "diff",
            "a body property no longer accepts its old type",
        ),
        Rule(
            "request.enum.value-removed",
            "breaking",
            "diff",
            "a value the consumer may send is no longer allowed",
        ),
        Rule("request.const.changed", "breaking", "diff", "a fixed (const) request value changed"),
        Rule("request.const.added", "breaking", "diff", "a request value is now fixed to one value (const)"),
        Rule("request.const.removed", "info", "diff", "a request value is no longer fixed (const)"),
        Rule(
            "request.prefix-items.position-added",
            "warning",
            "diff",
            "a request tuple array (prefixItems) has a new position",
        ),
        Rule("request.media-type.removed", "breaking", "diff", "a request media type was removed"),
        Rule("request.media-type.changed", "breaking", "diff", "the only request media type was replaced"),
        Rule("response.status.removed", "breaking", "both", "a success status is no longer returned"),
        Rule("response.status.changed", "breaking", "drift", "a success status was replaced by another"),
        Rule("response.status.added-error", "warning", "both", "a new error status"),
        Rule("response.status.added-success", "warning", "both", "a new success status"),
        Rule("response.error-status.removed", "info", "diff", "an error status is no longer declared"),
        Rule("response.media-type.removed", "breaking", "diff", "a response media type was removed"),
        Rule("response.media-type.changed", "breaking", "both", "the response media type was replaced"),
        Rule("response.property.removed", "breaking", "both", "a response field was removed"),
        Rule(
            "response.property.became-optional",
            "warning",
            "diff",
            "a required response field became optional",
        ),
        Rule("response.property.type-changed", "breaking", "both", "a response field changed type"),
        Rule("response.property.became-nullable", "breaking", "both", "a response field can now be null"),
        Rule("response.property.added", "info", "both", "a new optional response field"),
        Rule("response.enum.value-added", "warning", "both", "a response field has a new enum value"),
        Rule("response.enum.value-removed", "info", "diff", "a response enum was narrowed"),
        Rule("response.const.changed", "breaking", "diff", "a fixed (const) response value changed"),
        Rule("response.const.added", "info", "diff", "a response value is now fixed to one value (const)"),
        Rule("response.const.removed", "warning", "diff", "a response value is no longer fixed (const)"),
        Rule(
            "response.prefix-items.position-removed",
            "breaking",
            "diff",
            "a position of a response tuple array (prefixItems) is no longer declared",
        ),
        Rule("response.spec-violation", "breaking", "drift", "a new response no longer matches the spec"),
        Rule("security.scheme.changed", "breaking", "diff", "a security scheme changed or was replaced"),
        Rule("server.changed", "breaking", "diff", "the API moved to another server or base path"),
        Rule("security.token-url.changed", "breaking", "diff", "the token URL of a security scheme changed"),
        Rule("security.scope.added", "breaking", "diff", "an operation requires a scope it did not require"),
        Rule("security.scope.removed", "info", "diff", "an operation no longer requires a scope"),
        Rule("migration.path.changed", "breaking", "migration", "the operation moved to another path"),
        Rule("migration.paging.changed", "breaking", "migration", "a paging parameter was replaced"),
        Rule("migration.sort.changed", "breaking", "migration", "a sort parameter was replaced"),
        Rule("migration.search.changed", "breaking", "migration", "a search parameter was replaced"),
        Rule(
            "migration.sub-customer.changed",
            "breaking",
            "migration",
            "the way to act for a sub-customer changed",
        ),
        Rule("migration.parameter.replaced", "breaking", "migration", "a parameter was replaced by others"),
        Rule("migration.accept.changed", "breaking", "migration", "the success media type (Accept) changed"),
        Rule("migration.field.renamed", "breaking", "migration", "a body field was renamed"),
        Rule("migration.envelope.changed", "breaking", "migration", "the page envelope changed"),
        Rule(
            "migration.auth-failure.changed",
            "breaking",
            "migration",
            "auth failures are answered with other statuses",
        ),
    )
}


def _family_rules() -> dict[str, Rule]:
    """The operation-level families' rules that the table above does not list yet."""
    from kpn_contract.drift.rules import bodies, headers, lifecycle, parameters, security, webhooks

    found: dict[str, Rule] = {}
    for module in (parameters, headers, bodies, security, lifecycle, webhooks):
        for rule in module.RULES:
            found.setdefault(rule.id, Rule(rule.id, rule.severity, rule.source, rule.summary))
    return found


RULES.update({k: v for k, v in _family_rules().items() if k not in RULES})


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


def parse_severities(mapping: Mapping[str, Any] | None) -> dict[str, Severity]:
    """Validate a rule-id → severity override table (``[tool.kpn_contract.drift.severity]``).

    Raises :class:`~kpn_contract.errors.UsageError` naming the unknown rule or severity.
    """
    result: dict[str, Severity] = {}
    for rule_id, severity in (mapping or {}).items():
        if rule_id not in RULES:
            raise UsageError(
                f"drift severity override: unknown rule id {rule_id!r} (see docs/drift-rules.md)"
            )
        if severity not in SEVERITIES:
            raise UsageError(
                f"drift severity override for {rule_id!r}: {severity!r} is not one of {', '.join(SEVERITIES)}"
            )
        result[rule_id] = cast(Severity, severity)
    return result


# Declared stabilities whose breaking changes the provider does not promise to announce.
_UNPROMISED = frozenset({"beta", "deprecated"})


@dataclass(frozen=True)
class StabilityPolicy:
    """Which APIs are beta, and how severe a breaking change in a beta API is.

    An API is beta when its spec says ``x-kpn-stability: beta`` or ``deprecated`` (top level or in
    ``info``), or, when it declares no stability, when one of ``beta_apis`` occurs
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
            return stability.strip().lower() in _UNPROMISED
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
    """Apply severity overrides, then the stability policy, to freshly emitted findings."""
    overrides = parse_severities(severities)
    result = []
    for finding in findings:
        severity = overrides.get(finding.rule_id, finding.severity)
        if beta and severity == "breaking":
            severity = policy.beta_breaking_severity
        result.append(dataclasses.replace(finding, severity=severity, beta=beta))
    return result


_ORDER = {"breaking": 0, "warning": 1, "info": 2}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by operation and pointer (stable, so reports diff cleanly)."""
    return sorted(findings, key=lambda f: (_ORDER[f.severity], f.operation, f.pointer, f.rule_id))


def policy_from_config(table: Mapping[str, Any]) -> tuple[dict[str, Severity], StabilityPolicy]:
    """Severity overrides and stability policy from ``[tool.kpn_contract.drift]``.

    Keys: ``severity`` (rule id → severity), ``beta_apis`` (names), ``beta_breaking_severity``.
    """
    drift = table.get("drift", {})
    if not isinstance(drift, Mapping):
        raise UsageError("[tool.kpn_contract.drift] must be a table")
    severities = parse_severities(drift.get("severity"))
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
