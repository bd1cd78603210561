"""Cassette file names from pytest node ids: readable, portable and bounded in length."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from kpn_contract.errors import UsageError
from kpn_contract.secrets import redact_secrets

__all__ = ["MAX_NAME_LENGTH", "OUTSIDE_ROOTDIR", "cassette_path", "sanitise"]

MAX_NAME_LENGTH = 100
OUTSIDE_ROOTDIR = "outside-rootdir"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_HASH_LENGTH = 10
_TEST_ROOTS = frozenset({"tests", "test", "testing"})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def sanitise(name: str, *, limit: int = MAX_NAME_LENGTH) -> str:
    """``name`` reduced to ``[A-Za-z0-9._-]`` and at most ``limit`` characters.

    When characters had to be replaced or the name cut, a short stable hash of the original is
    appended, so two different names never share a file. A registered secret in any form (a
    parametrize ID made from a credential) is replaced by ``REDACTED`` first, so it never reaches
    a file name; the hash is then of the redacted name, so it says nothing about the secret either
    (two IDs that differ only by a secret share a cassette: the plugin warns about such IDs).
    """
    redacted = redact_secrets(name)
    if redacted != name:
        return _hashed(_UNSAFE.sub("-", redacted).strip("-."), redacted, limit)
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    lossy = _UNSAFE.search(name) is not None
    if len(cleaned) > limit or (lossy and not _only_brackets(name)) or not cleaned:
        cleaned = _hashed(cleaned, name, limit)
    return cleaned


def _hashed(cleaned: str, original: str, limit: int) -> str:
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    keep = max(limit - _HASH_LENGTH - 1, 1)
    return f"{cleaned[:keep].rstrip('-.')}-{_digest(original)}".lstrip("-")


def _only_brackets(name: str) -> bool:
    # "test_list[page-2]" -> "test_list-page-2" loses nothing worth a hash: only the brackets go.
    return _UNSAFE.search(name.replace("[", "-").replace("]", "")) is None and name.count("[") <= 1


def _marker_path(root: Path, marker_name: object) -> Path:
    if not isinstance(marker_name, str):
        raise UsageError(f"cassette name must be a string, got {type(marker_name).__name__}")
    shared = PurePosixPath(marker_name.replace("\\", "/"))
    parts = [part for part in shared.parts if part != "."]
    if shared.is_absolute() or ".." in parts or not parts or not marker_name.strip():
        raise UsageError(
            f"cassette name {marker_name!r} must name a file: a relative name without '..' "
            "(e.g. kpn(cassette='things/shared'))"
        )
    cleaned = [sanitise(part) for part in parts]
    if not cleaned[-1].endswith((".yaml", ".yml")):
        cleaned[-1] = f"{cleaned[-1]}.yaml"
    return root.joinpath(*cleaned)


def _module_folders(module: str, test_file: str | os.PathLike[str] | None) -> list[str]:
    module_path = PurePosixPath(module.replace("\\", "/"))
    parts = [part for part in module_path.parts if part not in ("", ".")]
    if not parts or module_path.is_absolute() or ".." in parts or ":" in parts[0]:
        # A test file outside the rootdir has no rootdir-relative node id (pytest gives "::test_x"
        # or an absolute path); its cassettes go under one fixed folder, named by the file's stem, so
        # they do not depend on where the file sits on this machine.
        stem = PurePosixPath(Path(test_file).name).stem if test_file else ""
        stem = stem or (PurePosixPath(parts[-1]).stem if parts else "") or "tests"
        return [OUTSIDE_ROOTDIR, sanitise(stem)]
    parts[-1] = PurePosixPath(parts[-1]).stem
    if len(parts) > 1 and parts[0] in _TEST_ROOTS:
        parts = parts[1:]
    return [sanitise(part) for part in parts]


def _relative_to(test_file: str | os.PathLike[str] | None, base: str | os.PathLike[str] | None) -> str | None:
    if test_file is None or base is None:
        return None
    try:
        return Path(test_file).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:  # outside the config's folder: the rootdir-relative node id decides
        return None


def cassette_path(
    cassette_dir: str | os.PathLike[str],
    nodeid: str,
    marker_name: object = None,
    *,
    test_file: str | os.PathLike[str] | None = None,
    base: str | os.PathLike[str] | None = None,
) -> Path:
    """Where the cassette of test ``nodeid`` lives under ``cassette_dir``.

    ``tests/contract/test_things.py::test_list[page-2]`` becomes
    ``contract/test_things/test_list-page-2.yaml`` (the node id is the test's path relative to the
    rootdir; a leading ``tests/`` is dropped; a class adds ``Class.``). A test file outside the
    rootdir (``test_file`` names it) gets ``outside-rootdir/<file stem>/``. ``marker_name`` (from the
    marker) names a cassette shared by several tests; it may contain ``/`` for a sub-folder, but
    never ``..`` or an absolute path. A registered secret in either name never reaches the file name.

    ``base`` (the folder of the config file) anchors the names: a test file under it is named by
    its path relative to ``base`` rather than to pytest's rootdir, so the same cassette is found
    whether pytest runs from the project, from ``tests/contract/`` or from the folder above.
    """
    root = Path(cassette_dir)
    if marker_name is not None:
        return _marker_path(root, marker_name)
    module, _, test = nodeid.partition("::")
    if not test:
        raise UsageError(f"node id {nodeid!r} does not name a test (expected 'path/to/test_x.py::test_name')")
    anchored = _relative_to(test_file, base)
    folders = _module_folders(anchored or module, test_file)
    name = sanitise(test.replace("::", "."))
    return root.joinpath(*folders, f"{name}.yaml")
