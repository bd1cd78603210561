"""Spec against spec: what changed between two definitions, from the consumer's point of view.

Both specs come from the one loader (``kpn_contract.contract.specs.load_spec``), so Swagger 2.0,
OpenAPI 3.0 and 3.1 compare like with like. Schemas are compared *by direction*: in a response a
consumer is hurt by anything the server may now send that it did not before (a new type, null, a
new enum value, a missing field); in a request it is hurt by anything it used to send that the
server may no longer accept (a removed enum value, a new required field, a narrowed type).
Wording (summary, description, examples) is never compared.

The work is split by seam: :mod:`~kpn_contract.drift.schemaview` flattens schemas,
:mod:`~kpn_contract.drift.schemadiff` walks two schemas, :mod:`~kpn_contract.drift.operationdiff`
matches and compares operations, :mod:`~kpn_contract.drift.securitydiff` compares security schemes.
This module is the public entry point and keeps the names other modules import.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpn_contract.contract.model import Spec
from kpn_contract.drift.findings import (
    Finding,
    StabilityPolicy,
    apply_policy,
    is_beta_spec,
    sort_findings,
)
from kpn_contract.drift.operationdiff import OperationDiffer, normalise_path, operation_pairs
from kpn_contract.drift.schemaview import escape_pointer
from kpn_contract.drift.securitydiff import compare_security_schemes

__all__ = ["diff_specs", "escape_pointer", "normalise_path"]


def _server_key(url: str) -> str:
    return url.rstrip("/").lower()


def diff_specs(
    old: Spec,
    new: Spec,
    *,
    policy: StabilityPolicy | None = None,
    severities: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every change from ``old`` to ``new`` that a consumer may notice, most severe first.

    ``severities`` overrides default severities by rule id; ``policy`` decides whether ``new`` is a
    beta API whose breaking changes only warn (KPN Things by default).
    """
    policy = policy or StabilityPolicy()
    differ = OperationDiffer()
    renamed = compare_security_schemes(differ, old, new)
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
    for old_op, new_op in operation_pairs(differ, old, new):
        differ.operation(old_op, new_op, renamed)
    beta = is_beta_spec(new.raw, new.title, new.family, policy) or is_beta_spec(
        old.raw, old.title, old.family, policy
    )
    findings = apply_policy(differ.findings, beta=beta, policy=policy, severities=severities)
    return sort_findings(findings)
