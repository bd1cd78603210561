"""Spec against spec: what changed between two definitions, from the consumer's point of view.

Both specs come from the one loader (``kpn_contract.contract.specs.load_spec``), so Swagger 2.0,
OpenAPI 3.0 and 3.1 compare like with like. Schemas are compared *by direction*: in a response a
consumer is hurt by anything the server may now send that it did not before (a new type, null, a
new enum value, a missing field); in a request it is hurt by anything it used to send that the
server may no longer accept (a removed enum value, a new required field, a narrowed type).
Wording (summary, description, examples) is never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kpn_contract.contract.model import JSONSchema, MediaType, Operation, Parameter, SecurityScheme, Spec
from kpn_contract.drift.findings import (
    Finding,
    FindingCollector,
    StabilityPolicy,
    apply_policy,
    is_beta_spec,
    sort_findings,
)

__all__ = ["diff_specs", "escape_pointer", "normalise_path"]

# The loader already bounds $ref cycles; this guard keeps a pathological schema from recursing forever.
_MAX_DEPTH = 48
_TEMPLATE = re.compile(r"\{[^}/]*\}")

Side = Literal["response", "request", "parameter"]


def escape_pointer(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def normalise_path(path: str) -> str:
    """A path template with parameter names erased, so ``/d/{id}`` and ``/d/{uuid}`` match."""
    path = _TEMPLATE.sub("{}", path)
    return path.rstrip("/") or "/"


def _media(name: str) -> str:
    return name.split(";", 1)[0].strip().lower()


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


@dataclass
class _View:
    """A schema flattened for comparison: allOf merged, oneOf/anyOf unioned, null split off."""

    types: frozenset[str] = frozenset()  # empty: unconstrained
    nullable: bool = False
    properties: dict[str, JSONSchema] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    enum: frozenset[Any] | None = None
    items: JSONSchema | None = None
    additional: JSONSchema | None = None


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


def _view(schema: Any, depth: int = 0) -> _View:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return _View()
    view = _View()
    raw_type = schema.get("type")
    types = (
        {raw_type} if isinstance(raw_type, str) else set(raw_type) if isinstance(raw_type, list) else set()
    )
    nullable = "null" in types or schema.get("nullable") is True or schema.get("x-nullable") is True
    types.discard("null")
    enum = schema.get("enum")
    if isinstance(enum, list):
        if None in enum:
            nullable = True
        view.enum = frozenset(_hashable(v) for v in enum if v is not None)
    props = schema.get("properties")
    view.properties = dict(props) if isinstance(props, dict) else {}
    required = schema.get("required")
    view.required = (
        frozenset(r for r in required if isinstance(r, str)) if isinstance(required, list) else frozenset()
    )
    items = schema.get("items")
    view.items = items if isinstance(items, dict) else None
    additional = schema.get("additionalProperties")
    view.additional = additional if isinstance(additional, dict) else None

    for member in schema.get("allOf") or ():
        part = _view(member, depth + 1)
        types = (types & part.types if types else set(part.types)) if part.types else types
        for name, sub in part.properties.items():
            view.properties.setdefault(name, sub)
        view.required |= part.required
        view.items = view.items or part.items
        view.additional = view.additional or part.additional
        if part.enum is not None:
            view.enum = part.enum if view.enum is None else view.enum & part.enum

    variants = [m for key in ("oneOf", "anyOf") for m in (schema.get(key) or ()) if isinstance(m, dict)]
    if variants:
        parts = []
        for member in variants:
            part = _view(member, depth + 1)
            if part.nullable and not part.types and not part.properties and part.enum is None:
                nullable = True  # a {"type": "null"} branch
                continue
            nullable = nullable or part.nullable
            parts.append(part)
        if parts:
            if all(p.types for p in parts):
                types |= set().union(*(p.types for p in parts))
            else:
                types = set()
            for part in parts:
                for name, sub in part.properties.items():
                    view.properties.setdefault(name, sub)
            view.required |= frozenset.intersection(*(p.required for p in parts))
            view.items = view.items or next((p.items for p in parts if p.items), None)
            view.additional = view.additional or next((p.additional for p in parts if p.additional), None)
            if all(p.enum is not None for p in parts):
                union = frozenset().union(*(p.enum for p in parts if p.enum is not None))
                view.enum = union if view.enum is None else view.enum & union
    view.types = frozenset(types)
    view.nullable = nullable
    return view


def _type_text(types: frozenset[str], *, nullable: bool) -> str:
    text = "|".join(sorted(types)) or "any"
    return f"{text}|null" if nullable else text


def _accepts(wider: frozenset[str], narrower: frozenset[str]) -> bool:
    """Whether every value of the ``narrower`` types is a value of the ``wider`` types."""
    return all(t in wider or (t == "integer" and "number" in wider) for t in narrower)


class _Differ(FindingCollector):
    """Collects the findings of one spec pair."""

    # -- schemas -------------------------------------------------------------------------------

    def schema(
        self,
        op: str,
        old: Any,
        new: Any,
        pointer: str,
        side: Side,
        *,
        depth: int = 0,
        active: frozenset[tuple[int, int]] = frozenset(),
    ) -> None:
        pair = (id(old), id(new))
        if depth > _MAX_DEPTH or pair in active or not isinstance(old, dict) or not isinstance(new, dict):
            return
        active = active | {pair}
        a, b = _view(old), _view(new)
        if side == "response":
            if not self._response_scalars(op, a, b, pointer):
                return
        elif not self._request_scalars(op, a, b, pointer, side):
            return

        for name, old_sub in a.properties.items():
            where = f"{pointer}/properties/{escape_pointer(name)}"
            new_sub = b.properties.get(name)
            if new_sub is None:
                if side == "response":
                    required = name in a.required
                    self.emit(
                        "response.property.removed",
                        op,
                        where,
                        old="required" if required else "optional",
                        new=None,
                        message=f"response field {name!r} ({'required' if required else 'optional'}) removed",
                        severity="breaking" if required else "warning",
                    )
                elif b.properties or b.types:  # a free-form new schema still accepts the field
                    self.emit(
                        "request.property.removed",
                        op,
                        where,
                        old=name,
                        new=None,
                        message=f"body field {name!r} was removed",
                    )
                continue
            if side == "response" and name in a.required and name not in b.required:
                self.emit(
                    "response.property.became-optional",
                    op,
                    where,
                    old="required",
                    new="optional",
                    message=f"response field {name!r} is no longer always present",
                )
            if side != "response" and name in b.required and name not in a.required:
                self.emit(
                    "request.property.became-required",
                    op,
                    where,
                    old="optional",
                    new="required",
                    message=f"body field {name!r} is now required",
                )
            self.schema(op, old_sub, new_sub, where, side, depth=depth + 1, active=active)

        for name in b.properties.keys() - a.properties.keys():
            where = f"{pointer}/properties/{escape_pointer(name)}"
            if side == "response":
                self.emit(
                    "response.property.added",
                    op,
                    where,
                    old=None,
                    new=name,
                    message=f"new response field {name!r}",
                )
            elif name in b.required:
                self.emit(
                    "request.body.required-property-added",
                    op,
                    where,
                    old=None,
                    new=name,
                    message=f"new required body field {name!r}",
                )
        if a.items is not None and b.items is not None:
            self.schema(op, a.items, b.items, f"{pointer}/items", side, depth=depth + 1, active=active)
        if a.additional is not None and b.additional is not None:
            self.schema(
                op,
                a.additional,
                b.additional,
                f"{pointer}/additionalProperties",
                side,
                depth=depth + 1,
                active=active,
            )

    def _response_scalars(self, op: str, a: _View, b: _View, pointer: str) -> bool:
        """Type, null and enum checks of a response node; False when the children are not comparable."""
        if a.types and b.types and not _accepts(a.types, b.types):
            self.emit(
                "response.property.type-changed",
                op,
                pointer,
                old=_type_text(a.types, nullable=a.nullable),
                new=_type_text(b.types, nullable=b.nullable),
                message=f"response value changed type: {_type_text(a.types, nullable=False)}"
                f" → {_type_text(b.types, nullable=False)}",
            )
            return False
        if b.nullable and not a.nullable:
            self.emit(
                "response.property.became-nullable",
                op,
                pointer,
                old=False,
                new=True,
                message="response value can now be null",
            )
        if a.enum is not None:
            if b.enum is None:
                if not b.types or "string" in b.types or a.types == b.types:
                    self.emit(
                        "response.enum.value-added",
                        op,
                        pointer,
                        old=sorted(map(str, a.enum)),
                        new="any",
                        message="response enum was lifted: any value may now be returned",
                    )
            else:
                added, removed = b.enum - a.enum, a.enum - b.enum
                if added:
                    self.emit(
                        "response.enum.value-added",
                        op,
                        pointer,
                        old=sorted(map(str, a.enum)),
                        new=sorted(map(str, b.enum)),
                        message=f"response enum gained {', '.join(sorted(map(str, added)))}",
                    )
                if removed:
                    self.emit(
                        "response.enum.value-removed",
                        op,
                        pointer,
                        old=sorted(map(str, a.enum)),
                        new=sorted(map(str, b.enum)),
                        message=f"response enum narrowed, drops {', '.join(sorted(map(str, removed)))}",
                    )
        return True

    def _request_scalars(self, op: str, a: _View, b: _View, pointer: str, side: Side) -> bool:
        type_rule = (
            "request.parameter.type-changed" if side == "parameter" else "request.property.type-changed"
        )
        if a.types and b.types and not _accepts(b.types, a.types):
            self.emit(
                type_rule,
                op,
                pointer,
                old=_type_text(a.types, nullable=a.nullable),
                new=_type_text(b.types, nullable=b.nullable),
                message=f"request value must now be {_type_text(b.types, nullable=False)}"
                f" (was {_type_text(a.types, nullable=False)})",
            )
            return False
        if a.nullable and not b.nullable:
            self.emit(
                type_rule,
                op,
                pointer,
                old="nullable",
                new="not nullable",
                message="request value may no longer be null",
            )
        if b.enum is not None:
            if a.enum is None:
                self.emit(
                    "request.enum.value-removed",
                    op,
                    pointer,
                    old="any",
                    new=sorted(map(str, b.enum)),
                    message="request value is now restricted to an enum",
                )
            elif removed := a.enum - b.enum:
                self.emit(
                    "request.enum.value-removed",
                    op,
                    pointer,
                    old=sorted(map(str, a.enum)),
                    new=sorted(map(str, b.enum)),
                    message=f"request enum no longer allows {', '.join(sorted(map(str, removed)))}",
                )
        return True

    # -- operations ----------------------------------------------------------------------------

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
        before = {_media(k): v for k, v in old.items()}
        after = {_media(k): v for k, v in new.items()}
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


# Swagger 2.0 names for what OpenAPI 3 calls the same thing.
_FLOW_NAMES = {"application": "clientCredentials", "accessCode": "authorizationCode"}
_TYPE_NAMES = {"basic": "http"}


def _scheme_kind(scheme: SecurityScheme) -> tuple[str, tuple[str, ...]]:
    """Type and flows in OpenAPI 3 terms, so Swagger 2.0 and OpenAPI 3 schemes compare equal."""
    return _TYPE_NAMES.get(scheme.type, scheme.type), tuple(
        sorted(_FLOW_NAMES.get(f, f) for f in scheme.flows)
    )


def _describe_scheme(scheme: SecurityScheme) -> str:
    kind, flows = _scheme_kind(scheme)
    return f"{kind} ({', '.join(flows)})" if flows else kind


def _security(differ: _Differ, old: Spec, new: Spec) -> dict[str, str]:
    """Compare security scheme definitions; return new-name → old-name for schemes that were renamed."""
    renamed: dict[str, str] = {}
    unmatched_new = dict(new.security_schemes)
    for name, scheme in old.security_schemes.items():
        users = tuple(o.key for o in old.operations if name in o.security) or tuple(
            o.key for o in old.operations
        )
        target = new.security_schemes.get(name)
        if target is None:
            target = next(
                (
                    s
                    for s in unmatched_new.values()
                    if (_scheme_kind(s), s.token_url) == (_scheme_kind(scheme), scheme.token_url)
                ),
                None,
            )
            if target is not None:
                renamed[target.name] = name
        if target is None:
            differ.emit(
                "security.scheme.changed",
                "*",
                f"/components/securitySchemes/{escape_pointer(name)}",
                old=_describe_scheme(scheme),
                new=None,
                message=f"security scheme {name!r} was removed",
                affects=users,
            )
            continue
        unmatched_new.pop(target.name, None)
        where = f"/components/securitySchemes/{escape_pointer(name)}"
        if _scheme_kind(scheme) != _scheme_kind(target):
            differ.emit(
                "security.scheme.changed",
                "*",
                where,
                old=_describe_scheme(scheme),
                new=_describe_scheme(target),
                message=f"security scheme {name!r} is now {_describe_scheme(target)}",
                affects=users,
            )
        elif (scheme.token_url or None) != (target.token_url or None):
            differ.emit(
                "security.token-url.changed",
                "*",
                f"{where}/tokenUrl",
                old=scheme.token_url,
                new=target.token_url,
                message=f"token URL of {name!r} changed",
                affects=users,
            )
    return renamed


def _server_key(url: str) -> str:
    return url.rstrip("/").lower()


def _operations(spec: Spec) -> dict[tuple[str, str], Operation]:
    ops: dict[tuple[str, str], Operation] = {}
    for op in spec.operations:
        ops.setdefault((op.method.upper(), normalise_path(op.path)), op)
    return ops


def _operation_pairs(differ: _Differ, old: Spec, new: Spec) -> Iterator[tuple[Operation, Operation]]:
    before, after = _operations(old), _operations(new)
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
    differ = _Differ()
    renamed = _security(differ, old, new)
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
    for old_op, new_op in _operation_pairs(differ, old, new):
        differ.operation(old_op, new_op, renamed)
    beta = is_beta_spec(new.raw, new.title, new.family, policy) or is_beta_spec(
        old.raw, old.title, old.family, policy
    )
    findings = apply_policy(differ.findings, beta=beta, policy=policy, severities=severities)
    return sort_findings(findings)
