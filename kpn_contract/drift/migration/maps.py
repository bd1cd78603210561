"""The migration map of ``kpn-contract diff OLD NEW --map FILE``: which old operation became which new one.

The map only pairs operations and names renames; everything a consumer must change is derived from
the two specs (see :mod:`kpn_contract.drift.migration.migrate`). Format (``docs/migration-map.md``)::

    migration-map: 1
    fields: {uuid: id}                   # property renames in every paired operation
    notes: {sub-customer: "..."}         # guidance shown with the findings of a concern
    operations:
      - old: GET /api/devices
        new: GET /devices                # null: the operation has no counterpart
        fields: {content: items}         # renames in this pair only
        parameters:
          - {concern: paging, old: [currentPage, pageSize], new: [cursor, limit]}
        note: "..."                      # shown with this pair's findings

Every problem is a :class:`~kpn_contract.errors.ConfigError` naming the file and the field, in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kpn_contract.errors import ConfigError
from kpn_contract.files import RefusedInputError, parse_yaml, read_guarded

__all__ = [
    "CONCERNS",
    "MAP_VERSION",
    "MigrationMap",
    "OperationPair",
    "ParameterReplacement",
    "load_migration_map",
    "parse_operation_key",
]

MAP_VERSION = 1
# What a consumer may have to change; parameter groups and notes are labelled with one of these.
CONCERNS = (
    "path",
    "paging",
    "sort",
    "search",
    "accept",
    "fields",
    "envelope",
    "auth-failure",
    "sub-customer",
    "parameter",
)
PARAMETER_CONCERNS = ("paging", "sort", "search", "sub-customer", "parameter")
_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})
_TOP_KEYS = frozenset({"migration-map", "fields", "notes", "operations"})
_PAIR_KEYS = frozenset({"old", "new", "fields", "parameters", "note"})
_GROUP_KEYS = frozenset({"concern", "old", "new"})


@dataclass(frozen=True)
class ParameterReplacement:
    """Old parameters a consumer stops sending, and the new ones that take over (may be none)."""

    concern: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    where: str  # the map field, for error messages: operations[0].parameters[1]


@dataclass(frozen=True)
class OperationPair:
    """One old operation and its counterpart (``new`` is ``None`` when there is none)."""

    old: str
    new: str | None
    fields: Mapping[str, str]
    parameters: tuple[ParameterReplacement, ...]
    note: str | None
    where: str  # operations[0]


@dataclass(frozen=True)
class MigrationMap:
    path: str
    fields: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    operations: tuple[OperationPair, ...] = ()

    def pair_for(self, old_key: str) -> OperationPair | None:
        """The pair whose old operation is ``old_key`` (``METHOD /path``, as the map writes it)."""
        wanted = parse_operation_key(old_key)
        return next((p for p in self.operations if parse_operation_key(p.old) == wanted), None)

    def error(self, where: str, message: str) -> ConfigError:
        """A one-line error naming this map's file and ``where`` (a field of the map)."""
        return ConfigError(message, path=self.path, field=where)


def parse_operation_key(text: str) -> tuple[str, str] | None:
    """``"get /api/devices"`` → ``("GET", "/api/devices")``; ``None`` when it is not ``METHOD /path``."""
    method, _, path = text.strip().partition(" ")
    path = path.strip()
    if method.upper() not in _METHODS or not path.startswith("/") or " " in path:
        return None
    return method.upper(), path.rstrip("/") or "/"


def _fail(path: str, where: str, message: str) -> ConfigError:
    return ConfigError(message, path=path, field=where)


