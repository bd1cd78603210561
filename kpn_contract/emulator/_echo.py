"""Request values in the emulator's answers: headers read as UTF-8, values echoed only through redaction.

Starlette decodes header values as Latin-1 (as HTTP/1.1 once said), so a UTF-8 ``x-client-id`` came
back mangled in error texts, a form the secret detector could not recognise. The application refuses
a request whose header values are not UTF-8 (400, :func:`undecodable_header`); handlers then read
headers with :func:`header`. Error texts show a request value with :func:`echo`: redacted first, and
as plain text rather than as a Python repr, whose escapes would disguise a secret.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

from kpn_contract.redact import redact

__all__ = ["echo", "header", "undecodable_header"]


def undecodable_header(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The name of the first header whose value is not UTF-8, or None when all are."""
    for name, value in raw_headers:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return name.decode("ascii", "replace")
    return None


def header(request: Request, name: str) -> str | None:
    """The value of header ``name`` decoded as UTF-8 (the app has refused any that is not)."""
    value = request.headers.get(name)
    return None if value is None else value.encode("latin-1").decode("utf-8")


def echo(value: object) -> str:
    """A request value as an error text shows it: redacted, as plain text (callers quote it)."""
    return redact(str(value))
