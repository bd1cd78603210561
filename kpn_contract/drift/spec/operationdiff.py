"""The operation-level checks of the spec diff: matching operations, parameters, bodies, responses.

Operations match by method and path template with parameter names erased. Wording (summary,
description, examples) is never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

from kpn_contract.contract.model import Operation, Spec
from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.spec.rules.bodies import compare_content, compare_request_body, media_name
from kpn_contract.drift.spec.rules.headers import compare_headers
from kpn_contract.drift.spec.rules.lifecycle import compare_lifecycle, removal_finding
from kpn_contract.drift.spec.rules.parameters import compare_parameters
from kpn_contract.drift.spec.rules.security import compare_operation_security
from kpn_contract.drift.spec.rules.webhooks import compare_callbacks
from kpn_contract.drift.spec.schemadiff import SchemaDiffer
from kpn_contract.drift.spec.schemaview import escape_pointer

__all__ = ["OperationDiffer", "media_name", "normalise_path", "operation_pairs", "operations_by_key"]

_TEMPLATE = re.compile(r"\{[^}/]*\}")


def normalise_path(path: str) -> str:
    """A path template with parameter names erased, so ``/d/{id}`` and ``/d/{uuid}`` match."""
    path = _TEMPLATE.sub("{}", path)
    return path.rstrip("/") or "/"


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


class OperationDiffer(SchemaDiffer):
    """Collects the findings of one spec pair, operation by operation.

    The checks of each family live in :mod:`kpn_contract.drift.spec.rules`; this class runs them.
    ``today`` dates the lifecycle checks (``None``: today, UTC); ``gone_schemes`` are the security
    schemes the spec-wide comparison already reported as removed.
    """

    today: date | None = None
    gone_schemes: frozenset[str] = frozenset()

    def operation(self, old: Operation, new: Operation, renamed: Mapping[str, str]) -> None:
        op = old.key
        compare_lifecycle(self, op, old, new)
        compare_parameters(self, op, old.parameters, new.parameters, (old.path, new.path))
        compare_request_body(self, op, old.request_body, new.request_body)
        self.responses(op, old, new)
        compare_operation_security(self, op, old, new, renamed, gone=self.gone_schemes)
        compare_callbacks(self, op, old, new)

    def responses(self, op: str, old: Operation, new: Operation) -> None:
        before = {str(k).upper(): v for k, v in old.responses.items()}
        after = {str(k).upper(): v for k, v in new.responses.items()}
        for status, response in before.items():
            where = f"/responses/{escape_pointer(status)}"
            target = after.get(status)
            if target is None:
                if f"{status[:1]}XX" in after:
                    continue  # now covered by a range
                if _is_success(status) and status != "DEFAULT":
                    self.emit(
                        "response.status.removed",
                        op,
                        where,
                        old=status,
                        new=None,
                        message=f"status {status} removed",
                    )
                else:
                    self.emit(
                        "response.error-status.removed",
                        op,
                        where,
                        old=status,
                        new=None,
                        message=f"status {status} removed",
                    )
                continue
            compare_content(self, op, f"{where}/content", response.content, target.content, side="response")
            compare_headers(self, op, where, response, target)
        for status in sorted(after.keys() - before.keys()):
            if f"{status[:1]}XX" in before or (not _is_success(status) and "DEFAULT" in before):
                continue  # the new status only documents what a range or default already promised
            where = f"/responses/{escape_pointer(status)}"
            if _is_success(status) and status != "DEFAULT":
                self.emit(
                    "response.status.added-success",
                    op,
                    where,
                    old=None,
                    new=status,
                    message=f"new success status {status}",
                )
            else:
                self.emit(
                    "response.status.added-error",
                    op,
                    where,
                    old=None,
                    new=status,
                    message=f"new error status {status}",
                )


def operations_by_key(spec: Spec) -> dict[tuple[str, str], Operation]:
    ops: dict[tuple[str, str], Operation] = {}
    for op in spec.operations:
        ops.setdefault((op.method.upper(), normalise_path(op.path)), op)
    return ops


def operation_pairs(
    differ: FindingCollector, old: Spec, new: Spec, today: date | None = None
) -> Iterator[tuple[Operation, Operation]]:
    """The operations of ``old`` and ``new`` that match; removed and added ones are reported.

    A removed operation that announced its removal (deprecation, sunset) is reported by its
    lifecycle rule; a path is reported removed for the operations that did not.
    """
    before, after = operations_by_key(old), operations_by_key(new)
    new_paths = {path for _, path in after}
    removed_by_path: dict[str, list[Operation]] = {}
    for key, op in before.items():
        if key in after:
            yield op, after[key]
        else:
            removed_by_path.setdefault(key[1], []).append(op)
    for path, removed in sorted(removed_by_path.items()):
        ops = []
        for op in removed:
            announced = removal_finding(op, today)
            if announced is None:
                ops.append(op)
            else:
                differ.emit(announced[0], op.key, "", old=op.key, new=None, message=announced[1])
        if ops and path not in new_paths:
            differ.emit(
                "path.removed",
                f"* {ops[0].path}",
                f"/paths/{escape_pointer(ops[0].path)}",
                old=sorted(o.method for o in ops),
                new=None,
                message=f"path {ops[0].path} was removed ({', '.join(sorted(o.method for o in ops))})",
                affects=tuple(sorted(o.key for o in ops)),
            )
            continue
        for op in ops:
            differ.emit(
                "operation.removed",
                op.key,
                "",
                old=op.key,
                new=None,
                message=f"operation {op.key} was removed",
            )
    for key in sorted(after.keys() - before.keys()):
        op = after[key]
        differ.emit("operation.added", op.key, "", old=None, new=op.key, message=f"new operation {op.key}")
