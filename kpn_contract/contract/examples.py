"""The example values a spec publishes: what ``audit`` must never take for a secret.

A spec's ``example``, ``examples``, ``x-example`` and ``default`` values (``your client id`` in the
Number Verify token request, for one) end up in fuzz's cassettes and in recordings of tests that
copy them, and they are documentation, not credentials. Every string inside them is collected, so
an example body's fields count too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kpn_contract.contract.model import Spec

__all__ = ["example_values"]

_EXAMPLE_KEYS = frozenset({"example", "examples", "x-example", "x-examples", "default"})


def _strings(node: Any) -> Iterable[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def example_values(specs: Iterable[Spec]) -> frozenset[str]:
    """Every string a spec gives as an example or a default (walked iteratively: specs may be deep)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [spec.raw for spec in specs]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # a resolved $ref may share nodes
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _EXAMPLE_KEYS:
                    found.update(text for text in _strings(value) if text.strip())
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, dict | list))
    return frozenset(found)
