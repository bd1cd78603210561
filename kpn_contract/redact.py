"""The one redaction function of kpn_contract.

Cassettes, log records, reprs, exception messages, reports and notebook output all pass through
:func:`redact`. It removes two kinds of secret:

* values the toolkit knows: every credential a profile resolved and every token it obtained is
  registered here with :func:`register_secret` the moment it is read;
* values that look like secrets by their place: ``Bearer …`` credentials, ``client_secret`` in form
  and JSON bodies, ``access_token`` in JSON bodies, and ``developer_email`` / ``developer.email``.

``mask`` is for display: it shows enough of a token to tell two apart, never enough to use one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

__all__ = ["REDACTED", "forget_secrets", "known_secrets", "mask", "redact", "register_secret"]

REDACTED = "REDACTED"

# Shorter values would redact ordinary words; the toolkit refuses credentials this short anyway.
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

_BY_PLACE: tuple[tuple[re.Pattern[str], str], ...] = (
    # Not the auth-params of an RFC 6750 challenge (WWW-Authenticate: Bearer error="insufficient_scope").
    (
        re.compile(
            r"(?i)(\bbearer[ \t]+)(?!REDACTED\b)(?!(?:realm|scope|error|error_description|error_uri)[ \t]*=)"
            r"[A-Za-z0-9._~+/=-]+"
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"(\bclient_secret=)(?!REDACTED\b)[^&\s\"']+"), rf"\g<1>{REDACTED}"),
    (
        re.compile(
            r"(\"(?:client_secret|access_token|developer_email|developer\.email)\"\s*:\s*\")"
            r"(?!REDACTED\")[^\"]*(\")"
        ),
        rf"\g<1>{REDACTED}\g<2>",
    ),
    (
        re.compile(
            r"('(?:client_secret|access_token|developer_email|developer\.email)'\s*:\s*')"
            r"(?!REDACTED')[^']*(')"
        ),
        rf"\g<1>{REDACTED}\g<2>",
    ),
)


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` removes it everywhere from now on."""
    global _pattern  # noqa: PLW0603 - one process-wide registry is the point
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        _pattern = None


def forget_secrets() -> None:
    """Clear the registry (tests use it between planted-secret runs)."""
    global _pattern  # noqa: PLW0603
    with _lock:
        _secrets.clear()
        _pattern = None


def known_secrets() -> frozenset[str]:
    """The registered secret values (for the scrubber and the audit; never print them)."""
    with _lock:
        return frozenset(_secrets)


def _known_pattern() -> re.Pattern[str] | None:
    global _pattern  # noqa: PLW0603
    with _lock:
        if _pattern is None and _secrets:
            # Longest first, so that a secret containing another is removed whole.
            alternatives = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in alternatives))
        return _pattern


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """Return ``text`` with every known and every place-shaped secret replaced by ``REDACTED``.

    ``extra`` adds values for this call only (for example the secrets of a profile under test).
    """
    if not text:
        return text
    pattern = _known_pattern()
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for value in extra:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            text = text.replace(value, REDACTED)
    for rx, replacement in _BY_PLACE:
        text = rx.sub(replacement, text)
    return text


def mask(value: str | None) -> str:
    """A display form of a token or identifier: its first four characters and its length."""
    if not value:
        return "<empty>"
    if value == REDACTED:
        return REDACTED
    if len(value) <= 8:
        return f"****({len(value)} chars)"
    return f"{value[:4]}…({len(value)} chars)"
