"""Spec folders and ``$ref`` through the guarded reader: confined to the folder given, walks that end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kpn_contract.contract.specs import load_spec, load_specs, spec_files
from kpn_contract.errors import SpecError
from kpn_contract.fuzz._schema import load_schemathesis_schema
from tests.hostile_inputs import GOOD_SPEC, spec_alias_bomb, spec_with_ref

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
DEFS = "Shared: {type: string, maxLength: 4}\n"


def test_a_ref_into_a_subfolder_of_the_folder_given_is_read(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "defs.yaml").write_text(DEFS)
    spec = load_spec(_write(tmp_path / "spec.yaml", spec_with_ref("common/defs.yaml#/Shared")))
    assert spec.warnings == []


def test_a_ref_up_to_the_spec_folder_given_is_read_but_not_above_it(tmp_path: Path) -> None:
    (tmp_path / "_shared").mkdir()  # "_" folders are not specs themselves
    (tmp_path / "_shared" / "defs.yaml").write_text(DEFS)
    (tmp_path / "products").mkdir()
    spec_file = _write(tmp_path / "products" / "spec.yaml", spec_with_ref("../_shared/defs.yaml#/Shared"))
    [spec] = load_specs([tmp_path])  # the folder given holds _shared/defs.yaml
    assert spec.warnings == []
    with pytest.raises(
        SpecError, match=r"\$ref '../_shared/defs.yaml#/Shared' is outside .*products \(the folder given\)"
    ):
        load_spec(spec_file)  # the folder given is the file's own


@pytest.mark.parametrize(
    "ref", ["/etc/passwd", "https://example.com/s.yaml#/X", "file:///etc/passwd", "//host/share/x.yaml"]
)
def test_a_url_or_absolute_ref_is_an_error_naming_the_file_and_pointer(tmp_path: Path, ref: str) -> None:
    spec_file = _write(tmp_path / "spec.yaml", spec_with_ref(ref))
    with pytest.raises(SpecError) as info:
        load_spec(spec_file)
    message = str(info.value)
    assert message.startswith(
        f"{spec_file}#/paths/~1things/get/responses/200/content/application~1json/schema: "
    )
    assert f"$ref {ref!r} is a URL or an absolute path; only files in {tmp_path} are read" in message
    assert "\n" not in message


@posix_only
def test_a_ref_through_a_symlink_out_of_the_folder_shows_nothing_of_the_target(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("Shared: {type: string, description: CANARY-VALUE}\n")
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "defs.yaml").symlink_to(tmp_path / "secret.yaml")
    spec_file = _write(folder / "spec.yaml", spec_with_ref("defs.yaml#/Shared"))
    with pytest.raises(SpecError, match="is a symlink that leads outside") as info:
        load_spec(spec_file)
    assert "CANARY" not in str(info.value)


def test_a_missing_ref_target_inside_the_folder_stays_a_warning(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path / "spec.yaml", spec_with_ref("nowhere.yaml#/X")))
    assert any("cannot be read" in warning.message for warning in spec.warnings)


@posix_only
def test_a_spec_folder_whose_symlinks_loop_back_is_walked_once(tmp_path: Path) -> None:
    _write(tmp_path / "one.yaml", GOOD_SPEC)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "two.yaml", GOOD_SPEC)
    (tmp_path / "self").symlink_to(".")
    (tmp_path / "sub" / "up").symlink_to("..")
    assert [p.relative_to(tmp_path).as_posix() for p in spec_files([tmp_path])] == [
        "one.yaml",
        "sub/two.yaml",
    ]
    assert len(load_specs([tmp_path])) == 2


def test_fuzz_refuses_an_alias_bomb_before_schemathesis_reads_it(tmp_path: Path) -> None:
    bomb = _write(tmp_path / "bomb.yaml", spec_alias_bomb())
    with pytest.raises(SpecError, match=r"bomb.yaml: YAML aliases expand it by more than 100,000 nodes"):
        load_schemathesis_schema(bomb)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
