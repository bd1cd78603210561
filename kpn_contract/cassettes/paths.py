"""Where cassette writes may go (inside the cassette directory, never through a symbolic link), and
how they are made (atomically, under a lock).

A symbolic link planted inside the cassette directory (``cassettes/contract -> /elsewhere``, or
``cassettes/.locks -> /elsewhere``) would otherwise carry recordings, temp files or lock files out of
it. :func:`safe_destination` walks the path from the cassette directory down, refusing any link on
the way and the file itself when it is one. The cassette directory itself may be a link: that is
the user's own choice, made outside the tree being written.

Locks are :mod:`filelock` locks (portable: ``flock`` on POSIX, ``msvcrt`` on Windows), kept in one
ignored folder, ``<cassette_dir>/.locks/``, so no lock file is left beside a cassette, and each is
removed after use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from kpn_contract.errors import CassetteError

__all__ = [
    "LOCK_DIR_NAME",
    "cassette_lock",
    "is_link",
    "lock_file",
    "replace_file",
    "safe_destination",
    "write_atomically",
]

LOCK_DIR_NAME: Final = ".locks"
_LOCK_GITIGNORE: Final = "# kpn_contract's cassette lock files: never commit them\n*\n"


_WINDOWS: Final = os.name == "nt"
_IO_REPARSE_TAG_MOUNT_POINT: Final = 0xA0000003  # a junction (winnt.h); stat exports it on Windows only
# How long replace_file keeps trying while another process holds the cassette open (Windows only).
_REPLACE_DELAYS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8)


def is_link(path: Path) -> bool:
    """Whether ``path`` is a symbolic link or a Windows junction (both redirect a write elsewhere).

    ``Path.is_symlink()`` misses junctions, and ``os.path.isjunction`` arrived in Python 3.12; before
    it, a junction is a directory whose reparse tag is IO_REPARSE_TAG_MOUNT_POINT.
    """
    if path.is_symlink():
        return True
    isjunction = getattr(os.path, "isjunction", None)
    if isjunction is not None:
        return bool(isjunction(path))
    if not _WINDOWS:
        return False
    try:
        return getattr(os.lstat(path), "st_reparse_tag", 0) == _IO_REPARSE_TAG_MOUNT_POINT
    except OSError:
        return False


def replace_file(source: Path, destination: Path) -> None:
    """``os.replace``, retried briefly on Windows while a reader (an editor, a virus scanner, another
    worker replaying) holds ``destination`` open, which Windows refuses with PermissionError.

    A loop rather than the retry policy of ``transport/retry.py``, which is about HTTP. POSIX never
    refuses for an open file, so a PermissionError there is real and is raised at once.
    """
    for delay in (*_REPLACE_DELAYS, None) if _WINDOWS else (None,):
        try:
            source.replace(destination)
        except PermissionError:
            if delay is None:
                raise
            time.sleep(delay)
        else:
            return


def _refuse_link(link: Path, shown: str) -> CassetteError:
    return CassetteError(
        f"refused to write through the symbolic link {link}: recordings stay inside the cassette directory",
        path=shown,
    )


def _lexical(path: str | os.PathLike[str]) -> Path:
    # Absolute and normalised without resolving links: the links are what is being checked.
    return Path(os.path.abspath(path))  # noqa: PTH100 - Path.resolve() would follow the links


def _base_dir(path: Path, root: str | os.PathLike[str] | None) -> Path:
    """The cassette directory of ``path``: ``root`` when ``path`` lies under it, else the file's folder."""
    if root is not None:
        base = _lexical(root)
        if _lexical(path).is_relative_to(base):
            return base
    return _lexical(path.parent)


def _checked_dir(directory: Path, shown: str) -> None:
    if is_link(directory):
        raise _refuse_link(directory, shown)
    try:
        directory.mkdir()
    except FileExistsError:
        if not directory.is_dir():
            raise CassetteError(f"{directory} is in the way: not a directory", path=shown) from None


def safe_destination(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """The real path to write cassette ``path`` to, its folders created, with no link on the way.

    ``root`` is the cassette directory; folders from it down to the file are checked (and created).
    A ``path`` outside ``root`` is checked from its own folder. Raises :class:`CassetteError`
    (one line, naming the cassette) for a link or a non-directory in the way.
    """
    target = Path(path)
    shown = str(target)
    base = _base_dir(target, root)
    relative = _lexical(target).relative_to(base)
    if not relative.parts:
        raise CassetteError("names the cassette directory itself, not a cassette file", path=shown)
    current = Path(os.path.realpath(base))
    current.mkdir(parents=True, exist_ok=True)
    for part in relative.parts[:-1]:
        current = current / part
        _checked_dir(current, shown)
    final = current / relative.parts[-1]
    if is_link(final):
        raise _refuse_link(final, shown)
    return final


def lock_file(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """The lock file of cassette ``path``: ``<cassette_dir>/.locks/<name>.<hash>.lock``.

    The hash of the cassette's path relative to the cassette directory keeps two cassettes of the
    same name in different folders apart. The folder gets a ``.gitignore`` that ignores everything.
    """
    target = Path(path)
    shown = str(target)
    base = _base_dir(target, root)
    relative = _lexical(target).relative_to(base).as_posix()
    real_base = Path(os.path.realpath(base))
    real_base.mkdir(parents=True, exist_ok=True)
    locks = real_base / LOCK_DIR_NAME
    _checked_dir(locks, shown)
    ignore = locks / ".gitignore"
    # "x" opens with O_EXCL, which never follows a link: a planted .gitignore link stays untouched.
    if not os.path.lexists(ignore):  # most writes find it there: skip the failing exclusive open
        with contextlib.suppress(FileExistsError), ignore.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(_LOCK_GITIGNORE)
    digest = hashlib.sha256(relative.encode("utf-8")).hexdigest()[:12]
    lock = locks / f"{target.name}.{digest}.lock"
    if is_link(lock):
        raise _refuse_link(lock, shown)
    return lock


@contextlib.contextmanager
def cassette_lock(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Hold an exclusive, cross-process lock for cassette ``path`` (a :mod:`filelock` lock file).

    Parallel xdist workers that record into the same cassette take turns: read, merge and write
    happen under this lock.
    """
    from filelock import FileLock  # imported here: reading and replaying cassettes need no lock

    # filelock opens the lock file with O_NOFOLLOW where the platform has it; lock_file has also
    # refused a link already, so a planted .lock link cannot make a file appear at its target.
    lock = lock_file(path, root)
    with FileLock(lock):
        try:
            yield
        finally:
            # Removed while still held, so no lock file piles up. A waiter that opened this one
            # gets it unlinked (filelock checks st_nlink after flock) and opens a fresh one; on
            # Windows an open file cannot be removed, and filelock removes it on release there.
            with contextlib.suppress(OSError):
                lock.unlink()


def write_atomically(path: Path, data: bytes, *, root: str | os.PathLike[str] | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    A temp file in the same directory, fsync, then ``os.replace``; an interruption leaves the old file.
    ``root`` is the cassette directory: no symbolic link below it is followed (:func:`safe_destination`).
    """
    destination = safe_destination(path, root)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)  # mkstemp creates 0600; cassettes are ordinary project files
        replace_file(tmp, destination)  # replaces a link planted meanwhile rather than following it
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the platform allows
        dir_fd = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
