"""THE secret detector: every registered value, in every encoded form, found in text or bytes.

The scrubber, log redaction, report redaction and ``kpn-contract audit`` all ask a
:class:`SecretDetector` (the process-wide one is :data:`REGISTRY`), so whatever one of them removes
the others find. Each value is expanded into its spellings by
:func:`kpn_contract.secrets.forms.encoded_forms`; all spellings of all values are searched in one
pass by an Aho-Corasick automaton (ahocorasick-rs: measured 10-20x faster than one compiled regex
alternation of the same ~90 literals on 60- to 6,000-character texts), rebuilt only when a value is
added.

Short-ish values (under :data:`ANYWHERE_LENGTH` characters) are never cut out of the middle of an
ordinary word, so the text around a ``REDACTED`` does not give the value away:

* a word-like one (no digit: ``vnd.kpnthings``, ``plication``) is matched only as a whole token:
  where its form starts (ends) with a letter, digit or ``_``, the character before (after) it is
  none of those, nor a ``.`` joined to one (a dotted name). ``application/vnd.kpnthings.device+json``
  keeps its ``vnd.kpnthings``; a ``.`` ending a sentence, ``/``, ``-``, ``+``, ``=``, ``&``,
  quotes, brackets and spaces end a token, so ``tenant=<value>&`` and ``test_x[<value>-2]`` are found;
* any other (``known-secret-1``) only where a letter at its edge is not glued to another letter, so
  ``known-secret-1x`` is still found: a value holding digits is no ordinary word.

From :data:`ANYWHERE_LENGTH` characters a value is found anywhere. base64 forms are exempt: they
are found inside longer blobs on purpose, and a match takes the whole base64 run around it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import AnyStr, Final

import ahocorasick_rs

from kpn_contract.secrets.forms import BASE64_FORM_PREFIX, encoded_forms

__all__ = [
    "ANYWHERE_LENGTH",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SecretDetector",
    "SecretMatch",
]

REDACTED: Final = "REDACTED"
# Shorter values could not be told apart from ordinary text: configuration refuses them (policy.py).
MIN_SECRET_LENGTH: Final = 8
# From this length a value is matched anywhere, even glued to letters (inside a token or a blob).
ANYWHERE_LENGTH: Final = 16
DEFAULT_SOURCE: Final = "registered secret"


@dataclass(frozen=True)
class SecretMatch:
    """Where an encoded form of a secret sits. It carries the form's name, never the value."""

    start: int
    end: int
    form: str
    source: str


@dataclass(frozen=True)
class _Pattern:
    form: str
    source: str
    guard_start: bool  # the match (starting with a letter) must not continue a word or token
    guard_end: bool  # ... nor be continued by one
    whole_blob: bool = False  # a base64 form: the match grows to the whole base64 run around it
    word_like: bool = False  # a short value without digits: matched only as a whole token


def _glued(char: str, *, word_like: bool) -> bool:
    return char.isalnum() or char == "_" if word_like else char.isalpha()


_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_BASE64_BYTES = frozenset(map(ord, _BASE64_CHARS))


def _blob_bounds(data: str | bytes, start: int, end: int) -> tuple[int, int]:
    # The neighbouring characters of a base64 core still carry bits of the value (and the rest of
    # a Basic credential is the client ID): the whole run goes.
    alphabet: frozenset[str] | frozenset[int] = _BASE64_BYTES if isinstance(data, bytes) else _BASE64_CHARS
    while start > 0 and data[start - 1] in alphabet:
        start -= 1
    while end < len(data) and data[end] in alphabet:
        end += 1
    return start, end


def _word_at(data: str | bytes, index: int) -> bool:
    if not 0 <= index < len(data):
        return False
    item = data[index]
    if isinstance(item, int):
        # Bytes of a multi-byte UTF-8 character count as letters, as str.isalnum would say for most.
        return item >= 0x80 or chr(item).isalnum() or item == 0x5F
    return item.isalnum() or item == "_"


def _letter_at(data: str | bytes, index: int) -> bool:
    if not 0 <= index < len(data):
        return False
    item = data[index]
    if isinstance(item, int):
        return item >= 0x80 or chr(item).isalpha()
    return item.isalpha()


def _joined(data: str | bytes, index: int, step: int, *, word_like: bool) -> bool:
    """Whether the character at ``index`` continues the match: a letter; for a word-like value also a
    digit, ``_``, or a ``.`` before one of those (a dotted name)."""
    if not word_like:
        return _letter_at(data, index)
    if _word_at(data, index):
        return True
    if 0 <= index < len(data) and data[index] in (".", 0x2E):
        return _word_at(data, index + step)
    return False


