"""Hostile inputs shared by the tests and ``benchmarks/hostile_cassettes.py``, so both face the same file."""

from __future__ import annotations


def alias_bomb(size: int = 125_000) -> str:
    """A "billion laughs" cassette of about ``size`` bytes: each level holds 200 aliases of the one before."""
    lines = [
        "version: 1",
        "interactions: []",
        "kpn_contract:",
        "  l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]",
    ]
    level = 1
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 200) + "]")
        level += 1
    return "\n".join(lines) + "\n"


_SPEC_HEAD = 'openapi: 3.0.3\ninfo: {title: hostile, version: "1"}\n'


def _spec_with_schema(schema: str, before: str = "") -> str:
    """A small OpenAPI 3.0 spec whose one response uses ``schema`` (a flow mapping), ``before`` ahead of paths."""
    return (
        _SPEC_HEAD
        + before
        + "paths:\n  /things:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        + f"          content:\n            application/json:\n              schema: {schema}\n"
    )


def spec_alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" spec (about 1.7 KB): ``width``**``levels`` schemas once its aliases expand."""
    lines = ["x-l0: &l0 {type: string}"]
    for level in range(1, levels + 1):
        refs = ", ".join(f"*l{level - 1}" for _ in range(width))
        lines.append(f"x-l{level}: &l{level} {{type: object, allOf: [{refs}]}}")
    return _spec_with_schema(f"*l{levels}", "\n".join(lines) + "\n")


def spec_enum_bomb(levels: int = 8, width: int = 9) -> str:
    """An ``enum: *alias`` bomb (under 1 KB): an enum of nested lists ``width``**``levels`` wide."""
    lines = ["x-e0: &e0 [a, b, c, d, e, f, g, h, i]"]
    for level in range(1, levels + 1):
        lines.append(f"x-e{level}: &e{level} [" + ", ".join([f"*e{level - 1}"] * width) + "]")
    return _spec_with_schema(f"{{type: array, enum: *e{levels}}}", "\n".join(lines) + "\n")


def spec_deep_nesting(depth: int = 5_000) -> str:
    """A spec whose schema nests ``depth`` levels of ``items`` (flow style, so the text stays small)."""
    return _spec_with_schema("{type: array, items: " * depth + "{type: string}" + "}" * depth)


def spec_with_ref(ref: str) -> str:
    """A spec whose one response schema is ``{$ref: ref}``."""
    return _spec_with_schema("{$ref: '" + ref + "'}")
