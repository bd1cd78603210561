"""The migration report: for each old operation, what a consumer must change to call its counterpart.

``kpn-contract diff OLD NEW --map MAP`` pairs the operations of one old spec with those of one or more
new specs (the map names the pairs, field renames and parameter replacements; see
:mod:`~kpn_contract.drift.migration.maps`), then derives every change from the specs themselves:

- the path, from the pair; the server, from both specs;
- parameters the map says were replaced (paging, sort, search, the sub-customer mechanism), checked
  against both operations; every other parameter, body and response change by the spec diff;
- the Accept media type, from the media types of the success responses;
- field renames, found by walking the response and request schemas with the renames applied;
- the page envelope, when both success bodies hold one list property that the renames pair up;
- the auth-failure statuses, from the response-code rule table (``specs/rules.yaml``).

A migration finding replaces the generic findings it sums up (a replaced media type, the old
auth-failure status that disappeared, the top-level fields of a page). An old operation with no
counterpart is ``operation.removed``. The stability policy is judged on the *new* spec of each pair:
moving off a deprecated beta to a stable API is a real change for the consumer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpn_contract.contract.model import Operation, Spec
from kpn_contract.contract.rules import RuleTable, default_rules
from kpn_contract.drift.findings import (
    RULES,
    Finding,
    FindingCollector,
    StabilityPolicy,
    apply_policy,
    is_beta_spec,
    sort_findings,
)
from kpn_contract.drift.migration.maps import MigrationMap
from kpn_contract.drift.migration.pairing import (
    Pairing,
    index_operations,
    lookup_operation,
    normalised_key,
)
from kpn_contract.drift.spec.operationdiff import (
    OperationDiffer,
    media_name,
    normalise_path,
)
from kpn_contract.drift.spec.schemadiff import Side
from kpn_contract.drift.spec.schemaview import escape_pointer, view_of
from kpn_contract.drift.spec.securitydiff import compare_security_schemes

__all__ = ["migrate_specs"]

_PARAMETER_RULES = {
    "paging": "migration.paging.changed",
    "sort": "migration.sort.changed",
    "search": "migration.search.changed",
    "sub-customer": "migration.sub-customer.changed",
    "parameter": "migration.parameter.replaced",
}
# Generic findings about one top-level field of a page body, summed up by migration.envelope.changed.
_ENVELOPE_PARTS = frozenset(
    {
        "response.property.removed",
        "response.property.added",
        "response.property.became-optional",
        "migration.field.renamed",
    }
)


class _MigrationDiffer(OperationDiffer):
    """The spec diff with field renames applied; each rename it meets is a finding of its own."""

    def __init__(self, notes: Mapping[str, str]) -> None:
        super().__init__()
        self.notes = notes

    def renamed_field(self, op: str, pointer: str, old: str, new: str, side: Side) -> None:
        where = "response" if side == "response" else "request"
        self.emit(
            "migration.field.renamed",
            op,
            pointer,
            old=old,
            new=new,
            message=_with_note(f"{where} field {old!r} is now named {new!r}", self.notes.get("fields")),
        )


def _with_note(message: str, note: str | None) -> str:
    return f"{message}. {note}" if note else message


def _is_success(status: str) -> bool:
    return status[:1] == "2"


def _replaced_parameters(differ: _MigrationDiffer, pairing: Pairing) -> tuple[set[str], set[str]]:
    """Findings for the map's parameter groups; the old and new parameter names they account for."""
    old_names: set[str] = set()
    new_names: set[str] = set()
    groups = pairing.pair.parameters if pairing.pair else ()
    op = pairing.old.key
    for group in groups:
        new_params = [
            pairing.parameter(pairing.new, name, f"{group.where}.new[{i}]")
            for i, name in enumerate(group.new)
        ]
        new_names.update(p.name for p in new_params)
        by_location: dict[str, list[str]] = {}
        for p in new_params:
            by_location.setdefault(p.location, []).append(repr(p.name))
        instead = "; ".join(f"{where} {', '.join(names)}" for where, names in by_location.items())
        for i, name in enumerate(group.old):
            param = pairing.parameter(pairing.old, name, f"{group.where}.old[{i}]")
            old_names.add(param.name)
            what = f"{group.concern}: {param.location} parameter {param.name!r}"
            message = f"{what} is replaced by {instead}" if instead else f"{what} is gone; stop sending it"
            differ.emit(
                _PARAMETER_RULES[group.concern],
                op,
                f"/parameters/{escape_pointer(param.location)}/{escape_pointer(param.name)}",
                old=param.name,
                new=[p.name for p in new_params] or None,
                message=_with_note(message, pairing.mapping.notes.get(group.concern)),
            )
    return old_names, new_names


