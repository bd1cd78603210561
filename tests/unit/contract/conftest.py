"""Helpers for the contract-layer tests: write small spec files into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kpn_contract.contract.specs import SpecIndex, load_specs


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write ``doc`` (a dict, dumped as YAML, or raw text) to ``tmp_path/name`` and return the path."""

    def write(doc: object, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8"
        )
        return path

    return write


@pytest.fixture(scope="session")
def bundled_index(repo_root: Path) -> SpecIndex:
    return SpecIndex(load_specs([repo_root / "specs"]))
