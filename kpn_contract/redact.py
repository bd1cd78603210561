"""The one redaction function of kpn_contract.

Cassettes, log records, reprs, exception messages, reports and notebook output all pass through
:func:`redact`. It removes two kinds of secret:

* values the toolkit knows, in every encoded form (URL, form, JSON, repr, YAML, HTML, base64, ...):
  every configured credential is registered at start-up and every token the moment it is obtained,
  with :func:`register_secret`, in the one detector (:data:`kpn_contract.secrets.REGISTRY`);
* values that look like secrets by their place: ``Bearer …`` credentials, ``client_secret`` in form
  and JSON bodies, ``access_token`` in JSON bodies, and ``developer_email`` / ``developer.email``.

``mask`` is for display: it shows enough of a token to tell two apart, never enough to use one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from kpn_contract.secrets import REDACTED, REGISTRY, SecretDetector

__all__ = ["REDACTED", "forget_secrets", "known_secrets", "mask", "redact", "redact_bytes", "register_secret"]

_JSON_FIELDS = ("client_secret", "access_token", "developer_email", "developer.email")
# (words that must occur, lower-cased, for the rule to apply; pattern; replacement). The cheap word
# test runs first: these rules run on every log record and every scrubbed value, and most hold none.
_BY_PLACE: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # Not the auth-params of an RFC 6750 challenge (WWW-Authenticate: Bearer error="insufficient_scope"),
    # nor prose ("the bearer token has expired"): no credential is an ordinary word.
    (
        ("bearer",),
        re.compile(
            r"(?i)(\bbearer[ \t]+)(?!REDACTED\b)(?!(?:realm|scope|error|error_description|error_uri)[ \t]*=)"
            r"(?!(?:token|tokens|auth|authentication|scheme|credential|credentials)(?![A-Za-z0-9._~+/=-]))"
            r"[A-Za-z0-9._~+/=-]+"
        ),
        rf"\g<1>{REDACTED}",
    ),
    (("client_secret=",), re.compile(r"(\bclient_secret=)(?!REDACTED\b)[^&\s\"']+"), rf"\g<1>{REDACTED}"),
    (
        _JSON_FIELDS,
        re.compile(
            r"(\"(?:client_secret|access_token|developer_email|developer\.email)\"\s*:\s*\")"
            r"(?!REDACTED\")[^\"]*(\")"
        ),
        rf"\g<1>{REDACTED}\g<2>",
    ),
    (
        _JSON_FIELDS,
        re.compile(
            r"('(?:client_secret|access_token|developer_email|developer\.email)'\s*:\s*')"
            r"(?!REDACTED')[^']*(')"
        ),
        rf"\g<1>{REDACTED}\g<2>",
    ),
)

# Any word of any rule, in one search: most texts hold none, and then no rule need be asked (replay
# and recording redact every URL and header; measured in benchmarks/replay.py).
_PLACE_WORD = re.compile("|".join(sorted({re.escape(word) for words, _, _ in _BY_PLACE for word in words})))


def register_secret(value: str | None, source: str = "registered secret") -> None:
    """Remember ``value`` so that :func:`redact` removes it, in every encoded form, from now on.

    Values shorter than :data:`kpn_contract.secrets.MIN_SECRET_LENGTH` are ignored here; the
    configuration refuses them (:func:`kpn_contract.config.credentials.check_secret_length`).
    """
    REGISTRY.add(value, source)


def forget_secrets() -> None:
    """Clear the registry (tests use it between planted-secret runs)."""
    REGISTRY.clear()


def known_secrets() -> frozenset[str]:
    """The registered secret values (for the scrubber and the audit; never print them)."""
    return REGISTRY.values()


@functools.lru_cache(maxsize=256)
def _detector_for(values: frozenset[str]) -> SecretDetector:
    # The scrubber passes the same few extra values over and over: build their automaton once.
    return SecretDetector(values)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """Return ``text`` with every known and every place-shaped secret replaced by ``REDACTED``.

    ``extra`` adds values for this call only (for example the secrets of a profile under test).
    """
    if not text:
        return text
    text = REGISTRY.redact(text)
    extra_values = frozenset(extra)
    if extra_values:
        text = _detector_for(extra_values).redact(text)
    lowered = text.lower()
    if _PLACE_WORD.search(lowered) is None:  # the usual case: no rule can apply
        return text
    for words, rx, replacement in _BY_PLACE:
        if any(word in lowered for word in words):
            text = rx.sub(replacement, text)
    return text


def redact_bytes(data: bytes) -> bytes:
    """``data`` with every registered secret (in its UTF-8 and Latin-1 forms) replaced by ``REDACTED``."""
    return REGISTRY.redact_bytes(data)


def mask(value: str | None) -> str:
    """A display form of a token or identifier: its first four characters and its length."""
    if not value:
        return "<empty>"
    if value == REDACTED:
        return REDACTED
    if len(value) <= 8:
        return f"****({len(value)} chars)"
    return f"{value[:4]}…({len(value)} chars)"