def _success_media(operation: Operation) -> set[str]:
    return {
        media_name(name)
        for status, response in operation.responses.items()
        if _is_success(str(status))
        for name in response.content
    }


def _auth_statuses(rules: RuleTable, operation: Operation) -> set[str]:
    return {str(s).upper() for s in operation.responses if rules.classify(operation, s) == "auth-failure"}


def _compare(differ: _MigrationDiffer, pairing: Pairing, rules: RuleTable) -> None:
    old, new, op, notes = pairing.old, pairing.new, pairing.old.key, pairing.mapping.notes
    if (old.method, normalise_path(old.path)) != (new.method, normalise_path(new.path)):
        differ.emit(
            "migration.path.changed",
            op,
            "",
            old=old.key,
            new=new.key,
            message=_with_note(f"call {new.key} instead of {old.key}", notes.get("path")),
        )
    old_servers = {s.rstrip("/").lower() for s in pairing.old_spec.servers}
    new_servers = {s.rstrip("/").lower() for s in pairing.new_spec.servers}
    if old_servers and new_servers and not old_servers & new_servers:
        differ.emit(
            "server.changed",
            op,
            "/servers",
            old=sorted(old_servers),
            new=sorted(new_servers),
            message=f"{new.key} is served from {', '.join(sorted(new_servers))}",
        )
    replaced_old, replaced_new = _replaced_parameters(differ, pairing)

    old_auth, new_auth = _auth_statuses(rules, old), _auth_statuses(rules, new)
    moved = old_auth ^ new_auth
    if moved:
        differ.emit(
            "migration.auth-failure.changed",
            op,
            "/responses",
            old=sorted(old_auth),
            new=sorted(new_auth),
            message=_with_note(
                f"auth failures are answered {', '.join(sorted(new_auth)) or 'without a declared status'}"
                f" (was {', '.join(sorted(old_auth)) or 'none declared'})",
                notes.get("auth-failure"),
            ),
        )
    old_media, new_media = _success_media(old), _success_media(new)
    accept_changed = bool(old_media and new_media and not old_media & new_media)
    if accept_changed:
        differ.emit(
            "migration.accept.changed",
            op,
            "/responses",
            old=sorted(old_media),
            new=sorted(new_media),
            message=_with_note(
                f"send Accept {', '.join(sorted(new_media))} instead of {', '.join(sorted(old_media))}",
                notes.get("accept"),
            ),
        )

    # The generic diff on what the migration findings above do not already cover.
    def trimmed(operation: Operation, replaced: set[str]) -> Operation:
        return dataclasses.replace(
            operation,
            parameters=tuple(p for p in operation.parameters if p.name not in replaced),
            responses={k: v for k, v in operation.responses.items() if str(k).upper() not in moved},
        )

    start = len(differ.findings)
    differ.field_renames = pairing.renames
    scheme_names = compare_security_schemes(FindingCollector(), pairing.old_spec, pairing.new_spec)
    differ.operation(trimmed(old, replaced_old), trimmed(new, replaced_new), scheme_names)
    mine = differ.findings[start:]
    if accept_changed:
        mine = [f for f in mine if not _success_media_finding(f)]
    differ.findings[start:] = _envelope(mine, pairing, notes.get("envelope"))


def _success_media_finding(finding: Finding) -> bool:
    tokens = finding.pointer.split("/")
    return (
        finding.rule_id in ("response.media-type.changed", "response.media-type.removed")
        and len(tokens) > 2
        and _is_success(tokens[2])
    )


def _list_properties(schema: Any) -> set[str]:
    view = view_of(schema)
    return {name for name, sub in view.properties.items() if "array" in view_of(sub).types}


