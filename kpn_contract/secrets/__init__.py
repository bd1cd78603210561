"""Secrets: the one detector, the process-wide registry, and which variables hold credentials.

Public API (stable; the scrubber, logs, reports, audit, pytest hooks and emulator use it):

* :class:`SecretDetector`, :class:`SecretMatch`: a set of values and the search over their forms;
* :data:`REGISTRY`: the process-wide detector that :func:`kpn_contract.redact.register_secret` fills;
* :func:`find_secrets` (str or bytes -> matches), :func:`contains_secret`, :func:`redact_secrets`,
  :func:`redact_secrets_bytes`: the registry's searches;
* :func:`encoded_forms`: the spellings of one value, by form name;
* :func:`is_credential_variable`: whether a ``KPN_*`` variable is named like a credential.

Imports nothing of kpn_contract: ``redact`` and every other layer ask it.
"""

from __future__ import annotations

from kpn_contract.secrets.detector import (
    ANYWHERE_LENGTH,
    MIN_SECRET_LENGTH,
    REDACTED,
    SecretDetector,
    SecretMatch,
)
from kpn_contract.secrets.forms import encoded_forms
from kpn_contract.secrets.policy import CREDENTIAL_WORDS, is_credential_variable

__all__ = [
    "ANYWHERE_LENGTH",
    "CREDENTIAL_WORDS",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "REGISTRY",
    "SecretDetector",
    "SecretMatch",
    "contains_secret",
    "encoded_forms",
    "find_secrets",
    "is_credential_variable",
    "redact_secrets",
    "redact_secrets_bytes",
]

REGISTRY = SecretDetector()


def find_secrets(data: str | bytes) -> list[SecretMatch]:
    """Every occurrence of any encoded form of a registered secret in ``data`` (text or bytes)."""
    return REGISTRY.find(data)


def contains_secret(data: str | bytes) -> bool:
    """True when ``data`` holds a registered secret in any form (a test ID, a file name, ...)."""
    return REGISTRY.contains(data)


def redact_secrets(text: str) -> str:
    """``text`` with every registered secret, in every form, replaced by ``REDACTED``."""
    return REGISTRY.redact(text)


def redact_secrets_bytes(data: bytes) -> bytes:
    """``data`` with every registered secret, in its UTF-8 or Latin-1 forms, replaced by ``REDACTED``."""
    return REGISTRY.redact_bytes(data)
