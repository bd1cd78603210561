"""The schema walk of the spec diff: two schemas compared *by direction*.

In a response a consumer is hurt by anything the server may now send that it did not before (a new
type, null, a new enum value, a missing field); in a request it is hurt by anything it used to send
that the server may no longer accept (a removed enum value, a new required field, a narrowed type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.spec.rules.composition import changed_branches, compare_composition
from kpn_contract.drift.spec.rules.constraints import compare_constraints
from kpn_contract.drift.spec.rules.defaults import compare_default
from kpn_contract.drift.spec.rules.direction import (
    compare_additional,
    hidden,
    now_sent,
    visibility_changed,
)
from kpn_contract.drift.spec.rules.enums import (
    compare_extensible,
    compare_request_values,
    compare_response_values,
)
from kpn_contract.drift.spec.rules.json_schema import compare_const, compare_keywords
from kpn_contract.drift.spec.rules.json_schema_objects import compare_object_keywords
from kpn_contract.drift.spec.schemaview import (
    MAX_DEPTH,
    SchemaView,
    accepts,
    escape_pointer,
    type_text,
    view_of,
)

__all__ = ["SchemaDiffer", "Side"]

Side = Literal["response", "request", "parameter"]
# The node checks of the rule families, run on every pair of schema nodes whose types still match.
_NODE_CHECKS = (
    compare_constraints,
    compare_default,
    compare_extensible,
    compare_keywords,
    compare_object_keywords,
    compare_additional,
)


def _equal(old: dict[str, Any], new: dict[str, Any]) -> bool:
    try:
        return old == new
    except RecursionError:  # a cyclic schema a loader did not cut: compare it node by node instead
        return False


class SchemaDiffer(FindingCollector):
    """Collects the findings of schema pairs (the operation-level checks build on it).

    ``field_renames`` (old property name → new) pairs properties whose name changed; the migration
    report sets it per operation pair, the plain spec diff leaves it empty. ``roots`` are the two raw
    documents, which a discriminator mapping's schema names point into.
    """

    field_renames: Mapping[str, str] = {}
    # The raw documents (old, new), for what is compared by name in a schema: discriminator mappings.
    roots: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None

    def renamed_field(self, op: str, pointer: str, old: str, new: str, side: Side) -> None:
        """Called when a property was matched through ``field_renames``; a hook for the migration report."""

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
        if depth > MAX_DEPTH or pair in active or not isinstance(old, dict) or not isinstance(new, dict):
            return
        if not self.field_renames and _equal(old, new):
            return  # equal schemas give no finding; comparing them whole (in C) keeps the diff fast
        active = active | {pair}
        a, b = view_of(old), view_of(new)
        if side == "response":
            if not self._response_scalars(op, a, b, pointer):
                return
        elif not self._request_scalars(op, a, b, pointer, side):
            return
        for check in _NODE_CHECKS:
            check(self, op, old, new, pointer=pointer, side=side)
        if compare_composition(self, op, old, new, pointer=pointer, side=side):
            return  # branches came or went: their merged fields would only repeat that
        for where, old_branch, new_branch in changed_branches(old, new):
            # The merged view below walks the branches' fields; a branch's own keywords are compared here.
            for check in _NODE_CHECKS:
                check(self, op, old_branch, new_branch, pointer=pointer + where, side=side)

        matched: set[str] = set()
        for name, old_sub in a.properties.items():
            where = f"{pointer}/properties/{escape_pointer(name)}"
            if hidden(old_sub, side):
                new_name = self.field_renames.get(name, name)
                matched.add(new_name)
                if new_name in b.properties:
                    now_sent(
                        self,
                        op,
                        old_sub,
                        b.properties[new_name],
                        pointer=where,
                        side=side,
                        required=new_name in b.required,
                    )
                continue  # readOnly in a request, writeOnly in a response: it never travelled there
            new_name = self.field_renames.get(name, name)
            if new_name not in b.properties:
                new_name = name
            new_sub = b.properties.get(new_name)
            if new_sub is not None:
                matched.add(new_name)
                if new_name != name:
                    self.renamed_field(op, where, name, new_name, side)
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
            if visibility_changed(self, op, old_sub, new_sub, pointer=where, side=side):
                continue
            if side == "response" and name in a.required and new_name not in b.required:
                self.emit(
                    "response.property.became-optional",
                    op,
                    where,
                    old="required",
                    new="optional",
                    message=f"response field {name!r} is no longer always present",
                )
            if side != "response" and new_name in b.required and name not in a.required:
                self.emit(
                    "request.property.became-required",
                    op,
                    where,
                    old="optional",
                    new="required",
                    message=f"body field {name!r} is now required",
                )
            self.schema(op, old_sub, new_sub, where, side, depth=depth + 1, active=active)

        for name in sorted(b.properties.keys() - matched):
            where = f"{pointer}/properties/{escape_pointer(name)}"
            if hidden(b.properties[name], side):
                continue
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
        if a.prefix_items is not None or b.prefix_items is not None:
            self._prefix_items(op, a, b, pointer, side, depth=depth, active=active)
        self._pattern_properties(op, old, new, pointer, side, depth=depth, active=active)
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

    def _pattern_properties(
        self,
        op: str,
        old: dict[str, Any],
        new: dict[str, Any],
        pointer: str,
        side: Side,
        *,
        depth: int,
        active: frozenset[tuple[int, int]],
    ) -> None:
        """The schemas of patterns both sides declare (added or removed patterns have rules of their own)."""
        before, after = old.get("patternProperties"), new.get("patternProperties")
        if not isinstance(before, dict) or not isinstance(after, dict):
            return
        for pattern in before.keys() & after.keys():
            where = f"{pointer}/patternProperties/{escape_pointer(pattern)}"
            self.schema(op, before[pattern], after[pattern], where, side, depth=depth + 1, active=active)

    def _response_scalars(self, op: str, a: SchemaView, b: SchemaView, pointer: str) -> bool:
        """Type, null and enum checks of a response node; False when the children are not comparable."""
        if a.types and b.types and not accepts(a.types, b.types):
            self.emit(
                "response.property.type-changed",
                op,
                pointer,
                old=type_text(a.types, nullable=a.nullable),
                new=type_text(b.types, nullable=b.nullable),
                message=f"response value changed type: {type_text(a.types, nullable=False)}"
                f" → {type_text(b.types, nullable=False)}",
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
        if not compare_const(self, op, a, b, pointer=pointer, side="response"):
            compare_response_values(self, op, a, b, pointer=pointer)
        return True

    def _request_scalars(self, op: str, a: SchemaView, b: SchemaView, pointer: str, side: Side) -> bool:
        type_rule = (
            "request.parameter.type-changed" if side == "parameter" else "request.property.type-changed"
        )
        wider = b.types
        if side == "parameter" and "string" in wider:
            # A parameter travels as text: a string parameter takes what a number or boolean one took.
            wider = wider | {"integer", "number", "boolean"}
        if a.types and b.types and not accepts(wider, a.types):
            self.emit(
                type_rule,
                op,
                pointer,
                old=type_text(a.types, nullable=a.nullable),
                new=type_text(b.types, nullable=b.nullable),
                message=f"request value must now be {type_text(b.types, nullable=False)}"
                f" (was {type_text(a.types, nullable=False)})",
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
        if not compare_const(self, op, a, b, pointer=pointer, side="request"):
            compare_request_values(self, op, a, b, pointer=pointer)
        return True

    def _prefix_items(
        self,
        op: str,
        a: SchemaView,
        b: SchemaView,
        pointer: str,
        side: Side,
        *,
        depth: int,
        active: frozenset[tuple[int, int]],
    ) -> None:
        """Tuple arrays (``prefixItems``) position by position; a missing position compares with ``items``."""
        old, new = a.prefix_items or (), b.prefix_items or ()
        for position in range(max(len(old), len(new))):
            where = f"{pointer}/prefixItems/{position}"
            before = old[position] if position < len(old) else a.items
            after = new[position] if position < len(new) else b.items
            if before is not None and after is not None:
                self.schema(op, before, after, where, side, depth=depth + 1, active=active)
            elif side == "response" and after is None and position < len(old):
                self.emit(
                    "response.prefix-items.position-removed",
                    op,
                    where,
                    old=position,
                    new=None,
                    message=f"array position {position} is no longer declared",
                )
            elif side != "response" and before is None and position < len(new):
                self.emit(
                    "request.prefix-items.position-added",
                    op,
                    where,
                    old=None,
                    new=position,
                    message=f"array position {position} is new: check what the server expects there",
                )
