"""The house keeps its shape: a small root, folders that say what they own, layers that import down.

The layers, top to bottom (ARCHITECTURE.md draws the same):

1. the front doors, ``pytest/``, ``cli/`` and ``notebook/``: nothing else imports them;
2. ``session/``, which composes the domains into clients;
3. the domains: ``auth``, ``cassettes``, ``contract``, ``coverage``, ``drift``, ``emulator``, ``fuzz``;
4. ``transport/``; 5. ``config/``; 6. the root modules (errors, logs, redaction), ``secrets/`` and ``files/``.

A module may import its own layer and the layers below it, never one above. Imports inside
functions count; ``if TYPE_CHECKING:`` blocks do not (they are annotations and may point back).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import kpn_contract
from tests.unit.test_import_graph import import_graph

PACKAGE_DIR = Path(kpn_contract.__file__).resolve().parent
ARCHITECTURE = Path(__file__).resolve().parents[2] / "ARCHITECTURE.md"

FRONT_DOORS = frozenset({"pytest", "cli", "notebook"})
LAYERS: tuple[frozenset[str], ...] = (
    FRONT_DOORS,
    frozenset({"session"}),
    frozenset({"auth", "cassettes", "contract", "coverage", "drift", "emulator", "fuzz"}),
    frozenset({"transport"}),
    frozenset({"config"}),
    frozenset(
        {"", "errors", "logs", "redact", "signals", "secrets", "files"}
    ),  # "" is kpn_contract/__init__.py
)
MAX_ROOT_MODULES = 8
MAX_MODULE_LINES = 400
# In an installed wheel, specs/ (maintainer tools included) is package data here, not code of the package.
BUNDLED_SPECS = "_specs"


def _top(module: str) -> str:
    """The first name under kpn_contract: its folder, or the root module itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(module: str) -> int:
    top = _top(module)
    for depth, layer in enumerate(LAYERS):
        if top in layer:
            return depth
    raise AssertionError(f"{module}: {top!r} belongs to no layer; add it to LAYERS and ARCHITECTURE.md")


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Each import of a higher layer, or of another front door, as ``importer -> imported``."""
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            upward = _layer(target) < _layer(module)
            other_front_door = _top(target) in FRONT_DOORS and _top(target) != _top(module)
            if upward or other_front_door:
                found.append(f"{module} -> {target}")
    return found


def _package_folders() -> list[Path]:
    return sorted(p.parent for p in PACKAGE_DIR.rglob("__init__.py") if p.parent != PACKAGE_DIR)


def test_the_root_keeps_only_a_few_modules() -> None:
    root_modules = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules
    assert {"__init__.py", "errors.py", "logs.py", "redact.py"} <= set(root_modules)


def test_every_folder_of_the_package_is_in_a_layer() -> None:
    tops = {folder.relative_to(PACKAGE_DIR).parts[0] for folder in _package_folders()}
    tops |= {p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__"}
    assert tops == set().union(*LAYERS) - {""}


@pytest.mark.parametrize(
    "folder", _package_folders(), ids=lambda folder: folder.relative_to(PACKAGE_DIR).as_posix()
)
def test_every_folder_says_what_it_owns_and_what_it_may_import(folder: Path) -> None:
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    assert docstring, f"{folder.name}/__init__.py has no docstring"
    assert len(docstring.splitlines()) >= 2
    says_imports = re.search(r"\bimport", docstring, re.IGNORECASE)
    assert says_imports, "the docstring must say what the folder may import"


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        path.relative_to(PACKAGE_DIR).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE_DIR.rglob("*.py")
        if path.relative_to(PACKAGE_DIR).parts[0] != BUNDLED_SPECS
    }
    assert len(sizes) > 100
    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def test_no_layer_imports_a_layer_above_it_or_another_front_door() -> None:
    graph = import_graph(PACKAGE_DIR)
    assert any(_top(module) == "pytest" for module in graph)  # the front doors were read
    assert layering_violations(graph) == []


def test_the_layering_check_names_an_upward_import() -> None:
    graph = {
        "kpn_contract.contract.validate": {"kpn_contract.session.kpn_session", "kpn_contract.errors"},
        "kpn_contract.cli.commands": {"kpn_contract.pytest.plugin", "kpn_contract.session.kpn_session"},
        "kpn_contract.session.kpn_session": {"kpn_contract.auth.tokens", "kpn_contract.config.profiles"},
        "kpn_contract.errors": {"kpn_contract.redact"},
    }
    assert layering_violations(graph) == [
        "kpn_contract.cli.commands -> kpn_contract.pytest.plugin",
        "kpn_contract.contract.validate -> kpn_contract.session.kpn_session",
    ]


def _architecture_folders() -> set[str]:
    """The folders of ARCHITECTURE.md's map: lines ``<indent>name/`` in its first code block,
    nested by four spaces a level."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    folders: set[str] = set()
    stack: list[str] = []
    for line in block.splitlines():
        match = re.match(r"^( *)([\w.]+)/(?:\s|$)", line)
        if not match:
            continue
        depth = len(match.group(1)) // 4
        stack[depth:] = [match.group(2)]
        folders.add("/".join(stack))
    return folders


def test_architecture_maps_exactly_the_folders_of_the_tree() -> None:
    tree = {"kpn_contract"} | {
        "kpn_contract/" + folder.relative_to(PACKAGE_DIR).as_posix() for folder in _package_folders()
    }
    assert _architecture_folders() == tree
