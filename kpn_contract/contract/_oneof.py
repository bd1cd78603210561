"""Finding ``oneOf`` schemas whose branches overlap, for :mod:`kpn_contract.contract.leniency`.

A ``oneOf`` is valid when exactly one branch matches. Published definitions write ``oneOf`` for
"one of these shapes" with branches that do not exclude each other (Number Verify's two insight
answers: objects with no ``required`` and no closed properties), so their own documented answer
matches two branches and fails. Overlap is found on the document, not guessed from the shape:
an instance of one branch (its documented example, then one generated from its types alone) that
another branch also accepts. Only local ``$ref`` are followed (a published definition is one file);
a document with others is not examined. A ``oneOf`` with a ``discriminator`` is left as written.
Formats are not checked, as for answers (a value matching two branches but for a ``format`` fails
``oneOf`` wherever formats are annotations).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import jsonschema_rs

from kpn_contract.contract._document import detect_format, join_pointer
from kpn_contract.contract._schema import SchemaLoader
from kpn_contract.contract.instances import generate_instance
from kpn_contract.errors import SpecError

__all__ = ["Overlap", "overlapping_oneofs", "overlaps_by_pass"]

# Keys whose values are data, not schemas: a "oneOf" inside them is an example's field.
_DATA_KEYS: Final = frozenset({"example", "examples", "x-example", "enum", "default", "const"})
_PASSES: Final = 3  # an overlap found inside a branch can reveal one around it

Overlap = tuple[dict[str, Any], str, int, int]  # (the oneOf's holder, its pointer, branch, other branch)


def overlapping_oneofs(doc: dict[str, Any], done: set[int]) -> list[Overlap]:
    """Every ``oneOf`` in ``doc`` (not ``id()`` in ``done``) where an instance of one branch is valid
    under another: its holder, the pointer of the holder, and the two branch indexes."""
    holders = [(node, at) for node, at in _holders(doc, "") if id(node) not in done]
    if not holders or not _local_only(doc):
        return []
    try:
        loader = SchemaLoader(Path("published-definition"), doc, detect_format(doc, "document"))
    except SpecError:
        return []
    found: list[Overlap] = []
    for node, at in holders:
        rest = loader.schema({k: v for k, v in node.items() if k != "oneOf"}, loader.path, at)
        branches = [
            loader.schema(branch, loader.path, join_pointer(at, "oneOf", index))
            for index, branch in enumerate(node["oneOf"])
        ]
        pair = _first_overlap(rest, branches)
        if pair is not None:
            found.append((node, at, *pair))
    return found


def overlaps_by_pass(doc: dict[str, Any]) -> Iterator[list[Overlap]]:
    """:func:`overlapping_oneofs` again after each rewrite by the caller, until none is new."""
    done: set[int] = set()
    for _ in range(_PASSES):
        found = overlapping_oneofs(doc, done)
        if not found:
            return
        done.update(id(node) for node, *_ in found)
        yield found


def _first_overlap(rest: dict[str, Any], branches: list[dict[str, Any]]) -> tuple[int, int] | None:
    checks = [_validator({"allOf": [rest, branch]}) for branch in branches]
    for index, branch in enumerate(branches):
        whole = {"allOf": [rest, branch]}
        for use_examples in (True, False):
            instance = generate_instance(whole, use_examples=use_examples)
            if checks[index] is None or not checks[index].is_valid(instance):
                continue
            for other, check in enumerate(checks):
                if other != index and check is not None and check.is_valid(instance):
                    return index, other
    return None


def _validator(schema: dict[str, Any]) -> Any:
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
    except (ValueError, jsonschema_rs.ValidationError):
        return None  # a schema the validators cannot compile: no one checks it, nothing to repair


def _holders(node: Any, pointer: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from _holders(value, join_pointer(pointer, index))
        return
    if not isinstance(node, dict):
        return
    branches = node.get("oneOf")
    # With a discriminator, OpenAPI tells the branches apart by it: not this defect (and the spec
    # diff compares discriminated oneOfs as written).
    if isinstance(branches, list) and len(branches) > 1 and "discriminator" not in node:
        yield node, pointer
    for key, value in node.items():
        if key not in _DATA_KEYS and isinstance(value, dict | list):
            yield from _holders(value, join_pointer(pointer, key))


def _local_only(node: Any) -> bool:
    if isinstance(node, list):
        return all(_local_only(value) for value in node)
    if not isinstance(node, dict):
        return True
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        return False
    return all(_local_only(value) for key, value in node.items() if key not in _DATA_KEYS)
