"""Cassette file names from pytest node ids: readable, portable and bounded in length."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from kpn_contract.errors import UsageError
from kpn_contract.secrets import redact_secrets

__all__ = ["MAX_NAME_LENGTH", "cassette_path", "sanitise"]

MAX_NAME_LENGTH = 100
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


def cassette_path(cassette_dir: str | os.PathLike[str], nodeid: str, marker_name: str | None = None) -> Path:
    """Where the cassette of test ``nodeid`` lives under ``cassette_dir``.

    ``tests/contract/test_things.py::test_list[page-2]`` becomes
    ``contract/test_things/test_list-page-2.yaml`` (a leading ``tests/`` is dropped; a class adds
    ``Class.``). ``marker_name`` (from the marker) names a cassette shared by several tests; it may
    contain ``/`` for a sub-folder, but never ``..`` or an absolute path.
    """
    root = Path(cassette_dir)
    if marker_name is not None:
        shared = PurePosixPath(marker_name.replace("\\", "/"))
        if not marker_name.strip() or shared.is_absolute() or ".." in shared.parts:
            raise UsageError(f"cassette name {marker_name!r} must be a relative name without '..'")
        parts = [sanitise(part) for part in shared.parts]
        last = parts[-1]
        if not last.endswith((".yaml", ".yml")):
            parts[-1] = f"{last}.yaml"
        return root.joinpath(*parts)
    module, _, test = nodeid.partition("::")
    if not test:
        raise UsageError(f"node id {nodeid!r} does not name a test (expected 'path/to/test_x.py::test_name')")
    module_parts = list(PurePosixPath(module.replace("\\", "/")).with_suffix("").parts)
    if len(module_parts) > 1 and module_parts[0] in _TEST_ROOTS:
        module_parts = module_parts[1:]
    folders = [sanitise(part) for part in module_parts if part not in ("", ".", "..")]
    name = sanitise(test.replace("::", "."))
    return root.joinpath(*folders, f"{name}.yaml")
