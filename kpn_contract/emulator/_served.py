"""Which product definitions an emulator serves: a folder (default the bundled specs) and a project's own.

A project's definition of the same product (same file slug or title) replaces the bundled one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kpn_contract.contract.model import Spec
from kpn_contract.contract.specs import SpecIndex

__all__ = ["served_index", "slug"]


def slug(spec: Spec) -> str:
    return re.sub(r"-openapi$", "", Path(spec.path).stem)


def _product_keys(spec: Spec) -> set[str]:
    """What makes two definitions the same product: the file's slug or the title."""
    return {slug(spec).lower(), spec.title.strip().lower()}


def served_index(spec_dir: Path | None, extra_specs: Sequence[Path] = ()) -> SpecIndex | None:
    """The specs the emulator serves: ``spec_dir`` (default the bundled specs) and a project's own.

    A project's spec of the same product (same file slug or title) replaces the bundled one, so the
    emulator answers from the definition the project tests against.
    """
    from kpn_contract.contract.specs import bundled_spec_dir, load_specs, project_index

    folder = spec_dir or bundled_spec_dir()
    base = project_index(folder) if folder.is_dir() else None
    if not extra_specs:
        return base
    own = load_specs(extra_specs)
    taken = set().union(*(_product_keys(spec) for spec in own)) if own else set()
    own_paths = {Path(spec.path).resolve() for spec in own}
    kept = [
        spec
        for spec in (base.specs if base is not None else [])
        if not (_product_keys(spec) & taken) and Path(spec.path).resolve() not in own_paths
    ]
    return SpecIndex([*own, *kept])