def _envelope(findings: list[Finding], pairing: Pairing, note: str | None) -> list[Finding]:
    """Sum up the top-level field changes of a page body (one list property on both sides) in one finding."""
    old, new = pairing.old, pairing.new
    for status, response in old.responses.items():
        target = new.responses.get(status)
        if not _is_success(str(status)) or target is None:
            continue
        old_media = next((m for m in response.content.values() if m.schema), None)
        new_media = next((m for m in target.content.values() if m.schema), None)
        if old_media is None or new_media is None:
            continue
        new_lists = _list_properties(new_media.schema)
        lists = [(o, pairing.renames.get(o, o)) for o in sorted(_list_properties(old_media.schema))]
        lists = [(o, n) for o, n in lists if n in new_lists]
        if len(lists) != 1:
            continue
        ((old_list, new_list),) = lists
        schema_pointer = (
            f"/responses/{escape_pointer(str(status))}/content/{escape_pointer(old_media.name)}/schema"
        )
        prefix = f"{schema_pointer}/properties/"
        parts = [
            f
            for f in findings
            if f.rule_id in _ENVELOPE_PARTS
            and f.pointer.startswith(prefix)
            and "/" not in f.pointer[len(prefix) :]
        ]
        if not parts:
            continue
        old_fields = sorted(view_of(old_media.schema).properties)
        new_fields = sorted(view_of(new_media.schema).properties)
        renamed = {pairing.renames.get(name, name) for name in old_fields}
        gone = [name for name in old_fields if pairing.renames.get(name, name) not in new_fields]
        added = [name for name in new_fields if name not in renamed]
        move = (
            f"the list moves from {old_list!r} to {new_list!r}"
            if old_list != new_list
            else f"the list stays {old_list!r}"
        )
        message = (
            f"page envelope of {status}: {move}; no longer sent: {', '.join(gone) or 'nothing'}; "
            f"new: {', '.join(added) or 'nothing'}"
        )
        summary = Finding(
            rule_id="migration.envelope.changed",
            severity=RULES["migration.envelope.changed"].severity,
            operation=old.key,
            pointer=schema_pointer,
            old=old_fields,
            new=new_fields,
            message=_with_note(message, note),
        )
        findings = [f for f in findings if f not in parts] + [summary]
    return findings


def migrate_specs(
    old: Spec,
    new: Sequence[Spec],
    mapping: MigrationMap,
    *,
    policy: StabilityPolicy | None = None,
    severities: Mapping[str, str] | None = None,
    rules: RuleTable | None = None,
) -> list[Finding]:
    """For each operation of ``old``, what a consumer must change to call its counterpart in ``new``.

    Raises :class:`~kpn_contract.errors.ConfigError` when the map names an operation, parameter or
    field the specs do not declare.
    """
    policy = policy or StabilityPolicy()
    rules = rules or default_rules()
    for spec in (old, *new):
        rules.family_for(spec)
    old_ops, new_ops = index_operations([old]), index_operations(new)
    for mapped in mapping.operations:
        if lookup_operation(old_ops, mapped.old) is None:
            raise mapping.error(
                f"{mapped.where}.old", f"{mapped.old} is not an operation of {Path(old.path).name}"
            )
        if mapped.new is not None and lookup_operation(new_ops, mapped.new) is None:
            raise mapping.error(f"{mapped.where}.new", f"{mapped.new} is not an operation of the new specs")
    pairs = {normalised_key(pair.old): pair for pair in mapping.operations}
    findings: list[Finding] = []
    for old_spec_op in old_ops.values():
        _, old_op = old_spec_op
        pair = pairs.get(normalised_key(old_op.key))
        counterpart = (
            lookup_operation(new_ops, pair.new)
            if pair and pair.new
            else None
            if pair
            else lookup_operation(new_ops, old_op.key)
        )
        differ = _MigrationDiffer(mapping.notes)
        if counterpart is None:
            differ.emit(
                "operation.removed",
                old_op.key,
                "",
                old=old_op.key,
                new=None,
                message=_with_note(
                    f"{old_op.key} has no counterpart in the new API", pair.note if pair else None
                ),
            )
            findings.extend(apply_policy(differ.findings, beta=False, policy=policy, severities=severities))
            continue
        pairing = Pairing(mapping, pair, old_spec_op, counterpart)
        pairing.check_fields()
        _compare(differ, pairing, rules)
        if pair is not None and pair.note:
            differ.findings = [
                dataclasses.replace(f, message=f"{f.message} ({pair.note})")
                if f.rule_id == "migration.path.changed"
                else f
                for f in differ.findings
            ]
        new_spec = counterpart[0]
        beta = is_beta_spec(new_spec.raw, new_spec.title, new_spec.family, policy)
        findings.extend(apply_policy(differ.findings, beta=beta, policy=policy, severities=severities))
    return sort_findings(findings)
