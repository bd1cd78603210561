"""Scan cassettes, notebooks and reports for secrets that should never have been written.

Four kinds of leak are found, each reported as ``file:line: kind [form]`` and never with the value:

* a known secret value, in any encoded form the one detector knows (:mod:`kpn_contract.secrets`:
  URL, form, JSON, repr, YAML, HTML, base64 ...), in the file's bytes and, for YAML, JSON and
  notebooks, in each parsed value too (a folded line splits a value in the text, and JSON escapes
  it once more, never in the parsed value). Known values
  are given by the caller, registered in this process (every configured credential, at start-up),
  or held by an environment variable named like a credential (``KPN_*SECRET*``, ``KPN_*CLIENT_ID*``, …);
* an unredacted ``Authorization`` credential (``Bearer …`` or ``Basic …`` with a real value);
* a ``client_secret`` value in a form, query string, JSON, YAML or Python text;
* a token-shaped value in an ``access_token``, ``id_token`` or ``refresh_token`` field.

An empty field (``client_secret=`` at the end of a line) and a value a spec publishes as an example
(``client_id=your+client+id``, from Number Verify's documented request: ``examples``) are no finding:
only registered values and credential-shaped values are.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kpn_contract.cassettes.scrub import SECRET_FIELDS
from kpn_contract.config.parsed_cache import CACHE_DIR_NAME, CACHE_SUFFIX, readable
from kpn_contract.errors import CassetteError
from kpn_contract.files import RefusedInputError, read_guarded, walk_files
from kpn_contract.redact import REDACTED
from kpn_contract.secrets import (
    CREDENTIAL_WORDS,
    MIN_SECRET_LENGTH,
    REGISTRY,
    SecretDetector,
    is_credential_variable,
)

__all__ = [
    "AUDITED_SUFFIXES",
    "SECRET_ENV_PATTERNS",
    "Finding",
    "audit",
    "audited_files",
    "environment_secrets",
    "format_findings",
]

AUDITED_SUFFIXES = frozenset(
    {".yaml", ".yml", ".ipynb", ".json", ".md", ".xml", ".txt", ".log", ".html", ".csv", CACHE_SUFFIX}
)
SECRET_ENV_PATTERNS = tuple(f"KPN_*{word}*" for word in CREDENTIAL_WORDS)  # as is_credential_variable
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_PARSED_SUFFIXES = _YAML_SUFFIXES | {".json", ".ipynb"}
_MAX_PARSED_BYTES = 32 * 1024 * 1024  # larger files are scanned as text only
_KNOWN = "known secret value"
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BINARY_TAG = "tag:yaml.org,2002:binary"

_TOKEN_CHARS = r"A-Za-z0-9._~+/=-"  # noqa: S105 - a character class, not a password
_BEARER = re.compile(rf"(?i)(?<![A-Za-z])bearer\s+(?!REDACTED\b)([{_TOKEN_CHARS}]{{16,}})")
_BASIC = re.compile(r"(?i)(?<![A-Za-z])basic\s+(?!REDACTED\b)([A-Za-z0-9+/]{6,}={0,2})")
# A field and its value in JSON ("k": "v", also with escaped quotes inside a YAML or notebook
# string), Python ('k': 'v'), YAML (k: v), TOML (k = "v") and form or query text (k=v).
# The scrubber's secret fields (one list, scrub.SECRET_FIELDS): whatever it removes, the audit finds.
_FIELD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.])("
    + "|".join(re.escape(name) for name in sorted(SECRET_FIELDS, key=len, reverse=True))
    + r")(?:\\?[\"'])?[ \t]*([:=])[ \t]*(?:\\?[\"'])?([^\s\"'\\&,;{}\[\]()<>]*)"
)
_TOKEN_FIELDS = frozenset({"access_token", "id_token", "refresh_token"})
_TOKEN_SHAPED = re.compile(rf"[{_TOKEN_CHARS}]{{8,}}")
_IDENTIFIER_LIKE = re.compile(r"[A-Za-z_][A-Za-z_.]*")


@dataclass(frozen=True, order=True)
class Finding:
    """One leak: where it is and what kind it is. Deliberately without the value."""

    path: str
    line: int
    kind: str
    form: str = ""  # for a known value: the name of the encoded form it was found in

    def __str__(self) -> str:
        form = f" [{self.form}]" if self.form else ""
        return f"{self.path}:{self.line}: {self.kind}{form}"


def environment_secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Credential-like environment variables (by name pattern) and their values, long enough to search."""
    env = os.environ if environ is None else environ
    return {
        name: value
        for name, value in env.items()
        if is_credential_variable(name) and len(value) >= MIN_SECRET_LENGTH and value != REDACTED
    }


