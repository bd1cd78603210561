"""Loading specifications leniently: the public loader API, and the names other modules import.

:func:`load_spec` reads Swagger 2.0, OpenAPI 3.0.x and OpenAPI 3.1 (YAML or JSON) into the
format-neutral model of :mod:`kpn_contract.contract.model`. The work is split along its seams:

* :mod:`kpn_contract.contract._document` reads a file and detects its format;
* :mod:`kpn_contract.contract._schema` resolves ``$ref`` and converts schemas to JSON Schema 2020-12;
* :mod:`kpn_contract.contract._operations` reads operations, servers and security schemes;
* :mod:`kpn_contract.contract.index` holds :class:`SpecIndex`, the one operation lookup
  (re-exported here, so ``from kpn_contract.contract.specs import SpecIndex`` keeps working).

Published definitions are messy, so problems that still leave a usable spec become
:class:`~kpn_contract.contract.model.SpecWarning` (file + JSON pointer) and loading continues.
:class:`~kpn_contract.errors.SpecError` is raised only when a file cannot be read as a spec at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import msgspec

from kpn_contract.config.parsed_cache import CacheForm
from kpn_contract.contract._callbacks import read_webhooks
from kpn_contract.contract._document import detect_format, read_definition
from kpn_contract.contract._operations import HTTP_METHODS, SpecReader
from kpn_contract.contract.index import SpecIndex
from kpn_contract.contract.leniency import LENIENCIES, Leniency, operation_leniencies, read_leniently
from kpn_contract.contract.model import Spec
from kpn_contract.errors import SpecError
from kpn_contract.files import walk_files

__all__ = [
    "HTTP_METHODS",
    "RULES_FILE_NAME",
    "SKIPPED_FOLDERS",
    "SPEC_SUFFIXES",
    "SpecIndex",
    "bundled_spec_dir",
    "describe_specs",
    "lenient_document",
    "load_spec",
    "load_specs",
    "project_index",
    "spec_files",
]

SPEC_SUFFIXES = (".yml", ".yaml", ".json")
# The response-code rule table lives next to the specs but is not one; directory expansion skips it.
RULES_FILE_NAME = "rules.yaml"
# Folders inside a spec folder that hold other YAML (specs/kpn-things/migrations: beta-to-new maps).
SKIPPED_FOLDERS = frozenset({"migrations"})
# The JSON Schema dialects an OpenAPI 3.1 document may declare that the validator (2020-12) implements.
_DIALECTS_2020_12 = frozenset(
    {"https://json-schema.org/draft/2020-12/schema", "https://spec.openapis.org/oas/3.1/dialect/base"}
)


def load_spec(path: str | Path, *, folder: str | Path | None = None) -> Spec:
    """Load one definition file (Swagger 2.0, OpenAPI 3.0 or 3.1; YAML or JSON) leniently.

    ``folder`` is the folder given (a spec folder); by default the file's own. The file and every
    ``$ref`` target are read by the guarded reader inside it (:mod:`kpn_contract.files`).

    Raises :class:`~kpn_contract.errors.SpecError` only when the file cannot be read as a spec at
    all (missing, not YAML/JSON, not a mapping, unknown version, refused by the guarded reader, a
    ``$ref`` leaving the folder); every other problem is a warning.
    """
    file = Path(path)
    name = str(file)
    within = Path(folder) if folder is not None else None
    root, repaired = lenient_document(file, folder=within)
    fmt = detect_format(root, name)
    loader = SpecReader(file, root, fmt, folder=within)
    for leniency in repaired:
        loader.warn(leniency.pointer, leniency.message())
    try:
        operations = loader.operations()
        schemes = loader.security_schemes()
        servers = loader.servers()
        webhooks = read_webhooks(loader)
    except RecursionError:
        raise SpecError("definition nested too deeply to read", path=name) from None
    dialect = root.get("jsonSchemaDialect")
    if fmt == "openapi-3.1" and dialect is not None and dialect not in _DIALECTS_2020_12:
        loader.warn(
            "/jsonSchemaDialect", f"dialect {dialect!r} is not read; schemas are validated as 2020-12"
        )
    info = root.get("info")
    if not isinstance(info, dict):
        loader.warn("/info", "no 'info' object; title taken from the file name")
        info = {}
    version = info.get("version")
    family = root.get("x-kpn-family") or info.get("x-kpn-family")
    return Spec(
        path=name,
        title=loader.title(),
        version=str(version) if version is not None else "",
        format=fmt,
        servers=servers,
        operations=operations,
        security_schemes=schemes,
        warnings=loader.warnings,
        family=str(family) if family else None,
        raw=root,
        webhooks=webhooks,
    )


def lenient_document(path: Path, *, folder: Path | None = None) -> tuple[dict[str, Any], list[Leniency]]:
    """The definition at ``path`` as the toolkit reads it (:func:`read_leniently`) and the repairs made.

    The result is kept in the parsed-file cache, keyed by the file's bytes and the loader's code: the
    leniency pass was half of what loading a definition cost once its YAML was cached, and every
    pytest run, emulator and ``kpn-contract`` command loads all of them.
    """
    prepare = functools.partial(_read_leniently, str(path))
    return read_definition(path, root=folder, prepare=prepare, form=_LENIENT)


def _read_leniently(name: str, document: Any) -> tuple[dict[str, Any], list[Leniency]]:
    if not isinstance(document, dict):
        raise SpecError(
            f"top level is a {type(document).__name__}, not a mapping: not an API definition", path=name
        )
    detect_format(document, name)  # an unknown version is refused before any repair
    return read_leniently(document, owned=True)  # parsed for this read alone


def _leniency(name: str, pointer: str, defect: str, operation: str | None) -> Leniency:
    if name not in LENIENCIES:  # an entry written by other code: rebuilt, not trusted
        raise KeyError(name)
    return Leniency(name, pointer, defect, operation)


_LENIENT: Final[CacheForm[tuple[dict[str, Any], list[Leniency]]]] = CacheForm(
    "spec-lenient",  # "spec-": definitions, which audit does not scan (as it does not scan specs/)
    to_data=lambda read: [read[0], [[x.name, x.pointer, x.defect, x.operation] for x in read[1]]],
    from_data=lambda data: (data[0], [_leniency(*item) for item in data[1]]),
    decoder=msgspec.msgpack.Decoder(tuple[dict[str, Any], list[tuple[str, str, str, str | None]]]),
    outside=True,
    code=("kpn_contract.contract", "kpn_contract.files"),
)


def spec_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories, recursively, to their spec files (``*.yml``, ``*.yaml``, ``*.json``).

    Within a directory the files come sorted by their path below it. Skipped: ``rules.yaml`` (the
    response-code rule table), and folders named ``migrations`` (migration maps, not API definitions)
    or starting with ``_`` or ``.`` (tools, hidden folders). A file named explicitly is always taken.
    Symlinked folders are not entered (a link back to the folder would never end); a symlink or
    special file named like a spec is listed, and the guarded reader refuses it unless it is a
    regular file inside the folder.
    """
    return [file for file, _folder in _spec_entries(paths)]


