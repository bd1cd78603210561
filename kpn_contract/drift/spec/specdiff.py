"""Spec against spec: what changed between two definitions, from the consumer's point of view.

Both specs come from the one loader (``kpn_contract.contract.specs.load_spec``), so Swagger 2.0,
OpenAPI 3.0 and 3.1 compare like with like. Schemas are compared *by direction*: in a response a
consumer is hurt by anything the server may now send that it did not before (a new type, null, a
new enum value, a missing field); in a request it is hurt by anything it used to send that the
server may no longer accept (a removed enum value, a new required field, a narrowed type).
Wording (summary, description, examples) is never compared.

The work is split by seam: :mod:`~kpn_contract.drift.spec.schemaview` flattens schemas,
:mod:`~kpn_contract.drift.spec.schemadiff` walks two schemas, :mod:`~kpn_contract.drift.spec.operationdiff`
matches and compares operations, :mod:`~kpn_contract.drift.spec.securitydiff` compares security schemes.
This module is the public entry point and keeps the names other modules import.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from kpn_contract.contract.model import Spec
from kpn_contract.drift.findings import (
    Finding,
    StabilityPolicy,
    apply_policy,
    is_beta_spec,
    sort_findings,
)
from kpn_contract.drift.spec.operationdiff import OperationDiffer, normalise_path, operation_pairs
from kpn_contract.drift.spec.rules.lifecycle import UNPROMISED, compare_spec_stability
from kpn_contract.drift.spec.rules.webhooks import compare_webhooks
from kpn_contract.drift.spec.schemaview import escape_pointer
from kpn_contract.drift.spec.securitydiff import compare_security_schemes

__all__ = ["diff_specs", "escape_pointer", "normalise_path"]


def _server_key(url: str) -> str:
    return url.rstrip("/").lower()


def operation_key(operation: str) -> str:
    """``METHOD /path/{name}`` with parameter names erased, as operations match."""
    method, _, path = operation.partition(" ")
    return f"{method} {normalise_path(path)}"


def diff_specs(
    old: Spec,
    new: Spec,
    *,
    policy: StabilityPolicy | None = None,
    severities: Mapping[str, str] | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Every change from ``old`` to ``new`` that a consumer may notice, most severe first.

    ``severities`` overrides default severities by rule id; ``policy`` decides whether ``new`` is a
    beta API whose breaking changes only warn (KPN Things by default); an operation whose own
    ``x-kpn-stability`` is alpha, beta or deprecated is judged the same way. ``today`` dates the
    sunset checks (default: today, UTC).
    """
    policy = policy or StabilityPolicy()
    differ = OperationDiffer()
    differ.today = today
    differ.roots = (old.raw, new.raw)
    renamed = compare_security_schemes(differ, old, new)
    differ.gone_schemes = frozenset(
        name
        for name in old.security_schemes
        if name not in new.security_schemes and name not in renamed.values()
    )
    compare_spec_stability(differ, old, new)
    old_servers = {_server_key(s) for s in old.servers}
    new_servers = {_server_key(s) for s in new.servers}
    if old_servers and new_servers and not old_servers & new_servers:
        differ.emit(
            "server.changed",
            "*",
            "/servers",
            old=sorted(old.servers),
            new=sorted(new.servers),
            message="the API moved to another server or base path",
            affects=tuple(sorted(o.key for o in old.operations)),
        )
    for old_op, new_op in operation_pairs(differ, old, new, today):
        differ.operation(old_op, new_op, renamed)
    compare_webhooks(differ, old, new)
    beta = is_beta_spec(new.raw, new.title, new.family, policy) or is_beta_spec(
        old.raw, old.title, old.family, policy
    )
    # An operation whose own x-kpn-stability promises nothing is judged as a beta API is.
    unpromised = {
        operation_key(o.key)
        for o in (*old.operations, *new.operations)
        if (o.stability or "").lower() in UNPROMISED
    }

    def judged_as_beta(finding: Finding) -> bool:
        keys = finding.affects or (finding.operation,)
        return all(operation_key(k) in unpromised for k in keys)

    findings = apply_policy(
        [f for f in differ.findings if not judged_as_beta(f)],
        beta=beta,
        policy=policy,
        severities=severities,
    )
    findings += apply_policy(
        [f for f in differ.findings if judged_as_beta(f)], beta=True, policy=policy, severities=severities
    )
    return sort_findings(findings)
