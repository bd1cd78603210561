"""Cassette files: vcrpy's YAML format, loaded safely, written atomically.

A cassette is a real vcrpy cassette (``{"interactions": [{"request": …, "response": …}], "version": 1}``),
so stock vcrpy can replay it. kpn_contract adds one top-level key, ``kpn_contract:``, holding the
metadata (when, against which target, with which profiles, toolkit version and spec versions);
vcrpy ignores keys it does not know.

Loading uses PyYAML's *safe* loader only. vcrpy advisory GHSA-rpj2-4hq8-938g: a full loader
executes ``!!python/object/apply`` tags, so a planted cassette could run code. Anchors and aliases,
files over ``MAX_CASSETTE_BYTES`` and nesting over ``MAX_NESTING_DEPTH`` are refused too
(``safe_yaml.py``: an alias bomb would otherwise expand on load). Writing uses the matching safe
dumper, so nothing is written that the loader would refuse.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.representer import SafeRepresenter

from kpn_contract.cassettes._cached_form import FORM
from kpn_contract.cassettes.interaction import Headers, Interaction
from kpn_contract.cassettes.paths import cassette_lock, write_atomically
from kpn_contract.cassettes.safe_yaml import (
    MAX_CASSETTE_BYTES,
    MAX_NESTING_DEPTH,
    HostileYAMLError,
    load_untrusted,
)
from kpn_contract.config.parsed_cache import cached_parse
from kpn_contract.errors import CassetteError
from kpn_contract.files import RefusedInputError, read_guarded, walk_files

__all__ = [
    "CASSETTE_FORMAT_VERSION",
    "MAX_CASSETTE_BYTES",
    "MAX_NESTING_DEPTH",
    "META_KEY",
    "Cassette",
    "Headers",
    "Interaction",
    "cassette_lock",
    "dump_cassette",
    "iter_cassettes",
    "load_cassette",
    "save_cassette",
    "write_atomically",
]

# vcrpy's own format version (vcr.serialize.CASSETTE_FORMAT_VERSION); not imported so that reading
# a cassette does not import vcrpy.
CASSETTE_FORMAT_VERSION = 1
META_KEY = "kpn_contract"
CASSETTE_SUFFIXES = (".yaml", ".yml")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Cassette:
    """A cassette file's content: its interactions in recorded order and the kpn_contract metadata."""

    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- loading


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """Read and check one cassette. Every failure is a :class:`CassetteError` naming the file.

    Corrupt YAML and unsafe tags name the line; a wrong structure names the field (and its line).
    """
    cassette_path = Path(path)
    where = str(cassette_path)
    try:
        # Regular files only, refused unread over the size cap, no symlink out of the cassette's folder.
        raw = read_guarded(cassette_path, limit=MAX_CASSETTE_BYTES)
    except RefusedInputError as exc:
        raise CassetteError(exc.problem, path=where) from None
    except FileNotFoundError:
        raise CassetteError("cassette does not exist", path=where) from None
    except OSError as exc:
        raise CassetteError(f"cannot read cassette: {exc.strerror or exc}", path=where) from None
    interactions, meta = cached_parse(cassette_path, raw, lambda: _parse(raw, where), FORM)
    return Cassette(path=cassette_path, interactions=interactions, meta=meta)