def _spec_entries(paths: Iterable[str | Path]) -> list[tuple[Path, Path | None]]:
    """Each spec file with the folder given that holds it (None for a file named explicitly)."""
    entries: list[tuple[Path, Path | None]] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            below = walk_files(
                path,
                keep_dir=lambda name: name not in SKIPPED_FOLDERS and not name.startswith(("_", ".")),
                keep_file=lambda name: name.lower().endswith(SPEC_SUFFIXES) and name != RULES_FILE_NAME,
            )
            entries.extend((file, path) for file in below)
        else:
            entries.append((path, None))
    return entries


def load_specs(paths: Iterable[str | Path]) -> list[Spec]:
    """Load every file named in ``paths``; directories expand as in :func:`spec_files`."""
    return [load_spec(file, folder=folder) for file, folder in _spec_entries(paths)]


def describe_specs(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """One summary per spec file, for ``kpn-contract specs``; raises SpecError for an unreadable file.

    Each is ``{"path", "title", "version", "format", "base_urls", "operations", "warnings",
    "leniencies", "scopes"}``: ``base_urls`` the spec's servers (what a client's base URL is), the
    warnings (named published defects among them, ``[name] ...``) and the per-operation leniencies of
    :mod:`kpn_contract.contract.leniency` as ``"file#pointer: message"``, and ``scopes`` mapping
    every operation (``"METHOD /path"``, in spec order) to the scopes its security requirements name
    (:attr:`~kpn_contract.contract.model.Operation.scopes`; ``[]`` when none).
    """
    result = []
    for file, folder in _spec_entries(paths):
        spec = load_spec(file, folder=folder)
        result.append(
            {
                "path": spec.path,
                "title": spec.title,
                "version": spec.version,
                "format": spec.format,
                "base_urls": list(spec.servers),
                "operations": len(spec.operations),
                "warnings": [str(w) for w in spec.warnings],
                # What the toolkit answers for where an operation declares no error status.
                "leniencies": [
                    f"{spec.path}#{item.pointer}: {item.message()}"
                    for item in operation_leniencies(spec.operations, swagger=spec.format == "swagger-2.0")
                ],
                "scopes": {op.key: list(op.scopes) for op in spec.operations},
            }
        )
    return result


def reached_by(base_url: str, described: Iterable[dict[str, Any]]) -> list[str]:
    """The titles of the specs (from :func:`describe_specs`) a client with ``base_url`` reaches.

    A spec is reached when one of its servers is ``base_url`` or lies below it: the API Store
    gateway's host reaches every product under ``/communication/...``.
    """
    base = base_url.rstrip("/")
    return [
        str(spec["title"])
        for spec in described
        if any(url.rstrip("/") == base or url.startswith(base + "/") for url in spec["base_urls"])
    ]


def bundled_spec_dir() -> Path:
    """The toolkit's own ``specs/``: the repository folder, or the copy packaged into the wheel."""
    import kpn_contract

    package = Path(kpn_contract.__file__).resolve().parent
    repo_specs = package.parent / "specs"
    if repo_specs.is_dir():
        return repo_specs
    return package / "_specs"


@functools.cache
def _cached_index(spec_dir: Path) -> SpecIndex:
    return SpecIndex(load_specs([spec_dir]))


def project_index(spec_dir: Path | None = None) -> SpecIndex:
    """The index of every spec in ``spec_dir`` (default: :func:`bundled_spec_dir`), built once per folder."""
    return _cached_index(Path(spec_dir or bundled_spec_dir()).resolve())
