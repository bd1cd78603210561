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
_MULTIPLE: Final = jsonschema_rs.ValidationErrorKind.OneOfMultipleValid

Overlap = tuple[
    dict[str, Any], str, int
]  # (the oneOf's holder, its pointer, the branch whose value overlaps)


def overlapping_oneofs(doc: dict[str, Any], done: set[int]) -> list[Overlap]:
    """Every ``oneOf`` in ``doc`` (not ``id()`` in ``done``) where an instance of one branch is valid
    under another: its holder, the pointer of the holder, and the branch the instance came from."""
    every, local_only = _holders(doc)
    holders = [(node, at) for node, at in every if id(node) not in done]
    if not holders or not local_only:
        return []
    try:
        loader = SchemaLoader(Path("published-definition"), doc, detect_format(doc, "document"))
    except SpecError:
        return []
    found: list[Overlap] = []
    for node, at in holders:
        branch = _overlapping_branch(loader.schema(node, loader.path, at))
        if branch is not None:
            found.append((node, at, branch))
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


def _overlapping_branch(schema: dict[str, Any]) -> int | None:
    """The first branch of the (converted) ``oneOf`` whose instance matches more than one branch.

    One validator for the whole ``oneOf`` (compiling one per branch costs more than the rest): an
    instance that fails it with "valid under more than one" at the ``oneOf`` itself is the overlap.
    """
    branches = schema.get("oneOf")
    if not isinstance(branches, list):
        return None
    try:
        validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
    except (ValueError, jsonschema_rs.ValidationError):
        return None  # a schema the validators cannot compile: no one checks it, nothing to repair
    rest = {k: v for k, v in schema.items() if k != "oneOf"}
    for index, branch in enumerate(branches):
        for use_examples in (True, False):
            instance = generate_instance({"allOf": [rest, branch]}, use_examples=use_examples)
            if any(
                isinstance(error.kind, _MULTIPLE)
                and error.instance_path == []
                and error.schema_path == ["oneOf"]
                for error in validator.iter_errors(instance)
            ):
                return index
    return None


def _holders(doc: dict[str, Any]) -> tuple[list[tuple[dict[str, Any], str]], bool]:
    """Every mapping holding a ``oneOf`` of two branches or more (no ``discriminator``), with its
    pointer; and whether every ``$ref`` of ``doc`` is local (``#/…``).

    One iterative walk, and a pointer is spelled only for a holder: it visits every node of a
    document (sd-lan's has 14,000), on every load.
    """
    found: list[tuple[dict[str, Any], str]] = []
    local_only = True
    stack: list[tuple[Any, Any, Any]] = [(doc, None, None)]  # (node, key in its parent, parent entry)
    while stack:
        entry = stack.pop()
        node = entry[0]
        if isinstance(node, dict):
            branches, ref = node.get("oneOf"), node.get("$ref")
            # With a discriminator, OpenAPI tells the branches apart by it: not this defect (and the
            # spec diff compares discriminated oneOfs as written).
            if isinstance(branches, list) and len(branches) > 1 and "discriminator" not in node:
                found.append((node, _pointer(entry)))
            if isinstance(ref, str) and not ref.startswith("#"):
                local_only = False
            for key, value in node.items():
                if isinstance(value, dict | list) and key not in _DATA_KEYS:
                    stack.append((value, key, entry))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, dict | list):
                    stack.append((value, index, entry))
    return found, local_only


def _pointer(entry: tuple[Any, Any, Any]) -> str:
    keys: list[Any] = []
    while entry[2] is not None:
        keys.append(entry[1])
        entry = entry[2]
    return join_pointer("", *reversed(keys)) if keys else ""
