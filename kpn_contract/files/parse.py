"""Parsing YAML or JSON that may be hostile: a nesting-depth limit and an alias-expansion budget.

PyYAML's safe loader runs no code, but YAML aliases still multiply: a 1.7 KB "billion laughs" spec
builds in an instant (an alias is the same Python object again), and then every walk over it (the
spec loader, ``diff``) visits 10⁹ nodes. Some real specs use a few anchors, so aliases are not
refused outright (cassettes refuse them: :mod:`kpn_contract.cassettes.safe_yaml`); instead the
document is measured once as the walks will see it, each shared object counted once per place it
appears (memoised per object, so measuring costs the written size, not the expanded one). It is
refused when the aliases add more than :data:`MAX_ALIAS_NODES` nodes, or when it nests deeper than
:data:`MAX_DEPTH`. A text with no ``&``/``*`` where a node could start has no alias; it pays only
the depth walk.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import yaml

from kpn_contract.files.guarded import RefusedInputError

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "YAML_LOADER",
    "check_aliases",
    "check_depth",
    "maybe_aliases",
    "parse_json",
    "parse_yaml",
]

# Real specs nest 25 levels at most (the 1.8 MB SD-LAN definition); cassettes 6, plus metadata.
MAX_DEPTH: Final = 64
# What aliases may add, in nodes (a string counts one per KiB more). KPN Things' specs add hundreds;
# the bombs of issue 21 add 10⁹. At this budget a spec's slowest walk (``diff``) stays well under 1 s.
MAX_ALIAS_NODES: Final = 100_000

# The C loader parses the 1.8 MB SD-LAN definition about ten times faster than the pure-Python one.
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Every anchor (&name) or alias (*name) starts a node, so it follows one of these or the text's start.
# A superset of the real places (a "*" after a space inside a scalar matches too). Written with the
# "&"/"*" first, so that the regex engine skips ahead to candidates at C speed; the look-behind then
# checks the character before it (none, at the start of the text).
_MAYBE_ANCHOR: Final = re.compile(r"[&*](?<![^\s\[{,:\ufeff][&*])")


def maybe_aliases(text: str) -> bool:
    """Whether ``text`` may hold a YAML anchor or alias (False is certain; True needs a parse)."""
    return _MAYBE_ANCHOR.search(text) is not None


def _too_deep(max_depth: int) -> RefusedInputError:
    return RefusedInputError(f"nested deeper than {max_depth} levels (the depth limit)")


def check_depth(data: Any, max_depth: int = MAX_DEPTH) -> None:
    """Refuse ``data`` nested deeper than ``max_depth`` (iterative; for data without shared parts)."""
    if not isinstance(data, (dict, list)):
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > max_depth:
                    raise _too_deep(max_depth)
                stack.append((child, depth + 1))


def _weight(value: Any) -> int:
    return 1 + len(value) // 1024 if isinstance(value, (str, bytes)) else 1


def check_aliases(data: Any, *, max_depth: int = MAX_DEPTH, budget: int = MAX_ALIAS_NODES) -> None:
    """Refuse ``data`` whose shared parts (YAML aliases) expand past ``budget`` extra nodes or ``max_depth``.

    One post-order walk over the distinct objects: each container's expanded size and height are
    computed once from its children's, so a bomb is measured in the time of its text. A container
    that holds itself (a recursive alias) is refused too.
    """
    if not isinstance(data, (dict, list)):
        return
    expanded: dict[int, tuple[int, int]] = {}  # id -> (nodes when expanded, height)
    started: set[int] = set()
    long_strings: set[int] = set()
    written = 0  # nodes as written: a container's children counted once, however often it is used
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, finishing = stack.pop()
        key = id(node)
        if not finishing and key in expanded:
            continue
        children = list(node.values() if isinstance(node, dict) else node)
        if finishing:
            size, height = 1, 0
            for child in children:
                if isinstance(child, (dict, list)):
                    child_size, child_height = expanded[id(child)]
                    size += child_size
                    height = max(height, child_height)
                    written += 1
                else:
                    weight = _weight(child)
                    size += weight
                    if weight == 1:
                        written += 1
                    elif id(child) not in long_strings:  # an alias of a long string is the same object
                        long_strings.add(id(child))
                        written += weight
            expanded[key] = (size, height + 1)
            if height + 1 > max_depth:
                raise _too_deep(max_depth)
            if size - written > budget:
                raise RefusedInputError(_over_budget(budget))
            continue
        if key in started:
            raise RefusedInputError("a YAML alias refers to its own ancestor (a recursive structure)")
        started.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if isinstance(child, (dict, list)))


def _over_budget(budget: int) -> str:
    return f"YAML aliases expand it by more than {budget:,} nodes (the alias budget)"


def parse_yaml(text: str, *, max_depth: int = MAX_DEPTH, budget: int = MAX_ALIAS_NODES) -> Any:
    """Load ``text`` with the safe loader, within ``max_depth`` and the alias ``budget``.

    Raises :class:`RefusedInputError` over a limit, PyYAML's own errors for corrupt YAML (and
    ``ValueError``/``TypeError``/``RecursionError`` as its constructors do).
    """
    data = yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    if maybe_aliases(text):
        check_aliases(data, max_depth=max_depth, budget=budget)
    else:
        check_depth(data, max_depth)
    return data


def parse_json(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Load JSON ``text`` within ``max_depth`` (deeper than Python's recursion limit is refused too)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(max_depth) from None
    check_depth(data, max_depth)
    return data
