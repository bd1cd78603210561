"""Reading a file that may be hostile: regular files only, a size cap, symlinks kept inside the folder.

Every file the toolkit reads (specs and their ``$ref`` targets, migration maps, cassettes, audit
targets) may come from someone else: a pull request, a downloaded spec, a shared folder. Reading one
must neither hang nor take the machine's memory, nor read outside the folder it was pointed at:

* only regular files: ``/dev/zero`` would be read until memory runs out, and a FIFO would block
  forever. The file is opened with ``O_NONBLOCK`` (a FIFO opens at once, with no writer) and its
  kind is checked on the open descriptor before a byte is read; where there is no ``O_NONBLOCK``
  (Windows) it is checked with ``stat`` before opening;
* at most ``limit`` bytes: the size is checked before reading and the read stops one byte past it
  (a file that grows, or a ``/proc`` file that claims size 0);
* the file's real path (symlinks resolved) must lie inside ``root``, the folder given (by default
  the file's own folder): a symlinked cassette or spec that leads elsewhere is not followed.

Walks (:func:`walk_files`) never enter a symlinked folder, so a folder whose links point back at
itself is walked once; a symlinked *file* is listed, and :func:`read_guarded` decides on it.

The standard library has no such reader (``open`` follows everything and blocks on FIFOs), hence
this module; it is one function so that the parse cache and the parsers sit above it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

__all__ = ["MAX_FILE_BYTES", "RefusedInputError", "read_guarded", "walk_files"]

# Far above any real input (the largest published spec is 1.8 MB, 3,000 interactions are about
# 3 MB), low enough to read and parse in seconds.
MAX_FILE_BYTES: Final = 32 * 1024 * 1024

_NONBLOCK: Final = getattr(os, "O_NONBLOCK", 0)
_FLAGS: Final = os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
_KINDS: Final = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


class RefusedInputError(ValueError):
    """A file or text refused before it is read or built. ``problem`` says which limit, never a value.

    The caller names the file: it raises its own error (``SpecError``, ``CassetteError`` ...) with
    ``path=`` and this problem, so the command line shows one line and exits 2.
    """

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem)


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _check_kind(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise RefusedInputError(f"is {kind}; only regular files are read")


def confine(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    """The real path of ``path``, refused unless it lies inside ``root`` (default: its own folder)."""
    # os.path on strings, not Path objects: this runs for every cassette replayed.
    file = os.path.abspath(path)  # noqa: PTH100 - no symlink resolved here, unlike Path.resolve
    folder = os.path.abspath(root) if root is not None else os.path.dirname(file)  # noqa: PTH100, PTH120
    real = os.path.realpath(file)
    if not _inside(real, os.path.realpath(folder)):
        if _inside(file, folder):
            raise RefusedInputError(
                f"is a symlink that leads outside {folder} (the folder given); not followed"
            )
        raise RefusedInputError(f"is outside {folder} (the folder given); not read")
    return real


def read_guarded(
    path: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
    limit: int = MAX_FILE_BYTES,
) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes inside ``root``.

    ``root`` is the folder given (a spec folder, the cassette directory, the project); by default
    the file's own folder. Raises :class:`RefusedInputError` for a file outside it (through a symlink or
    not), a device, FIFO, socket or folder, or a file over ``limit``; ``OSError`` as ``open`` would.
    """
    real = confine(path, root)
    if not _NONBLOCK:  # no O_NONBLOCK (Windows): decide on the kind before opening
        _check_kind(os.stat(real).st_mode)  # noqa: PTH116 - real is a string
    # O_NOFOLLOW: the real path has no symlink left; one planted since is not followed either.
    fd = os.open(real, _FLAGS | getattr(os, "O_NOFOLLOW", 0))
    try:
        size = _check_open(fd, limit)  # before fdopen: it raises its own error on a folder
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        # Read what stat announced (a read of `limit` bytes would allocate all of them each time).
        chunks = [handle.read(size + 1)]
        total = len(chunks[0])
        while total > size and total <= limit:  # it grew, or claimed size 0 (/proc): read on
            chunk = handle.read(min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > limit:
        raise RefusedInputError(_too_large(total, limit))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check_open(fd: int, limit: int) -> int:
    """The size of the open regular file ``fd``; refused if it is no regular file or over ``limit``."""
    info = os.fstat(fd)
    _check_kind(info.st_mode)
    if info.st_size > limit:
        raise RefusedInputError(_too_large(info.st_size, limit))
    return info.st_size


def _too_large(size: int, limit: int) -> str:
    return f"is {size:,} bytes or more; the limit is {limit:,} bytes"


def walk_files(
    folder: str | os.PathLike[str],
    *,
    keep_dir: Callable[[str], bool] = lambda _name: True,
    keep_file: Callable[[str], bool] = lambda _name: True,
) -> Iterator[Path]:
    """The files below ``folder`` whose names ``keep_file`` accepts, sorted by their path below it.

    Folders whose names ``keep_dir`` refuses are skipped. A symlinked folder is never entered, nor
    a folder already walked (a Windows junction back up), so the walk ends. No entry is opened:
    symlinks, FIFOs and devices are listed like files, for :func:`read_guarded` to refuse with a
    line naming them.
    """
    top = Path(folder)
    found: list[tuple[tuple[str, ...], Path]] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(top, ())]
    seen: set[tuple[int, int]] = set()  # (device, inode): a junction or bind mount back is entered once
    while pending:
        directory, parts = pending.pop()
        info = directory.stat()
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if keep_dir(entry.name):
                        pending.append((Path(entry.path), (*parts, entry.name)))
                elif keep_file(entry.name):
                    found.append(((*parts, entry.name), Path(entry.path)))
    found.sort(key=lambda item: item[0])
    return iter([path for _parts, path in found])
