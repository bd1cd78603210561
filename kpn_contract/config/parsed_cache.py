"""The parsed-file cache: what a cassette or a spec file parses to, kept under the project's cache folder.

Parsing YAML is most of the cost of loading a large cassette or definition (a 3,000-interaction
cassette took longer to load than to replay). The parsed form is kept in the project's
``.kpn-contract-cache/`` folder (beside the config file, so never shared between projects; a
file outside any project is not cached), keyed by a hash of the file's bytes, the kind of parse
and the toolkit's version (and, for a parse that also repairs, a digest of the code that repairs): a
changed file, or another toolkit version, misses. A definition outside any
project (a shared folder of definitions) is cached in the current directory's project; a cassette
outside any project is not cached, so the folder holds only the project's own recordings, which
``audit`` scans (``cassette-*`` entries; ``spec-*`` entries are definitions, not scanned, as specs/
is not). Past
:data:`MAX_ENTRIES` the older half of the entries is dropped.

An entry is never trusted. It is msgpack (msgspec: data only, nothing is executed when it is read,
unlike pickle), it carries a digest of its payload and the key it was written for, and the caller
decodes it into a typed shape. A truncated, corrupt, mismatched or mistyped entry is ignored and
rebuilt from the file. An entry is written only after the file passed every check of the normal
parse, and only when its payload reads back equal to what was parsed (YAML dates, for instance,
would come back as strings, so such a file is simply not cached). It holds exactly what the file
holds: a cassette's entry is as scrubbed as the cassette, and ``kpn-contract audit`` scans the
folder. ``kpn-contract cache clear`` empties it; ``KPN_CONTRACT_CACHE=0`` switches it off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import msgspec

from kpn_contract.config.file import find_config
from kpn_contract.files import RefusedInputError, read_guarded

__all__ = [
    "CACHE_DIR_NAME",
    "CACHE_SUFFIX",
    "CacheForm",
    "cache_dir_for",
    "cached_parse",
    "clear_cache",
    "readable",
]

logger = logging.getLogger(__name__)

CACHE_DIR_NAME: Final = ".kpn-contract-cache"
CACHE_SUFFIX: Final = ".msgpack"
ENV_SWITCH: Final = "KPN_CONTRACT_CACHE"
_MAGIC: Final = b"KPNCACHE1\n"
_DIGEST_BYTES: Final = 32
MAX_ENTRIES: Final = 2000
_IGNORE_ALL: Final = "# kpn_contract's parsed-file cache: never committed\n*\n"

T = TypeVar("T")


@functools.cache  # read from the installed metadata, a few milliseconds a call
def _version() -> str:
    from kpn_contract import __version__

    return __version__


def cache_dir_for(path: Path, *, outside: bool = False) -> Path | None:
    """The cache folder of the project ``path`` belongs to, or None (outside a project, or switched off).

    ``outside``: a file in no project is cached in the current directory's project (definitions in a
    shared folder); cassettes are not, so a project's cache holds only its own recordings.
    """
    if os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    config, root = find_config(path.resolve().parent)
    if config is None and outside:  # a definition outside any project: the current project's
        config, root = find_config(Path.cwd())
    return root / CACHE_DIR_NAME if config is not None else None


@functools.cache  # a few dozen small files, read once per process
def _code_digest(packages: tuple[str, ...]) -> str:
    """A digest of the sources of ``packages``: an editable install changes its code, not its version."""
    digest = hashlib.sha256()
    for package in packages:
        folder = Path(importlib.import_module(package).__file__ or "").parent
        for source in sorted(folder.glob("*.py")):
            digest.update(f"{source.name}\0".encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _key(form: CacheForm[Any], raw: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{form.kind}\0{_version()}\0".encode())
    if form.code:
        digest.update(f"{_code_digest(form.code)}\0".encode())
    digest.update(raw)
    return digest.hexdigest()


def _read(entry: Path, key: str, decoder: msgspec.msgpack.Decoder[Any]) -> tuple[bool, Any]:
    """(True, value) from a sound entry written for ``key``; (False, None) for anything else."""
    try:
        blob = read_guarded(entry)  # a regular file inside the cache folder, under the size cap
    except (OSError, RefusedInputError):
        return False, None
    head = len(_MAGIC) + _DIGEST_BYTES
    if len(blob) <= head or not blob.startswith(_MAGIC):
        return False, None
    payload = blob[head:]
    if hashlib.blake2b(payload, digest_size=_DIGEST_BYTES).digest() != blob[len(_MAGIC) : head]:
        return False, None
    try:
        written_for, value = _ENVELOPE.decode(payload)
        if written_for != key:
            return False, None
        return True, decoder.decode(value)
    except (msgspec.DecodeError, RecursionError, ValueError, TypeError):
        return False, None


_ENVELOPE: Final = msgspec.msgpack.Decoder(tuple[str, msgspec.Raw])


def _write(folder: Path, entry: Path, key: str, value: Any) -> None:
    payload = msgspec.msgpack.encode((key, msgspec.Raw(msgspec.msgpack.encode(value))))
    blob = _MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST_BYTES).digest() + payload
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_IGNORE_ALL, encoding="utf-8")
        # Written beside, then renamed: a reader never sees half an entry (parallel test workers).
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=CACHE_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            Path(temporary).replace(entry)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError as exc:  # a read-only checkout still loads, only without the cache
        logger.debug("parsed-file cache not written (%s): %s", type(exc).__name__, exc)


@dataclass(frozen=True)
class CacheForm(Generic[T]):
    """How one kind of parsed value is kept: ``to_data`` makes msgpack-able data of it (lists, not
    tuples: it must read back equal), ``from_data`` makes it again, and ``decoder`` (typed) checks an
    entry's shape as it is read."""

    kind: str
    to_data: Callable[[T], Any]
    from_data: Callable[[Any], T]
    decoder: msgspec.msgpack.Decoder[Any] | None = None
    outside: bool = False  # see cache_dir_for
    # Packages whose sources make the value (beyond parsing): their digest is part of the key, so that
    # a change to that code misses even where the toolkit's version stays the same (an editable install).
    code: tuple[str, ...] = ()