def _parse(raw: bytes, where: str) -> tuple[list[Interaction], dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CassetteError("not UTF-8 text", path=where, line=line) from None
    data = _parse_yaml(text, where)
    try:
        return _from_data(data)
    except _FieldError as exc:
        raise CassetteError(
            f"field {exc.field!r}: {exc.problem}", path=where, line=_line_of(text, exc.keys)
        ) from None


def _parse_yaml(text: str, where: str) -> Any:
    try:
        return load_untrusted(text)
    except HostileYAMLError as exc:
        raise CassetteError(exc.problem, path=where, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        problem = exc.problem or "unknown tag"
        raise CassetteError(
            f"unsafe or unknown YAML tag refused ({problem}); cassettes are loaded with a safe loader "
            "only (vcrpy advisory GHSA-rpj2-4hq8-938g)",
            path=where,
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise CassetteError(
            f"corrupt YAML: {problem}", path=where, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        # Reader errors (control characters) carry a position but no mark.
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise CassetteError(f"corrupt YAML: {type(exc).__name__}", path=where, line=line) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # The safe constructors raise these for out-of-range timestamps, deep nesting and the like.
        raise CassetteError(f"corrupt YAML: {type(exc).__name__}", path=where) from None


class _FieldError(Exception):
    def __init__(self, keys: Sequence[str | int], problem: str) -> None:
        self.keys = tuple(keys)
        self.problem = problem
        self.field = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".") or "<top>"
        super().__init__(problem)


def _describe(value: Any) -> str:
    return type(value).__name__ if value is not None else "nothing"


def _from_data(data: Any) -> tuple[list[Interaction], dict[str, Any]]:
    if not isinstance(data, dict):
        raise _FieldError((), f"expected a mapping with 'interactions' and 'version', got {_describe(data)}")
    if "version" not in data:
        raise _FieldError(("version",), "missing")
    version = data["version"]
    if version != CASSETTE_FORMAT_VERSION or isinstance(version, bool):
        raise _FieldError(
            ("version",),
            f"unsupported cassette format version {version!r} (expected {CASSETTE_FORMAT_VERSION})",
        )
    raw_interactions = data.get("interactions")
    if not isinstance(raw_interactions, list):
        raise _FieldError(("interactions",), f"expected a list, got {_describe(raw_interactions)}")
    meta = data.get(META_KEY, {})
    if not isinstance(meta, dict):
        raise _FieldError((META_KEY,), f"expected a mapping, got {_describe(meta)}")
    interactions = [_interaction(item, index) for index, item in enumerate(raw_interactions)]
    return interactions, meta


def _mapping(value: Any, keys: tuple[str | int, ...]) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _FieldError(keys, f"expected a mapping, got {_describe(value)}")
    return value


def _string(value: Any, keys: tuple[str | int, ...]) -> str:
    if not isinstance(value, str):
        raise _FieldError(keys, f"expected a string, got {_describe(value)}")
    return value


def _body(value: Any, keys: tuple[str | int, ...]) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:
            raise _FieldError(keys, "the body holds characters that are not valid UTF-8") from None
    raise _FieldError(keys, f"expected a string or binary body, got {_describe(value)}")


def _headers(value: Any, keys: tuple[str | int, ...]) -> Headers:
    if value is None:
        return ()
    mapping = _mapping(value, keys)
    pairs: list[tuple[str, str]] = []
    for name, values in mapping.items():
        name_keys = (*keys, str(name))
        if not isinstance(name, str):
            raise _FieldError(keys, f"header name {name!r} is not a string")
        # vcrpy writes a list per header; hand-edited cassettes sometimes hold a plain string.
        for item in values if isinstance(values, list) else [values]:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise _FieldError(name_keys, f"expected a string header value, got {_describe(item)}")
            pairs.append((name, str(item)))
    return tuple(pairs)


def _interaction(item: Any, index: int) -> Interaction:
    at: tuple[str | int, ...] = ("interactions", index)
    entry = _mapping(item, at)
    request = _mapping(entry.get("request"), (*at, "request"))
    response = _mapping(entry.get("response"), (*at, "response"))
    status = _mapping(response.get("status"), (*at, "response", "status"))
    code = status.get("code")
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 999:
        raise _FieldError((*at, "response", "status", "code"), f"expected an HTTP status code, got {code!r}")
    message = status.get("message") or ""
    body = _mapping(response.get("body"), (*at, "response", "body"))
    return Interaction(
        method=_string(request.get("method"), (*at, "request", "method")).upper(),
        uri=_string(request.get("uri"), (*at, "request", "uri")),
        request_headers=_headers(request.get("headers"), (*at, "request", "headers")),
        request_body=_body(request.get("body"), (*at, "request", "body")),
        status=code,
        reason=_string(message, (*at, "response", "status", "message")),
        response_headers=_headers(response.get("headers"), (*at, "response", "headers")),
        response_body=_body(body.get("string"), (*at, "response", "body", "string")),
    )


def _line_of(text: str, keys: Sequence[str | int]) -> int | None:
    """The 1-based line of the node at ``keys`` (or its deepest existing parent); only on the error path."""
    try:
        node = yaml.compose(text, Loader=_Loader)  # nodes only, never objects
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if node is None:
        return None
    for key in keys:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


# --------------------------------------------------------------------------- saving


_STR, _INT, _BINARY = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:binary"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _text(value: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR, value)


def _pairs(items: Iterable[tuple[str, yaml.Node]]) -> yaml.MappingNode:
    return yaml.MappingNode(_MAP, [(_text(key), value) for key, value in items])


def _body_node(body: bytes) -> yaml.ScalarNode:
    # As vcrpy does: UTF-8 bodies are stored readable, anything else as !!binary (as SafeDumper writes it).
    try:
        return _text(body.decode("utf-8"))
    except UnicodeDecodeError:
        return yaml.ScalarNode(_BINARY, base64.encodebytes(body).decode("ascii"), style="|")


def _headers_node(headers: Headers) -> yaml.MappingNode:
    grouped: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}
    for name, value in headers:
        grouped.setdefault(canonical.setdefault(name.lower(), name), []).append(value)
    return _pairs(
        (name, yaml.SequenceNode(_SEQ, [_text(v) for v in values])) for name, values in grouped.items()
    )


def _interaction_node(i: Interaction) -> yaml.MappingNode:
    # vcrpy's layout and key order (vcr.serialize, vcr.request.Request._to_dict).
    request = _pairs(
        [
            ("body", _body_node(i.request_body)),
            ("headers", _headers_node(i.request_headers)),
            ("method", _text(i.method)),
            ("uri", _text(i.uri)),
        ]
    )
    status = _pairs([("code", yaml.ScalarNode(_INT, str(i.status))), ("message", _text(i.reason))])
    response = _pairs(
        [
            ("body", _pairs([("string", _body_node(i.response_body))])),
            ("headers", _headers_node(i.response_headers)),
            ("status", status),
        ]
    )
    return _pairs([("request", request), ("response", response)])


def dump_cassette(cassette: Cassette) -> str:
    """The YAML text of ``cassette``, exactly as :func:`save_cassette` writes it."""
    # The nodes are built directly rather than through yaml.dump's representer: the output is
    # byte-identical to yaml.dump(..., Dumper=SafeDumper) and written about 2.5x faster, which is
    # most of the cost of recording thousands of interactions. A safe dumper, not vcrpy's
    # yamlserializer, whose dumper may emit !!python/tuple that the safe-only loader refuses.
    meta = SafeRepresenter(sort_keys=False).represent_data(dict(cassette.meta))
    root = _pairs(
        [
            (META_KEY, meta),
            ("interactions", yaml.SequenceNode(_SEQ, [_interaction_node(i) for i in cassette.interactions])),
            ("version", yaml.ScalarNode(_INT, str(CASSETTE_FORMAT_VERSION))),
        ]
    )
    return str(yaml.serialize(root, Dumper=_Dumper))


def save_cassette(
    cassette: Cassette, *, lock: bool = True, root: str | os.PathLike[str] | None = None
) -> None:
    """Write ``cassette`` to ``cassette.path`` atomically, under the cassette's lock unless told otherwise.

    Pass ``lock=False`` only when already holding :func:`cassette_lock` for that path. ``root`` is
    the cassette directory the file must stay inside (default: the file's own folder).
    """
    data = dump_cassette(cassette).encode("utf-8")  # UTF-8 and "\n" on every platform
    if not lock:
        write_atomically(cassette.path, data, root=root)
        return
    with cassette_lock(cassette.path, root):
        write_atomically(cassette.path, data, root=root)


def iter_cassettes(dirs: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every cassette (``*.yaml``/``*.yml``) under ``dirs``, sorted; a file argument is yielded as is.

    A missing path raises :class:`CassetteError`. Hidden files (temp files, locks) are skipped.
    """
    for entry in dirs:
        root = Path(entry)
        if root.is_file():
            yield root
        elif root.is_dir():
            # Symlinked folders are not entered; a FIFO or symlink named *.yaml is listed, refused on load.
            yield from walk_files(
                root,
                keep_dir=lambda name: not name.startswith("."),
                keep_file=lambda name: name.endswith(CASSETTE_SUFFIXES) and not name.startswith("."),
            )
        else:
            raise CassetteError("no such cassette file or directory", path=str(root))
