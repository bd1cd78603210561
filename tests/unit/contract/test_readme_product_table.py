"""The README's product table says what `kpn-contract specs` says of each published definition."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.specs import describe_specs
from tests.conftest import REPO_ROOT

_ROW = re.compile(r"^\| ([a-z0-9-]+) \| `[^`]+` \| (\d+) \| (.*?) \|", re.MULTILINE)
_NAMED = re.compile(r"\[([a-z0-9-]+)\]")


def readme_rows() -> dict[str, tuple[int, str]]:
    """Published definition (file stem without its ``-openapi``) -> (operations, defects column)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return {match[1]: (int(match[2]), match[3]) for match in _ROW.finditer(text)}


def defects_column(described: dict[str, Any]) -> str:
    """The named leniencies of one `describe_specs` summary, as the README writes them."""
    lines = [*described["warnings"], *described["leniencies"]]
    counts = Counter(match[1] for line in lines if (match := _NAMED.search(line)))
    times = "\N{MULTIPLICATION SIGN}"
    return ", ".join(f"`{name}` {times}{count}" for name, count in sorted(counts.items())) or "none named"


@pytest.mark.corpus
def test_every_published_definition_has_its_row_with_the_defects_the_toolkit_names(
    kpn_specs_dir: Path,
) -> None:
    rows = readme_rows()
    published = sorted(kpn_specs_dir.glob("*.y*ml"))
    assert len(published) == 34
    stale = []
    for file in published:
        stem = re.sub(r"-(openapi|swagger)$", "", file.stem)
        (described,) = describe_specs([file])
        said = (described["operations"], defects_column(described))
        if rows.get(stem) != said:
            stale.append(f"{stem}: README {rows.get(stem)}, kpn-contract specs {said}")
    assert not stale, "\n".join(stale)
    assert len(rows) == 34  # no row for a definition KPN does not publish
