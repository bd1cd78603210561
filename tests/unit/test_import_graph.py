"""No import circle in kpn_contract: no module imports one that imports it back.

Imports inside functions count as well as module-level ones: a lazy import hides a circle from
start-up, not from the reader, and it breaks as soon as someone hoists it. Only ``if TYPE_CHECKING:``
blocks are left out, since they never run. ``from a.b import c`` is an edge to ``a.b.c`` when that is
a module, else to ``a.b``; the package ``a`` itself is not counted (Python initialises parents before
children, so a package re-exporting its own modules is not a circle).

The graph is read with ``ast`` (about 60 lines here, rather than a dev dependency such as grimp).
"""

from __future__ import annotations

import ast
import textwrap
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import kpn_contract
from tests.source_trees import parsed

PACKAGE_DIR = Path(kpn_contract.__file__).resolve().parent


def module_names(package_dir: Path) -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if _is_type_checking_block(child):
            assert isinstance(child, ast.If)
            for other in child.orelse:
                yield from _runtime_imports(ast.Module(body=[other], type_ignores=[]))
        elif isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        else:
            yield from _runtime_imports(child)


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports (module-level or in functions)."""
    modules = module_names(package_dir)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _runtime_imports(parsed(path)):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in modules)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    targets.add(f"{base}.{alias.name}")
                elif base in modules:
                    targets.add(base)
        targets.discard(name)
        graph[name] = targets
    return graph


def _path_back(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """The shortest import chain from ``start`` back to itself, if there is one."""
    came_from: dict[str, str] = {}
    queue = deque(sorted(graph[start]))
    for first in queue:
        came_from[first] = start
    while queue:
        current = queue.popleft()
        if current == start:
            chain = [start]
            step = came_from[start]
            while step != start:
                chain.append(step)
                step = came_from[step]
            return [start, *reversed(chain[1:]), start]
        for target in sorted(graph[current]):
            if target not in came_from:
                came_from[target] = current
                queue.append(target)
    return None


def import_circles(graph: dict[str, set[str]]) -> list[str]:
    """Each circle once, as ``a -> b -> a``, starting from its alphabetically first module."""
    seen: set[frozenset[str]] = set()
    circles: list[str] = []
    for name in sorted(graph):
        chain = _path_back(graph, name)
        if chain is not None and frozenset(chain) not in seen:
            seen.add(frozenset(chain))
            circles.append(" -> ".join(chain))
    return circles


def test_kpn_contract_has_no_import_circle() -> None:
    graph = import_graph(PACKAGE_DIR)
    assert len(graph) > 80  # the whole package was read
    assert import_circles(graph) == []


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "pkg"


def test_a_lazy_import_back_is_a_circle_and_is_named(tmp_path: Path) -> None:
    package_dir = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.tokens import Token\n",
            "pkg/tokens.py": """
                def provider_for():
                    from pkg.grip import Grip
                    return Grip()
            """,
            "pkg/grip.py": "from .tokens import provider_for\n",
            "pkg/errors.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from pkg import grip
            """,
        },
    )
    graph = import_graph(package_dir)
    assert graph["pkg.errors"] == set()  # annotation-only imports never run
    assert graph["pkg"] == {"pkg.tokens"}
    assert import_circles(graph) == ["pkg.grip -> pkg.tokens -> pkg.grip"]


def test_an_import_chain_without_a_way_back_is_no_circle(tmp_path: Path) -> None:
    package_dir = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "import pkg.c\n",
            "pkg/c.py": "from . import d\n",
            "pkg/d.py": "",
        },
    )
    graph = import_graph(package_dir)
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.c"] == {"pkg.d"}
    assert import_circles(graph) == []