def _is_placeholder(value: str) -> bool:
    return not value or value == REDACTED or value.startswith(("$", "%", "*", "…", ".")) or "…" in value


def _secret_shaped(value: str) -> bool:
    # Python names such as ``profile.client_secret`` in notebook code are references, not values.
    return len(value) >= MIN_SECRET_LENGTH and not _IDENTIFIER_LIKE.fullmatch(value)


def _basic_credential(value: str) -> bool:
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


class _Lines:
    def __init__(self, data: str | bytes) -> None:
        if isinstance(data, str):
            self._starts = [m.end() for m in re.finditer("\n", data)]
        else:
            self._starts = [m.end() for m in re.finditer(b"\n", data)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) + 1


def _known_label(source: str) -> str:
    return _KNOWN if source == _KNOWN else f"{_KNOWN} ({source})"


def _scan_known(data: bytes, where: str, detector: SecretDetector) -> set[Finding]:
    # On the bytes: UTF-8 and Latin-1 forms alike, and no decoding error can hide a value.
    lines = _Lines(data)
    return {Finding(where, lines.at(m.start), _known_label(m.source), m.form) for m in detector.find(data)}


def _scan_by_place(text: str, where: str, examples: frozenset[str] = frozenset()) -> set[Finding]:
    lines = _Lines(text)
    found: set[Finding] = set()
    for match in _BEARER.finditer(text):
        if any(ch.isdigit() for ch in match.group(1)):
            found.add(Finding(where, lines.at(match.start()), "unredacted Authorization credential (Bearer)"))
    for match in _BASIC.finditer(text):
        if _basic_credential(match.group(1)):
            found.add(Finding(where, lines.at(match.start()), "unredacted Authorization credential (Basic)"))
    for match in _FIELD.finditer(text):
        field, value = match.group(1).lower(), match.group(3)
        if _is_placeholder(value) or value in examples or urllib.parse.unquote_plus(value) in examples:
            continue
        if field not in _TOKEN_FIELDS:
            if _secret_shaped(value):
                found.add(Finding(where, lines.at(match.start()), f"{field} value"))
        elif _TOKEN_SHAPED.fullmatch(value) and _secret_shaped(value):
            found.add(Finding(where, lines.at(match.start()), f"token in {field} field"))
    return found


