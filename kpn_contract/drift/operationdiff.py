"""The operation-level checks of the spec diff: matching operations, parameters, bodies, responses.

Operations match by method and path template with parameter names erased. Wording (summary,
description, examples) is never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from kpn_contract.contract.model import MediaType, Operation, Parameter, Spec
from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.schemadiff import SchemaDiffer, Side
from kpn_contract.drift.schemaview import escape_pointer

__all__ = ["OperationDiffer", "media_name", "normalise_path", "operation_pairs", "operations_by_key"]

_TEMPLATE = re.compile(r"\{[^}/]*\}")


def normalise_path(path: str) -> str:
    """A path template with parameter names erased, so ``/d/{id}`` and ``/d/{uuid}`` match."""
    path = _TEMPLATE.sub("{}", path)
    return path.rstrip("/") or "/"


def media_name(name: str) -> str:
    return name.split(";", 1)[0].strip().lower()


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


class OperationDiffer(SchemaDiffer):
    """Collects the findings of one spec pair, operation by operation."""

    def operation(self, old: Operation, new: Operation, renamed: Mapping[str, str]) -> None:
        op = old.key
        if new.deprecated and not old.deprecated:
            self.emit(
                "operation.deprecated",
                op,
                "/deprecated",
                old=False,
                new=True,
                message=f"{op} is now deprecated",
            )
        if new.sunset and new.sunset != old.sunset:
            self.emit(
                "operation.sunset",
                op,
                "/x-sunset",
                old=old.sunset,
                new=new.sunset,
                message=f"{op} will sunset: {new.sunset}",
            )
        self.parameters(op, old.parameters, new.parameters)
        self.request_body(op, old, new)
        self.responses(op, old, new)
        self.operation_security(op, old, new, renamed)

    def parameters(self, op: str, old: tuple[Parameter, ...], new: tuple[Parameter, ...]) -> None:
        def key(p: Parameter) -> tuple[str, str]:
            return p.location, p.name.lower() if p.location == "header" else p.name

        # Path parameters are part of the path template, which the operation match already compared.
        before = {key(p): p for p in old if p.location != "path"}
        after = {key(p): p for p in new if p.location != "path"}
        for k, p in before.items():
            where = f"/parameters/{escape_pointer(p.location)}/{escape_pointer(p.name)}"
            q = after.get(k)
            if q is None:
                self.emit(
                    "request.parameter.removed",
                    op,
                    where,
                    old=p.name,
                    new=None,
                    message=f"{p.location} parameter {p.name!r} removed",
                )
                continue
            if q.required and not p.required:
                self.emit(
                    "request.parameter.became-required",
                    op,
                    where,
                    old="optional",
                    new="required",
                    message=f"{p.location} parameter {p.name!r} is now required",
                )
            if q.deprecated and not p.deprecated:
                self.emit(
                    "request.parameter.deprecated",
                    op,
                    where,
                    old=False,
                    new=True,
                    message=f"{p.location} parameter {p.name!r} is now deprecated",
                )
            self.schema(op, p.schema, q.schema, f"{where}/schema", "parameter")
        for k in after.keys() - before.keys():
            q = after[k]
            if q.required:
                where = f"/parameters/{escape_pointer(q.location)}/{escape_pointer(q.name)}"
                self.emit(
                    "request.parameter.required-added",
                    op,
                    where,
                    old=None,
                    new=q.name,
                    message=f"new required {q.location} parameter {q.name!r}",
                )

    def request_body(self, op: str, old: Operation, new: Operation) -> None:
        a, b = old.request_body, new.request_body
        if b is not None and b.required and (a is None or not a.required):
            self.emit(
                "request.body.became-required",
                op,
                "/requestBody/required",
                old=False,
                new=True,
                message="body now required",
            )
        if a is None or b is None:
            return
        self.content(op, "/requestBody/content", a.content, b.content, "request")

    def content(
        self,
        op: str,
        pointer: str,
        old: Mapping[str, MediaType],
        new: Mapping[str, MediaType],
        side: Side,
    ) -> None:
        before = {media_name(k): v for k, v in old.items()}
        after = {media_name(k): v for k, v in new.items()}
        removed = sorted(before.keys() - after.keys())
        added = sorted(after.keys() - before.keys())
        prefix = "response" if side == "response" else "request"
        if removed and len(removed) == len(before) and len(added) == 1 and len(removed) == 1:
            self.emit(
                f"{prefix}.media-type.changed",
                op,
                f"{pointer}/{escape_pointer(removed[0])}",
                old=removed[0],
                new=added[0],
                message=f"{prefix} media type {removed[0]} replaced by {added[0]}",
            )
            self.schema(
                op,
                before[removed[0]].schema,
                after[added[0]].schema,
                f"{pointer}/{escape_pointer(removed[0])}/schema",
                side,
            )
            return
        for name in removed:
            self.emit(
                f"{prefix}.media-type.removed",
                op,
                f"{pointer}/{escape_pointer(name)}",
                old=name,
                new=None,
                message=f"{prefix} media type {name} removed",
            )
        for name in sorted(before.keys() & after.keys()):
            self.schema(
                op, before[name].schema, after[name].schema, f"{pointer}/{escape_pointer(name)}/schema", side
            )

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
            self.content(op, f"{where}/content", response.content, target.content, "response")
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

    def operation_security(self, op: str, old: Operation, new: Operation, renamed: Mapping[str, str]) -> None:
        before = set(old.security)
        after = {renamed.get(name, name) for name in new.security}
        if before and after and not before & after:
            self.emit(
                "security.scheme.changed",
                op,
                "/security",
                old=sorted(before),
                new=sorted(new.security),
                message=f"{op} now authenticates with {', '.join(sorted(new.security))}",
            )
        self.operation_scopes(op, old, new)

    def operation_scopes(self, op: str, old: Operation, new: Operation) -> None:
        """Scopes on the security requirements (OpenAPI 3.1 style), alternative by alternative.

        A token that met an old alternative must meet a new one: the scopes it would lack are new
        required scopes (breaking). Scopes no alternative names any more are info.
        """
        added: dict[str, None] = {}
        for requirement in old.security_requirements or ({},):
            granted = {scope for scopes in requirement.values() for scope in scopes}
            added.update(dict.fromkeys(new.missing_scopes(granted)))
        if added:
            self.emit(
                "security.scope.added",
                op,
                "/security",
                old=list(old.scopes),
                new=list(new.scopes),
                message=f"the token now needs the scope {', '.join(added)}",
            )
        removed = [scope for scope in old.scopes if scope not in new.scopes]
        if removed:
            self.emit(
                "security.scope.removed",
                op,
                "/security",
                old=list(old.scopes),
                new=list(new.scopes),
                message=f"the scope {', '.join(removed)} is no longer required",
            )


def operations_by_key(spec: Spec) -> dict[tuple[str, str], Operation]:
    ops: dict[tuple[str, str], Operation] = {}
    for op in spec.operations:
        ops.setdefault((op.method.upper(), normalise_path(op.path)), op)
    return ops


def operation_pairs(differ: FindingCollector, old: Spec, new: Spec) -> Iterator[tuple[Operation, Operation]]:
    before, after = operations_by_key(old), operations_by_key(new)
    new_paths = {path for _, path in after}
    removed_by_path: dict[str, list[Operation]] = {}
    for key, op in before.items():
        if key in after:
            yield op, after[key]
        else:
            removed_by_path.setdefault(key[1], []).append(op)
    for path, ops in sorted(removed_by_path.items()):
        if path not in new_paths:
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
