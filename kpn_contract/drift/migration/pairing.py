"""Pairing old operations with new ones for the migration report: operations indexed by method and
path template across specs, and one :class:`Pairing` per old operation with what the map says of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kpn_contract.contract.model import Operation, Parameter, Spec
from kpn_contract.drift.migration.maps import MigrationMap, OperationPair, parse_operation_key
from kpn_contract.drift.spec.operationdiff import normalise_path, operations_by_key
from kpn_contract.drift.spec.schemaview import property_names

__all__ = ["Pairing", "index_operations", "lookup_operation", "normalised_key", "operation_fields"]


def operation_fields(operation: Operation) -> set[str]:
    """Every property name the request and response schemas of ``operation`` declare, at any depth."""
    bodies = [operation.request_body.content] if operation.request_body else []
    bodies.extend(r.content for r in operation.responses.values())
    return {name for content in bodies for media in content.values() for name in property_names(media.schema)}


class Pairing:
    """One old operation, its counterpart, and what the map says about the two."""

    def __init__(
        self,
        mapping: MigrationMap,
        pair: OperationPair | None,
        old: tuple[Spec, Operation],
        new: tuple[Spec, Operation],
    ) -> None:
        self.mapping = mapping
        self.pair = pair
        self.old_spec, self.old = old
        self.new_spec, self.new = new
        self.renames = {**mapping.fields, **(pair.fields if pair else {})}

    def parameter(self, operation: Operation, name: str, where: str) -> Parameter:
        """The parameter ``name`` of ``operation`` (headers match case-insensitively), or a map error."""
        for param in operation.parameters:
            if param.name == name or (param.location == "header" and param.name.lower() == name.lower()):
                return param
        raise self.mapping.error(where, f"{operation.key} has no parameter {name!r}")

    def check_fields(self) -> None:
        """The pair's own renames must name properties the two operations declare."""
        if self.pair is None:
            return
        old_names, new_names = operation_fields(self.old), operation_fields(self.new)
        for old, new in self.pair.fields.items():
            where = f"{self.pair.where}.fields.{old}"
            if old not in old_names:
                raise self.mapping.error(where, f"{self.old.key} has no field {old!r}")
            if new not in new_names:
                raise self.mapping.error(where, f"{self.new.key} has no field {new!r}")


def index_operations(specs: Iterable[Spec]) -> dict[tuple[str, str], tuple[Spec, Operation]]:
    """Operations by method and path template, across specs (the first spec to declare one wins)."""
    found: dict[tuple[str, str], tuple[Spec, Operation]] = {}
    for spec in specs:
        for key, op in operations_by_key(spec).items():
            found.setdefault(key, (spec, op))
    return found


def normalised_key(key: str) -> tuple[str, str] | None:
    parsed = parse_operation_key(key)
    return None if parsed is None else (parsed[0], normalise_path(parsed[1]))


def lookup_operation(
    ops: Mapping[tuple[str, str], tuple[Spec, Operation]], key: str
) -> tuple[Spec, Operation] | None:
    normalised = normalised_key(key)
    return None if normalised is None else ops.get(normalised)
