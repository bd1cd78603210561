"""Number Verify and Wholesale WBA, as published, pass ``fuzz --target emulator`` (issue 20).

Each file is copied as-is into a folder of its own that a throw-away project names as its
``spec_dir``, as a new user would; skipped where ``../shared/kpn-specs`` is absent. Number Verify
needed ``overlapping-oneof``; WBA a non-UTF-8 header refused in its declared error shape.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from kpn_contract.fuzz import run_fuzz

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.mark.parametrize("stem", ["kpn-number-verify-openapi", "kpn-wholesale-wba-openapi"])
def test_the_published_file_passes_fuzz_as_published(kpn_specs_dir: Path, tmp_path: Path, stem: str) -> None:
    folder = tmp_path / stem
    folder.mkdir()
    spec = folder / f"{stem}.yml"
    shutil.copyfile(kpn_specs_dir / spec.name, spec)
    config = tmp_path / "kpn-contract.toml"
    config.write_text(f'spec_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    out = io.StringIO()
    code = run_fuzz(
        "sandbox", spec=spec, target="emulator", max_examples=3, seed=11, out=out, config_path=config
    )
    assert code == 0, out.getvalue()[-4000:]
    assert spec.read_bytes() == (kpn_specs_dir / spec.name).read_bytes()  # read, never rewritten