def _scalars(text: str) -> Iterator[yaml.ScalarNode]:
    """Every scalar of a YAML document once (an alias is the same node, so a bomb stays linear)."""
    try:
        roots = list(yaml.compose_all(text, Loader=_Loader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return
    seen: set[int] = set()
    stack: list[Any] = [root for root in roots if root is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            yield node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)


_Located = tuple[str | bytes, Callable[[], tuple[int, int]]]  # a value, and how to find its lines


def _line_span(first: int, last: int) -> tuple[int, int]:
    return first, last


def _yaml_values(text: str) -> Iterator[_Located]:
    """Every YAML scalar with its first and last line; ``!!binary`` ones decoded to bytes."""
    for node in _scalars(text):
        value: str | bytes = node.value
        if node.tag == _BINARY_TAG:
            try:
                value = base64.b64decode(node.value)
            except (binascii.Error, ValueError):
                continue
        yield value, functools.partial(_line_span, node.start_mark.line + 1, node.end_mark.line + 1)


def _json_values(text: str) -> Iterator[_Located]:
    """Every JSON string (a notebook's outputs); its line is looked up by its spelling when needed."""
    try:
        stack: list[Any] = [json.loads(text)]
    except (ValueError, RecursionError):
        return
    lines = _Lines(text)

    def locate(value: str) -> tuple[int, int]:
        offsets = [text.find(json.dumps(value, ensure_ascii=flag)) for flag in (False, True)]
        line = lines.at(min((o for o in offsets if o >= 0), default=0))
        return line, line

    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            yield node, functools.partial(locate, node)


def _scan_parsed(
    values: Iterator[_Located], where: str, detector: SecretDetector, known: set[Finding]
) -> set[Finding]:
    """Known values in the parsed values: what folding or escaping split or disguised in the text."""
    found: set[Finding] = set()
    for value, locate in values:
        matches = detector.find(value)
        if not matches:
            continue
        first, last = locate()
        for match in matches:
            label = _known_label(match.source)
            if any(f.kind == label and first <= f.line <= last for f in known | found):
                continue  # the text scan already reported it on these lines
            found.add(Finding(where, first, label, f"{match.form}, in a parsed value"))
    return found


def _files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    for entry in paths:
        root = Path(entry)
        if root.is_file():
            yield root
        elif root.is_dir():
            # Symlinked folders are not entered; links and special files are listed, and refused on read.
            # The parsed-file cache is scanned (its cassette entries); its spec entries are not secrets.
            yield from walk_files(
                root,
                keep_dir=lambda name: (
                    (not name.startswith(".") or name == CACHE_DIR_NAME) and name not in _SKIPPED_DIRS
                ),
                keep_file=lambda name: (
                    Path(name).suffix.lower() in AUDITED_SUFFIXES
                    and not (name.startswith("spec-") and name.endswith(CACHE_SUFFIX))
                ),
            )
        else:
            raise CassetteError("no such file or directory to audit", path=str(root))


def audited_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files :func:`audit` reads in ``paths`` (what ``kpn-contract audit`` counts as scanned)."""
    return list(_files(paths))


def _detector(secrets: Iterable[str], environ: Mapping[str, str] | None) -> SecretDetector:
    detector = SecretDetector()
    for name, value in environment_secrets(environ).items():
        detector.add(value, f"environment variable {name}")
    for value, source in REGISTRY.sources().items():
        detector.add(value, source)
    for value in secrets:
        detector.add(value, _KNOWN)
    return detector


def audit(
    paths: Iterable[str | os.PathLike[str]],
    secrets: Iterable[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    examples: Iterable[str] = (),
) -> list[Finding]:
    """Every leak in ``paths`` (files, or folders searched for cassettes, notebooks and reports).

    Known values are ``secrets``, the registered secrets (with their sources) and the
    credential-like environment variables (``environ``, default ``os.environ``), each searched in
    every encoded form. ``examples`` are the values specs publish (``contract.examples``): a field
    holding one is no finding, unless it is a known value. An unreadable path raises :class:`CassetteError`.
    """
    detector = _detector(secrets, environ)
    published = frozenset(examples)
    findings: set[Finding] = set()
    for path in _files(paths):
        try:
            data = read_guarded(path)  # a regular file, inside its folder, of at most MAX_FILE_BYTES
        except RefusedInputError as exc:
            raise CassetteError(exc.problem, path=str(path)) from None
        except OSError as exc:
            raise CassetteError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
        if path.suffix == CACHE_SUFFIX:  # a parsed cassette in the cache: its strings, as text
            data = (readable(data) or data.decode("utf-8", "replace")).encode("utf-8")
        text = data.decode("utf-8", errors="replace")
        known = _scan_known(data, str(path), detector)
        suffix = path.suffix.lower()
        if suffix in _PARSED_SUFFIXES and len(data) <= _MAX_PARSED_BYTES and len(detector):
            values = _yaml_values(text) if suffix in _YAML_SUFFIXES else _json_values(text)
            known |= _scan_parsed(values, str(path), detector, known)
        findings |= known | _scan_by_place(text, str(path), published)
    return sorted(findings)


def format_findings(findings: Iterable[Finding]) -> str:
    """One ``file:line: kind`` line per finding, and a count; never a secret value."""
    items = list(findings)
    if not items:
        return "audit: no secrets found"
    lines = [str(finding) for finding in items]
    lines.append(f"audit: {len(items)} finding(s); remove them and re-record or re-run with outputs cleared")
    return "\n".join(lines)
