"""Scan cassettes, notebooks and reports for secrets that should never have been written.

Four kinds of leak are found, each reported as ``file:line: kind`` and never with the value itself:

* a known secret value: given by the caller, registered in this process, or held by an
  environment variable named like a credential (``KPN_*SECRET*``, ``KPN_*CLIENT_ID*``, …);
* an unredacted ``Authorization`` credential (``Bearer …`` or ``Basic …`` with a real value);
* a ``client_secret`` value in a form, query string, JSON, YAML or Python text;
* a token-shaped value in an ``access_token``, ``id_token`` or ``refresh_token`` field.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import fnmatch
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from kpn_contract.errors import CassetteError
from kpn_contract.redact import REDACTED, known_secrets

__all__ = [
    "AUDITED_SUFFIXES",
    "SECRET_ENV_PATTERNS",
    "Finding",
    "audit",
    "environment_secrets",
    "format_findings",
]

AUDITED_SUFFIXES = frozenset(
    {".yaml", ".yml", ".ipynb", ".json", ".md", ".xml", ".txt", ".log", ".html", ".csv"}
)
SECRET_ENV_PATTERNS = ("KPN_*SECRET*", "KPN_*CLIENT_ID*", "KPN_*TENANT*", "KPN_*TOKEN*", "KPN_*PASSWORD*")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})
_MIN_SECRET_LENGTH = 6  # as kpn_contract.redact: shorter values would match ordinary words

_TOKEN_CHARS = r"A-Za-z0-9._~+/=-"  # noqa: S105 - a character class, not a password
_BEARER = re.compile(rf"(?i)(?<![A-Za-z])bearer\s+(?!REDACTED\b)([{_TOKEN_CHARS}]{{16,}})")
_BASIC = re.compile(r"(?i)(?<![A-Za-z])basic\s+(?!REDACTED\b)([A-Za-z0-9+/]{6,}={0,2})")
# A field and its value in JSON ("k": "v", also with escaped quotes inside a YAML or notebook
# string), Python ('k': 'v'), YAML (k: v), TOML (k = "v") and form or query text (k=v).
_FIELD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.])(client_secret|access_token|id_token|refresh_token)"
    r"(?:\\?[\"'])?[ \t]*([:=])\s*(?:\\?[\"'])?([^\s\"'\\&,;{}\[\]()<>]*)"
)
_TOKEN_SHAPED = re.compile(rf"[{_TOKEN_CHARS}]{{8,}}")
_IDENTIFIER_LIKE = re.compile(r"[A-Za-z_][A-Za-z_.]*")


@dataclass(frozen=True, order=True)
class Finding:
    """One leak: where it is and what kind it is. Deliberately without the value."""

    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def environment_secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Credential-like environment variables (by name pattern) and their values, long enough to search."""
    env = os.environ if environ is None else environ
    return {
        name: value
        for name, value in env.items()
        if any(fnmatch.fnmatchcase(name.upper(), pattern) for pattern in SECRET_ENV_PATTERNS)
        and len(value) >= _MIN_SECRET_LENGTH
        and value != REDACTED
    }


def _encoded_forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def _secret_pattern(labelled: Mapping[str, str]) -> re.Pattern[str] | None:
    if not labelled:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(labelled, key=len, reverse=True)))


def _is_placeholder(value: str) -> bool:
    return not value or value == REDACTED or value.startswith(("$", "%", "*", "…", ".")) or "…" in value


def _secret_shaped(value: str) -> bool:
    # Python names such as ``profile.client_secret`` in notebook code are references, not values.
    return len(value) >= _MIN_SECRET_LENGTH and not _IDENTIFIER_LIKE.fullmatch(value)


def _basic_credential(value: str) -> bool:
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


class _Lines:
    def __init__(self, text: str) -> None:
        self._starts = [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) + 1


def _scan_text(
    text: str, where: str, secrets: re.Pattern[str] | None, labels: Mapping[str, str]
) -> set[Finding]:
    lines = _Lines(text)
    found: set[Finding] = set()
    if secrets is not None:
        for match in secrets.finditer(text):
            found.add(Finding(where, lines.at(match.start()), labels[match.group(0)]))
    for match in _BEARER.finditer(text):
        if any(ch.isdigit() for ch in match.group(1)):
            found.add(Finding(where, lines.at(match.start()), "unredacted Authorization credential (Bearer)"))
    for match in _BASIC.finditer(text):
        if _basic_credential(match.group(1)):
            found.add(Finding(where, lines.at(match.start()), "unredacted Authorization credential (Basic)"))
    for match in _FIELD.finditer(text):
        field, value = match.group(1).lower(), match.group(3)
        if _is_placeholder(value):
            continue
        if field == "client_secret":
            if _secret_shaped(value):
                found.add(Finding(where, lines.at(match.start()), "client_secret value"))
        elif _TOKEN_SHAPED.fullmatch(value) and _secret_shaped(value):
            found.add(Finding(where, lines.at(match.start()), f"token in {field} field"))
    return found


def _files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    for entry in paths:
        root = Path(entry)
        if root.is_file():
            yield root
        elif root.is_dir():
            for directory, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS)
                for name in sorted(filenames):
                    candidate = Path(directory, name)
                    if candidate.suffix.lower() in AUDITED_SUFFIXES:
                        yield candidate
        else:
            raise CassetteError("no such file or directory to audit", path=str(root))


def audit(
    paths: Iterable[str | os.PathLike[str]],
    secrets: Iterable[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every leak in ``paths`` (files, or folders searched for cassettes, notebooks and reports).

    Known values are ``secrets``, the registered secrets and the credential-like environment
    variables (``environ``, default ``os.environ``). An unreadable path raises :class:`CassetteError`.
    """
    labels: dict[str, str] = {}
    for value in (*secrets, *known_secrets()):
        if len(value) >= _MIN_SECRET_LENGTH and value != REDACTED:
            for form in _encoded_forms(value):
                labels.setdefault(form, "known secret value")
    for name, value in environment_secrets(environ).items():
        for form in _encoded_forms(value):
            labels[form] = f"known secret value (environment variable {name})"
    pattern = _secret_pattern(labels)
    findings: set[Finding] = set()
    for path in _files(paths):
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise CassetteError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
        findings |= _scan_text(text, str(path), pattern, labels)
    return sorted(findings)


def format_findings(findings: Iterable[Finding]) -> str:
    """One ``file:line: kind`` line per finding, and a count; never a secret value."""
    items = list(findings)
    if not items:
        return "audit: no secrets found"
    lines = [str(finding) for finding in items]
    lines.append(f"audit: {len(items)} finding(s); remove them and re-record or re-run with outputs cleared")
    return "\n".join(lines)
