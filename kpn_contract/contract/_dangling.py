"""A dangling local ``$ref`` written as what the loader reads it as: any value.

KPN Match's published definition ``$ref``s four schemas it never declares (``TokenRequest``,
``TokenResponse``, ``InsightsRequest``, ``InsightsResponse``). The loader warns about each one
(``dangling $ref …; treated as any value``, :mod:`._schema`) and reads it as any value. A tool that
follows ``$ref`` itself reads it otherwise: schemathesis skips the body and the answer of both
operations ("unresolvable reference") and fuzzes one request per operation. The document handed to
such a tool gets the loader's reading written in: the ``$ref`` is dropped, its siblings kept.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import unquote

from kpn_contract.contract._document import join_pointer

__all__ = ["dangling_refs_as_any"]

# Keys whose values are data, not schemas: a "$ref" inside an example is not a reference.
_VALUES: Final = frozenset({"example", "examples", "x-example", "enum", "const", "default"})


def _exists(root: Mapping[str, Any], fragment: str) -> bool:
    node: Any = root
    for token in fragment.split("/")[1:]:
        key = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True


def _dangling(node: Any, pointer: str, root: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """The mappings below ``node`` (and their pointers) whose local ``$ref`` names nothing in ``root``."""
    stack = [(node, pointer)]
    while stack:
        current, at = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and not _exists(root, ref[1:]):
                yield current, at
            stack.extend((v, join_pointer(at, k)) for k, v in current.items() if k not in _VALUES)
        elif isinstance(current, list):
            stack.extend((v, join_pointer(at, i)) for i, v in enumerate(current))


def dangling_refs_as_any(root: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``root`` with each dangling local ``$ref`` dropped (any value), and their pointers.

    ``root`` itself is returned, unchanged, when nothing dangles; otherwise a copy is changed.
    """
    if not any(True for _ in _dangling(root, "", root)):
        return root, []
    doc = copy.deepcopy(root)
    found = list(_dangling(doc, "", doc))  # found before any is dropped: a $ref to a $ref's holder
    for node, _ in found:
        del node["$ref"]
    return doc, sorted(at for _, at in found)
