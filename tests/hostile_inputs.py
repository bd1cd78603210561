"""Hostile inputs shared by the tests and ``benchmarks/hostile_cassettes.py``, so both face the same file."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


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
    """A small OpenAPI 3.0 spec whose one response uses ``schema`` (flow style); ``before`` goes first."""
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
    lines.extend(
        f"x-e{level}: &e{level} [" + ", ".join([f"*e{level - 1}"] * width) + "]"
        for level in range(1, levels + 1)
    )
    return _spec_with_schema(f"{{type: array, enum: *e{levels}}}", "\n".join(lines) + "\n")


def spec_deep_nesting(depth: int = 5_000) -> str:
    """A spec whose schema nests ``depth`` levels of ``items`` (flow style, so the text stays small)."""
    return _spec_with_schema("{type: array, items: " * depth + "{type: string}" + "}" * depth)


def spec_with_ref(ref: str) -> str:
    """A spec whose one response schema is ``{$ref: ref}``."""
    return _spec_with_schema("{$ref: '" + ref + "'}")


GOOD_SPEC = _spec_with_schema("{type: string}")
EMPTY_CASSETTE = "version: 1\ninteractions: []\n"
# The classes make_hostile_project lays out, in order (tests parametrize over them before it runs).
HOSTILE_CASES = (
    "alias-bomb",
    "enum-bomb",
    "deep-yaml",
    "deep-json",
    "ref-absolute",
    "ref-escape",
    "ref-device",
    "ref-url",
    "ref-symlink",
    "symlink-loop",
    "spec-dev-zero",
    "spec-fifo",
    "map-alias-bomb",
    "cassette-symlink",
    "cassette-dev-zero",
    "cassette-fifo",
    "notebook-dev-zero",
    "report-fifo",
)


@dataclass(frozen=True)
class HostileCase:
    """One class of hostile input, laid out in a project folder, and each command that reads it.

    ``commands`` maps a command name to its ``kpn-contract`` arguments; ``expect`` is a regular
    expression the one line each must match (the limit it names).
    """

    name: str
    commands: dict[str, list[str]]
    expect: str


def _spec_commands(folder: Path, hostile: Path, good: Path, cassettes: Path) -> dict[str, list[str]]:
    f, c = str(folder), str(cassettes)
    return {
        "specs": ["specs", f],
        "diff": ["diff", str(hostile), str(good)],
        "verify": ["verify", "--specs", f, c],
        "coverage": ["coverage", "--specs", f, c],
        "drift": ["drift", "--specs", f, c, c],
    }


def _cassette_commands(folder: Path, cassettes: Path) -> dict[str, list[str]]:
    f = str(folder)
    return {
        "verify": ["verify", f],
        "coverage": ["coverage", f],
        "drift": ["drift", str(cassettes), f],
        "audit": ["audit", f],
    }


def make_hostile_project(root: Path, canary: str) -> list[HostileCase]:
    """Every class of hostile spec, cassette and audit target of issue 21 under ``root`` (POSIX: FIFOs).

    ``canary`` is written to a file outside every folder given: no command may show it.
    """
    good = root / "good.yaml"
    good.write_text(GOOD_SPEC)
    cassettes = root / "cassettes"
    cassettes.mkdir()
    (cassettes / "ok.yaml").write_text(EMPTY_CASSETTE)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"values: {{token: {canary}}}\n{EMPTY_CASSETTE}")
    cases: list[HostileCase] = []

    def spec_case(name: str, expect: str, text: str | None, file: str = "hostile.yaml") -> Path:
        folder = root / f"spec-{name}"
        folder.mkdir()
        if text is not None:
            (folder / file).write_text(text)
        cases.append(HostileCase(name, _spec_commands(folder, folder / file, good, cassettes), expect))
        return folder

    spec_case("alias-bomb", "alias budget", spec_alias_bomb())
    spec_case("enum-bomb", "alias budget", spec_enum_bomb())
    spec_case("deep-yaml", "depth limit", spec_deep_nesting(500))
    deep_json = '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "x": ' + "[" * 100_000
    spec_case("deep-json", "depth limit", deep_json + "]" * 100_000 + "}", "hostile.json")
    spec_case("ref-absolute", "absolute path", spec_with_ref("/etc/passwd"))
    spec_case("ref-escape", "outside", spec_with_ref("../outside/secret.yaml#/values"))
    spec_case("ref-device", "absolute path", spec_with_ref("/dev/zero"))
    spec_case("ref-url", "URL", spec_with_ref("https://example.com/secret.yaml#/values"))
    linked = spec_case("ref-symlink", "symlink that leads outside", spec_with_ref("linked.yaml#/values"))
    (linked / "linked.yaml").symlink_to(outside / "secret.yaml")
    # A file link loop: "does not exist" to ``diff`` (Path.exists follows links), unreadable to the rest.
    loop = spec_case("symlink-loop", "symbolic links|does not exist", None, "loop-a.yaml")
    (loop / "good.yaml").write_text(GOOD_SPEC)
    (loop / "self").symlink_to(".")
    (loop / "up").symlink_to("..")
    (loop / "loop-a.yaml").symlink_to("loop-b.yaml")
    (loop / "loop-b.yaml").symlink_to("loop-a.yaml")
    (spec_case("spec-dev-zero", "symlink that leads outside", None, "zero.yaml") / "zero.yaml").symlink_to(
        "/dev/zero"
    )
    os.mkfifo(spec_case("spec-fifo", "FIFO", None, "pipe.yaml") / "pipe.yaml")
    bomb_map = root / "map-bomb.yaml"
    bomb_map.write_text(spec_alias_bomb())
    cases.append(
        HostileCase(
            "map-alias-bomb", {"diff": ["diff", "--map", str(bomb_map), str(good), str(good)]}, "alias budget"
        )
    )

    def cassette_case(name: str, expect: str, file: str) -> Path:
        folder = root / f"cassettes-{name}"
        folder.mkdir()
        (folder / "ok.yaml").write_text(EMPTY_CASSETTE)
        commands = _cassette_commands(folder, cassettes)
        if not file.endswith(".yaml"):  # a notebook or report: only audit reads it
            commands = {"audit": commands["audit"]}
        cases.append(HostileCase(name, commands, expect))
        return folder / file

    cassette_case("cassette-symlink", "symlink that leads outside", "linked.yaml").symlink_to(
        outside / "secret.yaml"
    )
    cassette_case("cassette-dev-zero", "symlink that leads outside", "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(cassette_case("cassette-fifo", "FIFO", "pipe.yaml"))
    cassette_case("notebook-dev-zero", "symlink that leads outside", "zero.ipynb").symlink_to("/dev/zero")
    os.mkfifo(cassette_case("report-fifo", "FIFO", "report.html"))
    return cases


def hostile_benchmark() -> ModuleType:
    """``benchmarks/hostile_cassettes.py`` as a module: the tests run its capped child processes."""
    spec = importlib.util.spec_from_file_location(
        "hostile_cassettes", Path(__file__).resolve().parents[1] / "benchmarks" / "hostile_cassettes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module
