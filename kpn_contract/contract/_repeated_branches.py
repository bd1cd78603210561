"""The ``repeated-oneof-branch`` leniency's walk (registered and named in :mod:`.leniency`).

WeSeeDo Personal writes its choices as ``oneOf`` branches that differ only in their descriptions
(``role``: six ``{type: string}`` told apart by ``description: Role "dealer"`` and so on). A value
valid under one such branch is valid under all of them, so none is ever valid under *exactly one*:
the ``oneOf`` admits no value at all. A branch that repeats an earlier one apart from annotations
is dropped, which keeps the ``oneOf`` exclusive among the branches that really differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from kpn_contract.contract._document import join_pointer

__all__ = ["drop_repeated_oneof_branches"]

# Keywords that say nothing about which values are valid (``x-…`` extensions too).
_ANNOTATIONS: Final = frozenset({"description", "title", "example", "examples", "externalDocs", "$comment"})
# Keywords whose value maps names to schemas: the names are data, only the schemas are compared bare.
_NAMED_SCHEMAS: Final = frozenset({"properties", "patternProperties", "definitions", "$defs"})
# Keywords holding values, not schemas: neither compared bare nor walked.
_VALUES: Final = frozenset({"example", "examples", "x-example", "enum", "const", "default"})


def _bare(node: Any) -> Any:
    """``node`` without its annotations, for comparing branches."""
    if isinstance(node, list):
        return [_bare(value) for value in node]
    if not isinstance(node, dict):
        return node
    bare: dict[Any, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or (isinstance(key, str) and key.startswith("x-")):
            continue
        if key in _NAMED_SCHEMAS and isinstance(value, dict):
            bare[key] = {name: _bare(sub) for name, sub in value.items()}
        else:
            bare[key] = value if key in _VALUES else _bare(value)
    return bare


def drop_repeated_oneof_branches(
    node: Any, pointer: str, resolve: Callable[[Any], Any]
) -> list[tuple[str, str]]:
    """Drop, in place, every ``oneOf`` branch that repeats an earlier one apart from annotations.

    ``resolve`` follows a local ``$ref`` once. Returns ``(pointer of the oneOf, defect)`` pairs.
    """
    found: list[tuple[str, str]] = []
    _walk(node, [], resolve, found)
    return [(join_pointer(pointer, *trail), defect) for trail, defect in found]


def _walk(node: Any, trail: list[Any], resolve: Callable[[Any], Any], found: list[Any]) -> None:
    # The trail of keys is joined into a pointer only where a defect is found (every document is walked).
    if isinstance(node, list):
        for index, value in enumerate(node):
            trail.append(index)
            _walk(value, trail, resolve, found)
            trail.pop()
        return
    if not isinstance(node, dict):
        return
    branches = node.get("oneOf")
    # A discriminator tells the branches apart (and the spec diff compares such oneOfs as written).
    if isinstance(branches, list) and len(branches) > 1 and "discriminator" not in node:
        _drop_repeats(node, branches, resolve, [*trail, "oneOf"], found)
    for key, value in node.items():
        if key not in _VALUES and isinstance(value, dict | list):
            trail.append(key)
            _walk(value, trail, resolve, found)
            trail.pop()


def _drop_repeats(
    node: dict[str, Any], branches: list[Any], resolve: Callable[[Any], Any], at: list[Any], found: list[Any]
) -> None:
    kept: list[Any] = []
    seen: list[Any] = []
    dropped: list[int] = []
    for index, branch in enumerate(branches):
        bare = _bare(resolve(branch))  # a branch's own $ref followed once
        if bare in seen:
            dropped.append(index)
            continue
        seen.append(bare)
        kept.append(branch)
    if dropped:
        node["oneOf"] = kept
        repeats = ", ".join(str(i) for i in dropped)
        which = f"branches {repeats} repeat" if len(dropped) > 1 else f"branch {repeats} repeats"
        defect = f"{which} an earlier branch apart from descriptions, so no value of theirs fits the oneOf"
        found.append((at, defect))
