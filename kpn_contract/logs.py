"""Logging that cannot leak: every record leaving a kpn_contract handler passes through ``redact``."""

from __future__ import annotations

import logging

from kpn_contract.redact import redact

__all__ = ["LIBRARY_LOGGERS", "RedactingFilter", "configure_debug_logging", "redact_library_loggers"]

# Libraries that log URLs (a GRIP token URL holds the tenant ID) or headers: httpx and httpcore (whose
# records come from these child loggers: a parent's filter does not apply), and uvicorn for the emulator.
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "uvicorn.access",
    "uvicorn.error",
)


class RedactingFilter(logging.Filter):
    """Render the message once, redact it, and drop the arguments so no handler re-renders the raw form."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_debug_logging(level: int = logging.DEBUG) -> logging.Handler:
    """Send the ``kpn_contract`` loggers to stderr at ``level``, redacted. Returns the handler."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("kpn_contract")
    logger.addHandler(handler)
    logger.setLevel(level)
    # httpx/httpcore log request lines (with URLs) at DEBUG; route them through the same filter.
    for name in ("httpx", "httpcore"):
        other = logging.getLogger(name)
        other.addHandler(handler)
        other.setLevel(level)
    return handler


def redact_library_loggers() -> None:
    """Attach a :class:`RedactingFilter` to the loggers in :data:`LIBRARY_LOGGERS` (idempotent).

    A logger's own filter runs before any handler sees the record, so every handler gets the redacted
    text: pytest's log capture (failure output, ``caplog``, JUnit XML), a user's handlers, ``--debug``.
    """
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
            logger.addFilter(RedactingFilter())