def _unknown_keys(path: str, where: str, node: Mapping[Any, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(str(k) for k in node if k not in allowed)
    if unknown:
        raise _fail(path, where, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")


def _text(path: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, "must be a non-empty string")
    return value.strip()


def _operation(path: str, where: str, value: Any) -> str:
    text = _text(path, where, value)
    if parse_operation_key(text) is None:
        raise _fail(path, where, f"{text!r} is not 'METHOD /path' (for example 'GET /devices')")
    return text


def _renames(path: str, where: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, where, "must be a mapping of old field name to new field name")
    renames: dict[str, str] = {}
    for old, new in value.items():
        if not isinstance(old, str) or not old:
            raise _fail(path, where, f"field name {old!r} is not a string")
        renames[old] = _text(path, f"{where}.{old}", new)
    return renames


def _names(path: str, where: str, value: Any, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, "must be a list of parameter names")
    if not value and not allow_empty:
        raise _fail(path, where, "must name at least one parameter")
    return tuple(v.strip() for v in value)


def _concern(path: str, where: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _fail(path, where, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _replacements(path: str, where: str, value: Any) -> tuple[ParameterReplacement, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(path, where, "must be a list of {concern, old, new} groups")
    groups = []
    for i, group in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(group, dict):
            raise _fail(path, at, "must be a mapping with concern, old and new")
        _unknown_keys(path, at, group, _GROUP_KEYS)
        missing = sorted(_GROUP_KEYS - group.keys())
        if missing:
            raise _fail(path, f"{at}.{missing[0]}", "is missing")
        groups.append(
            ParameterReplacement(
                concern=_concern(path, f"{at}.concern", group["concern"], PARAMETER_CONCERNS),
                old=_names(path, f"{at}.old", group["old"], allow_empty=False),
                new=_names(path, f"{at}.new", group["new"], allow_empty=True),
                where=at,
            )
        )
    return tuple(groups)


def _pair(path: str, where: str, value: Any) -> OperationPair:
    if not isinstance(value, dict):
        raise _fail(path, where, "must be a mapping with old and new")
    _unknown_keys(path, where, value, _PAIR_KEYS)
    if "old" not in value:
        raise _fail(path, f"{where}.old", "is missing")
    if "new" not in value:
        raise _fail(
            path, f"{where}.new", "is missing (write 'new: null' for an operation with no counterpart)"
        )
    new = value["new"]
    return OperationPair(
        old=_operation(path, f"{where}.old", value["old"]),
        new=None if new is None else _operation(path, f"{where}.new", new),
        fields=_renames(path, f"{where}.fields", value.get("fields")),
        parameters=_replacements(path, f"{where}.parameters", value.get("parameters")),
        note=None if value.get("note") is None else _text(path, f"{where}.note", value["note"]),
        where=where,
    )


def _read(path: Path) -> Any:
    name = str(path)
    try:
        text = read_guarded(path).decode("utf-8")
        return parse_yaml(text)
    except RefusedInputError as exc:
        raise ConfigError(exc.problem, path=name) from None
    except FileNotFoundError:
        raise ConfigError("migration map does not exist", path=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read migration map: {exc}", path=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"invalid YAML{line}: {problem}", path=name) from None


def load_migration_map(path: str | Path) -> MigrationMap:
    """Read and check a migration map; any problem is a one-line ConfigError naming file and field."""
    name = str(path)
    raw = _read(Path(path))
    if not isinstance(raw, dict):
        raise ConfigError("a migration map must be a YAML mapping", path=name)
    _unknown_keys(name, "(top level)", raw, _TOP_KEYS)
    if raw.get("migration-map") != MAP_VERSION:
        raise _fail(name, "migration-map", f"must be {MAP_VERSION} (the map format version)")
    notes_raw = raw.get("notes") or {}
    if not isinstance(notes_raw, dict):
        raise _fail(name, "notes", "must be a mapping of concern to text")
    notes = {
        _concern(name, f"notes.{key}", key, CONCERNS): _text(name, f"notes.{key}", text)
        for key, text in notes_raw.items()
    }
    operations_raw = raw.get("operations")
    if not isinstance(operations_raw, list) or not operations_raw:
        raise _fail(name, "operations", "must be a non-empty list of {old, new} pairs")
    pairs: list[OperationPair] = []
    seen: dict[tuple[str, str] | None, str] = {}
    for i, entry in enumerate(operations_raw):
        pair = _pair(name, f"operations[{i}]", entry)
        key = parse_operation_key(pair.old)
        if key in seen:
            raise _fail(name, f"operations[{i}].old", f"{pair.old} is already paired in {seen[key]}")
        seen[key] = pair.where
        pairs.append(pair)
    return MigrationMap(
        path=name,
        fields=_renames(name, "fields", raw.get("fields")),
        notes=notes,
        operations=tuple(pairs),
    )
