"""Python sources parsed once per test process.

Several layout tests (one home, imports, dependencies, portability) walk the syntax trees of the same
files; parsing them once per process instead of once per test saves seconds of every ``make test``.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path


@functools.cache
def parsed(path: Path) -> ast.Module:
    """The syntax tree of ``path``. It is shared between tests: read it, never change it."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
