"""The schema walk of the spec diff: two schemas compared *by direction*.

In a response a consumer is hurt by anything the server may now send that it did not before (a new
type, null, a new enum value, a missing field); in a request it is hurt by anything it used to send
that the server may no longer accept (a removed enum value, a new required field, a narrowed type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.schemaview import MAX_DEPTH, SchemaView, accepts, escape_pointer, type_text, view_of

__all__ = ["SchemaDiffer", "Side"]

Side = Literal["response", "request", "parameter"]
# Written out (not built from the side) so every rule id stays a literal the docs test can find.
_CONST_RULES = {
    "response": {
        "changed": "response.const.changed",
        "added": "response.const.added",
        "removed": "response.const.removed",
    },
    "request": {
        "changed": "request.const.changed",
        "added": "request.const.added",
        "removed": "request.const.removed",
    },
}


class SchemaDiffer(FindingCollector):
    """Collects the findings of schema pairs (the operation-level checks build on it).

    ``field_renames`` (old property name → new) pairs properties whose name changed; the migration
    report sets it per operation pair, the plain spec diff leaves it empty.
    """

    field_renames: Mapping[str, str] = {}

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
        active = active | {pair}
        a, b = view_of(old), view_of(new)
        if side == "response":
            if not self._response_scalars(op, a, b, pointer):
                return
        elif not self._request_scalars(op, a, b, pointer, side):
            return

        matched: set[str] = set()
        for name, old_sub in a.properties.items():
            where = f"{pointer}/properties/{escape_pointer(name)}"
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
        if not self._const(op, a, b, pointer, "response"):
            self._response_values(op, a, b, pointer)
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
        if not self._const(op, a, b, pointer, "request"):
            self._request_values(op, a, b, pointer)
        return True

    def _response_values(self, op: str, a: SchemaView, b: SchemaView, pointer: str) -> None:
        """Enum checks (a const counts as an enum of one) of a response node."""
        old, new = a.values(), b.values()
        if old is not None:
            if new is None:
                if not b.types or "string" in b.types or a.types == b.types:
                    self.emit(
                        "response.enum.value-added",
                        op,
                        pointer,
                        old=sorted(map(str, old)),
                        new="any",
                        message="response enum was lifted: any value may now be returned",
                    )
            else:
                added, removed = new - old, old - new
                if added:
                    self.emit(
                        "response.enum.value-added",
                        op,
                        pointer,
                        old=sorted(map(str, old)),
                        new=sorted(map(str, new)),
                        message=f"response enum gained {', '.join(sorted(map(str, added)))}",
                    )
                if removed:
                    self.emit(
                        "response.enum.value-removed",
                        op,
                        pointer,
                        old=sorted(map(str, old)),
                        new=sorted(map(str, new)),
                        message=f"response enum narrowed, drops {', '.join(sorted(map(str, removed)))}",
                    )

    def _request_values(self, op: str, a: SchemaView, b: SchemaView, pointer: str) -> None:
        """Enum checks (a const counts as an enum of one) of a request node."""
        old, new = a.values(), b.values()
        if new is not None:
            if old is None:
                self.emit(
                    "request.enum.value-removed",
                    op,
                    pointer,
                    old="any",
                    new=sorted(map(str, new)),
                    message="request value is now restricted to an enum",
                )
            elif removed := old - new:
                self.emit(
                    "request.enum.value-removed",
                    op,
                    pointer,
                    old=sorted(map(str, old)),
                    new=sorted(map(str, new)),
                    message=f"request enum no longer allows {', '.join(sorted(map(str, removed)))}",
                )

    def _const(
        self, op: str, a: SchemaView, b: SchemaView, pointer: str, side: Literal["response", "request"]
    ) -> bool:
        """The const checks of OpenAPI 3.1 / JSON Schema 2020-12; False to fall back to the enum checks.

        A const compared with an enum is an enum of one; only const against const (changed) and
        const against no restriction at all (added or removed) have rules of their own.
        """
        if a.const is None and b.const is None:
            return False
        if a.const is not None and b.const is not None:
            if a.const != b.const:
                self.emit(
                    _CONST_RULES[side]["changed"],
                    op,
                    pointer,
                    old=a.const[0],
                    new=b.const[0],
                    message=f"{side} value fixed to {a.const[0]!r} is now fixed to {b.const[0]!r}",
                )
            return True
        if a.values() is not None and b.values() is not None:
            return False
        if b.const is not None:
            self.emit(
                _CONST_RULES[side]["added"],
                op,
                pointer,
                old="any",
                new=b.const[0],
                message=f"{side} value is now fixed to {b.const[0]!r}",
            )
        elif a.const is not None:
            self.emit(
                _CONST_RULES[side]["removed"],
                op,
                pointer,
                old=a.const[0],
                new="any",
                message=f"{side} value is no longer fixed to {a.const[0]!r}",
            )
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