class _Automaton:
    """One immutable snapshot of the registry, searchable from any thread without a lock."""

    def __init__(self, values: Mapping[str, str]) -> None:
        spellings: dict[str, _Pattern] = {}
        raw_bytes: dict[bytes, _Pattern] = {}
        for value, source in values.items():
            short = len(value) < ANYWHERE_LENGTH
            word_like = short and not any(char.isdigit() for char in value)
            for spelling, form in encoded_forms(value).items():
                blob = form.startswith(BASE64_FORM_PREFIX)
                guarded = short and not blob
                guard_start = guarded and _glued(spelling[0], word_like=word_like)
                guard_end = guarded and _glued(spelling[-1], word_like=word_like)
                pattern = _Pattern(form, source, guard_start, guard_end, blob, word_like=word_like)
                spellings.setdefault(spelling, pattern)
            latin1 = _latin1(value)
            if latin1 is not None:  # a non-ASCII value written by a Latin-1 client or server
                raw_bytes[latin1] = _Pattern("raw (Latin-1 bytes)", source, short, short)
        byte_spellings = {spelling.encode("utf-8"): pattern for spelling, pattern in spellings.items()}
        for encoded, pattern in raw_bytes.items():
            byte_spellings.setdefault(encoded, pattern)
        self._text_patterns = list(spellings.values())
        self._byte_patterns = list(byte_spellings.values())
        kind = ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
        self._text = ahocorasick_rs.AhoCorasick(list(spellings), matchkind=kind) if spellings else None
        self._bytes = (
            ahocorasick_rs.BytesAhoCorasick(list(byte_spellings), matchkind=kind) if byte_spellings else None
        )

    def find(self, data: str | bytes) -> list[SecretMatch]:
        if isinstance(data, bytes):
            hits = self._bytes.find_matches_as_indexes(data) if self._bytes is not None else []
            patterns = self._byte_patterns
        else:
            hits = self._text.find_matches_as_indexes(data) if self._text is not None else []
            patterns = self._text_patterns
        found: list[SecretMatch] = []
        for index, hit_start, hit_end in hits:
            pattern = patterns[index]
            if (pattern.guard_start and _joined(data, hit_start - 1, -1, word_like=pattern.word_like)) or (
                pattern.guard_end and _joined(data, hit_end, 1, word_like=pattern.word_like)
            ):
                continue
            match = SecretMatch(hit_start, hit_end, pattern.form, pattern.source)
            if pattern.whole_blob:
                start, end = _blob_bounds(data, hit_start, hit_end)
                match = SecretMatch(start, end, pattern.form, pattern.source)
            if found and match.start < found[-1].end:  # inside a blob already taken whole
                previous = found.pop()
                match = SecretMatch(
                    previous.start, max(match.end, previous.end), previous.form, previous.source
                )
            found.append(match)
        return found


def _latin1(value: str) -> bytes | None:
    if value.isascii():
        return None
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


class SecretDetector:
    """A set of secret values (each with a source label) and the automaton that finds their forms.

    ``values``: values to start with, as a mapping value -> source label (for example
    ``"environment variable KPN_GRIP_CLIENT_SECRET"``) or an iterable of values. Values shorter than
    :data:`MIN_SECRET_LENGTH` and the ``REDACTED`` placeholder are ignored by :meth:`add`.
    """

    def __init__(self, values: Mapping[str, str] | Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._automaton: _Automaton | None = None
        self._version = 0  # bumped by every change, so a build from stale values is not kept
        items = values.items() if isinstance(values, Mapping) else ((v, DEFAULT_SOURCE) for v in values)
        for value, source in items:
            self.add(value, source)

    def __repr__(self) -> str:
        return f"SecretDetector({len(self._values)} values)"

    def add(self, value: str | None, source: str = DEFAULT_SOURCE) -> bool:
        """Add ``value`` (labelled ``source``); False when it is empty, a placeholder or too short."""
        if not value or len(value) < MIN_SECRET_LENGTH or value == REDACTED:
            return False
        with self._lock:
            known = self._values.get(value)
            if known is None or (known == DEFAULT_SOURCE and source != DEFAULT_SOURCE):
                self._values[value] = source  # a named source is more useful to the audit
                self._automaton = None
                self._version += 1
        return True

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._automaton = None
            self._version += 1

    def values(self) -> frozenset[str]:
        """The values held (for building other detectors; never print them)."""
        with self._lock:
            return frozenset(self._values)

    def sources(self) -> dict[str, str]:
        """value -> source label (never print the keys)."""
        with self._lock:
            return dict(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def version(self) -> int:
        """A number that changes whenever a value is added or the set cleared (to validate caches)."""
        return self._version

    def _current(self) -> _Automaton:
        automaton = self._automaton
        if automaton is None:
            # Built outside the lock: building may import a codec, and an import hook that redacts
            # (pytest --debug's tracer) would otherwise wait for this very lock.
            with self._lock:
                values, version = dict(self._values), self._version
            automaton = _Automaton(values)
            with self._lock:
                if self._version == version:
                    self._automaton = automaton
        return automaton

    def find(self, data: str | bytes) -> list[SecretMatch]:
        """Every non-overlapping occurrence of a form of a held value, leftmost-longest first."""
        if not data or not self._values:
            return []
        return self._current().find(data)

    def contains(self, data: str | bytes) -> bool:
        return bool(self.find(data))

    def redact(self, text: str, replacement: str = REDACTED) -> str:
        """``text`` with every match replaced by ``replacement``."""
        return "".join(_spliced(text, self.find(text), replacement))

    def redact_bytes(self, data: bytes, replacement: bytes = REDACTED.encode()) -> bytes:
        """``data`` with every match (UTF-8 or Latin-1 forms) replaced by ``replacement``."""
        return b"".join(_spliced(data, self.find(data), replacement))


def _spliced(data: AnyStr, matches: list[SecretMatch], replacement: AnyStr) -> list[AnyStr]:
    pieces: list[AnyStr] = []
    last = 0
    for match in matches:
        pieces += (data[last : match.start], replacement)
        last = match.end
    pieces.append(data[last:])
    return pieces
