"""The schema walk of the spec diff: two schemas compared *by direction*.

In a response a consumer is hurt by anything the server may now send that it did not before (a new
type, null, a new enum value, a missing field); in a request it is hurt by anything it used to send
that the server may no longer accept (a removed enum value, a new required field, a narrowed type).
"""

from __future__ import annotations

from typing import Any, Literal

from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.schemaview import MAX_DEPTH, SchemaView, accepts, escape_pointer, type_text, view_of

__all__ = ["SchemaDiffer", "Side"]

Side = Literal["response", "request", "parameter"]


class SchemaDiffer(FindingCollector):
    """Collects the findings of schema pairs (the operation-level checks build on it)."""

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

    def _request_scalars(self, op: str, a: SchemaView, b: SchemaView, pointer: str, side: Side) -> bool:
        type_rule = (
            "request.parameter.type-changed" if side == "parameter" else "request.property.type-changed"
        )
        if a.types and b.types and not accepts(b.types, a.types):
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
