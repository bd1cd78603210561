"""The guarded reader: regular files only, a size cap, symlinks kept inside the folder; walks that end."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kpn_contract.files import MAX_FILE_BYTES, RefusedInputError, read_guarded, walk_files

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


def test_a_regular_file_inside_its_folder_is_read(tmp_path: Path) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(b"openapi: 3.0.3\n")
    assert read_guarded(file) == b"openapi: 3.0.3\n"
    assert read_guarded(file, root=tmp_path) == b"openapi: 3.0.3\n"


def test_a_file_over_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_bytes(b"x" * 101)
    assert read_guarded(file, limit=101) == b"x" * 101
    with pytest.raises(RefusedInputError, match=r"^is 101 bytes or more; the limit is 100 bytes$"):
        read_guarded(file, limit=100)


def test_a_sparse_huge_file_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "huge.yaml"
    with file.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    with pytest.raises(RefusedInputError, match="the limit is 33,554,432 bytes"):
        read_guarded(file)


@posix_only
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    with pytest.raises(RefusedInputError, match=r"^is a FIFO \(named pipe\); only regular files are read$"):
        read_guarded(pipe)


@posix_only
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_even_inside_the_folder_given() -> None:
    with pytest.raises(RefusedInputError, match=r"^is a character device; only regular files are read$"):
        read_guarded("/dev/zero", root="/dev")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sub.yaml").mkdir()
    with pytest.raises(RefusedInputError, match="is a folder"):
        read_guarded(tmp_path / "sub.yaml")


@posix_only
def test_a_symlink_leading_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("secret: do-not-read\n")
    folder = tmp_path / "cassettes"
    folder.mkdir()
    (folder / "linked.yaml").symlink_to(outside)
    (folder / "zero.yaml").symlink_to("/dev/zero")
    for name in ("linked.yaml", "zero.yaml"):
        with pytest.raises(
            RefusedInputError, match=r"is a symlink that leads outside .*cassettes \(the folder"
        ):
            read_guarded(folder / name)
    # The same file, named through a folder that holds it, is read.
    assert read_guarded(folder / "linked.yaml", root=tmp_path) == b"secret: do-not-read\n"


@posix_only
def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "alias.yaml").symlink_to("real.yaml")
    assert read_guarded(tmp_path / "alias.yaml") == b"a: 1\n"


def test_a_path_escaping_the_folder_given_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("a: 1\n")
    folder = tmp_path / "specs"
    folder.mkdir()
    with pytest.raises(RefusedInputError, match=r"^is outside .*specs \(the folder given\); not read$"):
        read_guarded(folder / ".." / "outside.yaml", root=folder)


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_guarded(tmp_path / "missing.yaml")


@posix_only
def test_a_walk_ends_on_symlinks_back_to_the_folder_and_lists_special_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.yaml").write_text("")
    (tmp_path / "one.yaml").write_text("")
    (tmp_path / "self").symlink_to(".")
    (tmp_path / "b" / "up").symlink_to("..")
    (tmp_path / "loop.yaml").symlink_to(".")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("")
    found = walk_files(
        tmp_path, keep_dir=lambda n: not n.startswith("."), keep_file=lambda n: n.endswith(".yaml")
    )
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "b/two.yaml",
        "loop.yaml",
        "one.yaml",
        "pipe.yaml",
    ]
    with pytest.raises(RefusedInputError, match="is a folder"):
        read_guarded(tmp_path / "loop.yaml")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")
def test_a_file_that_claims_size_zero_is_read_to_its_end_within_the_limit() -> None:
    assert Path("/proc/self/status").stat().st_size == 0
    assert b"VmHWM" in read_guarded("/proc/self/status", root="/proc")
    with pytest.raises(RefusedInputError, match="the limit is 10 bytes"):
        read_guarded("/proc/self/status", root="/proc", limit=10)
