"""Which folder `fuzz --all` and `--spec FOLDER` run; options that need one spec are refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.contract.specs import bundled_spec_dir
from kpn_contract.errors import UsageError
from kpn_contract.fuzz._catalogue import catalogue_folder


def test_all_is_the_bundled_specs_and_one_spec_file_is_no_folder(tmp_path: Path) -> None:
    assert catalogue_folder(all_products=True, spec=None, report=None, operations=None) == bundled_spec_dir()
    assert catalogue_folder(all_products=False, spec=str(tmp_path), report=None, operations=None) == tmp_path
    spec = tmp_path / "one.yaml"
    spec.write_text("openapi: 3.0.3\n", encoding="utf-8")
    assert catalogue_folder(all_products=False, spec=str(spec), report=None, operations=["GET /x"]) is None
    assert catalogue_folder(all_products=False, spec="number-verify", report=None, operations=None) is None


@pytest.mark.parametrize(
    ("all_products", "report", "operations", "message"),
    [
        (True, Path("r"), None, "fuzz --all: --report is written per spec"),
        (True, None, ["GET /x"], "fuzz --all: --operation names the operations of one --spec FILE"),
        (False, Path("r"), None, "fuzz --spec FOLDER: --report is written per spec"),
        (False, None, ["GET /x"], "fuzz --spec FOLDER: --operation names the operations of one --spec FILE"),
    ],
)
def test_options_that_need_one_spec_are_refused_with_a_folder(
    tmp_path: Path, all_products: bool, report: Path | None, operations: list[str] | None, message: str
) -> None:
    spec = None if all_products else str(tmp_path)
    with pytest.raises(UsageError, match=message):
        catalogue_folder(all_products=all_products, spec=spec, report=report, operations=operations)


def test_all_and_spec_together_are_refused() -> None:
    with pytest.raises(UsageError, match="give --all or --spec, not both"):
        catalogue_folder(all_products=True, spec="things", report=None, operations=None)
