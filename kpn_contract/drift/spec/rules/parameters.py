"""Parameters: what a consumer sends in the path, query, header or cookie.

Parameters match by location and name (header names case-insensitively); path parameters match by
their position in the path template, since the operation match erased their names. A parameter
that disappears from one location while one of the same name appears in another has *moved*.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kpn_contract.contract.model import Parameter
from kpn_contract.drift.spec.rules.rule import Rule
from kpn_contract.drift.spec.schemaview import escape_pointer, view_of

if TYPE_CHECKING:
    from kpn_contract.drift.spec.schemadiff import SchemaDiffer

__all__ = ["RULES", "compare_parameters"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.parameter.required-added",
        "breaking",
        "diff",
        "a new required parameter",
        "Calls that do not send the new parameter are rejected.",
        "new required query `tenant`",
    ),
    Rule(
        "request.parameter.became-required",
        "breaking",
        "diff",
        "an optional parameter became required",
        "Calls that omit the parameter are rejected.",
        "`deviceEUI` now required",
    ),
    Rule(
        "request.parameter.removed",
        "breaking",
        "diff",
        "a parameter the consumer may send was removed",
        "A parameter you send is rejected or silently ignored.",
        "query `deviceEUI` removed",
    ),
    Rule(
        "request.parameter.type-changed",
        "breaking",
        "diff",
        "a parameter no longer accepts its old type",
        "A parameter value you send no longer fits its schema.",
        "`pageSize` string → integer",
    ),
    Rule(
        "request.parameter.empty-value-disallowed",
        "breaking",
        "diff",
        "a parameter no longer allows an empty value (`allowEmptyValue` removed)",
        "Calls that send the parameter empty (`?flag=`) are rejected.",
        "`allowEmptyValue: true` removed from query `flag`",
    ),
    Rule(
        "request.parameter.deprecated",
        "warning",
        "diff",
        "a parameter became deprecated",
        "Stop sending this parameter.",
        "`sortBy` deprecated",
    ),
    Rule(
        "request.parameter.location-changed",
        "breaking",
        "diff",
        "a parameter moved to another location (query, header, path, cookie)",
        "The value you send where it used to go is ignored, and the server looks for it elsewhere.",
        "query `tenant` → header `tenant`",
    ),
    Rule(
        "request.parameter.style-changed",
        "breaking",
        "diff",
        "a parameter is serialised in another style",
        "The value you serialise the old way is parsed differently (or rejected).",
        "`style: form` → `style: pipeDelimited`",
    ),
    Rule(
        "request.parameter.explode-changed",
        "breaking",
        "diff",
        "an array or object parameter changed its `explode` setting",
        "`ids=a&ids=b` and `ids=a,b` are different requests: the old form is misread.",
        "`explode: true` → `explode: false`",
    ),
    Rule(
        "request.parameter.default-changed",
        "warning",
        "diff",
        "the default of a parameter changed (info for a required one, which a call always sends)",
        "Calls that omit the parameter silently get other behaviour; nothing is rejected. A required"
        " parameter's default only reaches the server through a client that fills it in.",
        "`pageSize` default 20 → 100",
        other_severity="info",
    ),
    Rule(
        "request.parameter.default-removed",
        "warning",
        "diff",
        "an optional parameter no longer declares a default",
        "What a call that omits the parameter gets is no longer promised.",
        "`sort` default `name` removed",
    ),
)

_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_TEMPLATE_NAME = re.compile(r"\{([^}/]*)\}")
_ABSENT = object()


def _key(p: Parameter) -> tuple[str, str]:
    return p.location, p.name.lower() if p.location == "header" else p.name


def _where(p: Parameter) -> str:
    return f"/parameters/{escape_pointer(p.location)}/{escape_pointer(p.name)}"


def _path_positions(path: str, params: tuple[Parameter, ...]) -> dict[tuple[str, str], Parameter]:
    """Path parameters keyed by their position in the template (names do not match operations).

    A path parameter declared but absent from its template (a published defect) has no position and
    is not compared. When the one reading of published defects lands (catalogue, issue 20), follow
    it here: the loader will say what such a parameter is, and the diff should compare it as that.
    """
    by_name = {p.name: p for p in params if p.location == "path"}
    found: dict[tuple[str, str], Parameter] = {}
    for position, name in enumerate(_TEMPLATE_NAME.findall(path)):
        if name in by_name:
            found["path", str(position)] = by_name[name]
    return found


def _default(p: Parameter) -> Any:
    return p.schema.get("default", _ABSENT) if isinstance(p.schema, Mapping) else _ABSENT


def compare_parameters(
    differ: SchemaDiffer,
    op: str,
    old: tuple[Parameter, ...],
    new: tuple[Parameter, ...],
    paths: tuple[str, str],
) -> None:
    """Every parameter change of one operation pair (``paths``: the old and new path templates)."""
    if old == new:
        return  # equal parameters (names, places, schemas): the operation match covers the template
    before = {_key(p): p for p in old if p.location != "path"} | _path_positions(paths[0], old)
    after = {_key(p): p for p in new if p.location != "path"} | _path_positions(paths[1], new)
    # A path parameter always exists on both sides: the templates matched.
    gone = {k: p for k, p in before.items() if k not in after and k[0] != "path"}
    added = {k: q for k, q in after.items() if k not in before and k[0] != "path"}
    for p in gone.values():
        moved_key = next((k for k, q in added.items() if q.name.lower() == p.name.lower()), None)
        if moved_key is not None:
            moved = added.pop(moved_key)
            differ.emit(
                "request.parameter.location-changed",
                op,
                _where(p),
                old=p.location,
                new=moved.location,
                message=f"parameter {p.name!r} moved from the {p.location} to the {moved.location}",
            )
            continue
        differ.emit(
            "request.parameter.removed",
            op,
            _where(p),
            old=p.name,
            new=None,
            message=f"{p.location} parameter {p.name!r} removed",
        )
    for k, p in before.items():
        if k in after:
            _compare_one(differ, op, p, after[k])
    for q in added.values():
        if q.required:
            differ.emit(
                "request.parameter.required-added",
                op,
                _where(q),
                old=None,
                new=q.name,
                message=f"new required {q.location} parameter {q.name!r}",
            )


def _compare_one(differ: SchemaDiffer, op: str, p: Parameter, q: Parameter) -> None:
    where = _where(p)
    if q.required and not p.required:
        differ.emit(
            "request.parameter.became-required",
            op,
            where,
            old="optional",
            new="required",
            message=f"{p.location} parameter {p.name!r} is now required",
        )
    if q.deprecated and not p.deprecated:
        differ.emit(
            "request.parameter.deprecated",
            op,
            where,
            old=False,
            new=True,
            message=f"{p.location} parameter {p.name!r} is now deprecated",
        )
    if p.allow_empty_value and not q.allow_empty_value:
        differ.emit(
            "request.parameter.empty-value-disallowed",
            op,
            f"{where}/allowEmptyValue",
            old=True,
            new=False,
            message=f"{p.location} parameter {p.name!r} may no longer be sent empty",
        )
    _compare_serialisation(differ, op, p, q)
    # Required ones too (as info): a generated client may fill the default in for an omitted argument.
    _compare_default(differ, op, p, q)
    differ.schema(op, p.schema, q.schema, f"{where}/schema", "parameter")


def _compare_serialisation(differ: SchemaDiffer, op: str, p: Parameter, q: Parameter) -> None:
    (old_style, old_explode), (new_style, new_explode) = p.serialisation, q.serialisation
    if (old_style, old_explode) == (new_style, new_explode):
        return
    types = view_of(p.schema).types | view_of(q.schema).types
    # A single value is written the same by form, spaceDelimited and pipeDelimited, exploded or not;
    # only the path styles (simple, label, matrix) put something around it.
    scalar = bool(types) and types <= _SCALARS
    if old_style != new_style and (not scalar or p.location == "path"):
        differ.emit(
            "request.parameter.style-changed",
            op,
            _where(p),
            old=old_style,
            new=new_style,
            message=f"{p.location} parameter {p.name!r} is now serialised as {new_style} (was {old_style})",
        )
    elif old_explode != new_explode and not scalar:
        differ.emit(
            "request.parameter.explode-changed",
            op,
            _where(p),
            old=old_explode,
            new=new_explode,
            message=f"{p.location} parameter {p.name!r} now has explode: {str(new_explode).lower()}",
        )


def _compare_default(differ: SchemaDiffer, op: str, p: Parameter, q: Parameter) -> None:
    old, new = _default(p), _default(q)
    if old is _ABSENT or old == new:
        return
    if new is _ABSENT:
        if q.required:
            return  # a call always sends a required parameter: nothing it got by default is lost
        differ.emit(
            "request.parameter.default-removed",
            op,
            f"{_where(p)}/schema/default",
            old=old,
            new=None,
            message=f"{p.location} parameter {p.name!r} no longer defaults to {old!r}",
        )
    else:
        differ.emit(
            "request.parameter.default-changed",
            op,
            f"{_where(p)}/schema/default",
            old=old,
            new=new,
            message=f"{p.location} parameter {p.name!r} now defaults to {new!r} (was {old!r})",
            severity="info" if q.required else None,
        )