def _prune(folder: Path) -> None:
    entries = [e for e in os.scandir(folder) if e.name.endswith(CACHE_SUFFIX) and not e.name.startswith(".")]
    if len(entries) > MAX_ENTRIES:
        entries.sort(key=lambda e: e.stat().st_mtime)
        for old in entries[: len(entries) // 2]:
            Path(old.path).unlink(missing_ok=True)


def cached_parse(path: Path, raw: bytes, parse: Callable[[], T], form: CacheForm[T]) -> T:
    """``parse()`` of the file ``path`` whose bytes are ``raw``, from the cache when it holds it.

    ``parse`` raises as it would without a cache: nothing is written for a file that does not parse.
    """
    folder = cache_dir_for(path, outside=form.outside)
    if folder is None:
        return parse()
    key = _key(form, raw)
    entry = folder / f"{form.kind}-{key}{CACHE_SUFFIX}"
    ok, data = _read(entry, key, form.decoder or _ANY)
    if ok:
        try:
            return form.from_data(data)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass  # a mistyped entry: rebuilt below
    value = parse()
    try:
        data = form.to_data(value)
        same = _ANY.decode(msgspec.msgpack.encode(data)) == data
    except (msgspec.MsgspecError, TypeError, ValueError, OverflowError, RecursionError):
        same = False
    if same:
        _write(folder, entry, key, data)
    return value


_ANY: Final = msgspec.msgpack.Decoder()


def readable(blob: bytes) -> str | None:
    """An entry's strings one per line (a header pair as ``name: value``), for ``audit`` to scan as
    it scans a cassette's text; None when ``blob`` is not an entry that can be read."""
    head = len(_MAGIC) + _DIGEST_BYTES
    if not blob.startswith(_MAGIC):
        return None
    try:
        value = _ENVELOPE.decode(blob[head:])[1]
        data = _ANY.decode(value)
    except (msgspec.DecodeError, RecursionError, ValueError, TypeError):
        return None
    lines: list[str] = []
    stack = [data]
    while stack:  # iterative: an entry's depth is not trusted
        node = stack.pop()
        if isinstance(node, bytes):
            lines.append(node.decode("utf-8", "replace"))
        elif isinstance(node, str | int | float | bool) or node is None:
            lines.append(str(node))
        elif isinstance(node, list) and len(node) == 2 and all(isinstance(x, str) for x in node):
            lines.append(f"{node[0]}: {node[1]}")
        elif isinstance(node, dict):
            stack.extend(reversed([item for pair in node.items() for item in pair]))
        elif isinstance(node, list | tuple):
            stack.extend(reversed(node))
    return "\n".join(lines) + "\n"


def clear_cache(root: Path) -> int:
    """Remove every entry of the project at ``root``; how many were removed."""
    folder = root / CACHE_DIR_NAME
    removed = 0
    if not folder.is_dir() or folder.is_symlink():
        return 0
    for entry in folder.iterdir():
        if entry.suffix == CACHE_SUFFIX and entry.is_file() and not entry.is_symlink():
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
