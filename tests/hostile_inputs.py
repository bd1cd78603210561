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
