"""Logging that cannot leak: records of kpn_contract's and httpx's loggers are redacted as they are made.

A handler filter would only guard the handlers we install; pytest's caplog, a user's root handler or
a CI log collector would still see the raw record. So :func:`install_redaction` wraps the log record
factory instead: every record whose logger is ``kpn_contract.*``, ``httpx``, ``httpcore.*`` or
``uvicorn.*`` (httpx and the emulator's uvicorn log request URLs, and a GRIP token URL holds the
tenant ID) is rendered once and redacted before any handler sees it. Records of other loggers pass
untouched, and nothing is built for a level that is switched off (the factory runs only for enabled records).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kpn_contract.redact import redact

__all__ = ["RedactingFilter", "configure_debug_logging", "install_redaction"]

# uvicorn: the emulator's access log shows request paths, and a GRIP token path holds the tenant ID.
_GUARDED_PREFIXES = ("kpn_contract", "httpx", "httpcore", "uvicorn")
_install_lock = threading.Lock()
_installed = False


def _redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if record.name.startswith(_GUARDED_PREFIXES):
        record.msg = redact(record.getMessage())
        record.args = None
    return record


def install_redaction() -> None:
    """Redact every record of the guarded loggers from now on (idempotent, process-wide)."""
    global _installed  # noqa: PLW0603 - one factory wrapper per process
    with _install_lock:
        if _installed:
            return
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return _redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True


class RedactingFilter(logging.Filter):
    """For handlers: redact the rendered message and any formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_debug_logging(level: int = logging.DEBUG) -> logging.Handler:
    """Send the ``kpn_contract`` and httpx loggers to stderr at ``level``, redacted. Returns the handler."""
    install_redaction()
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())  # tracebacks are formatted by the handler, after the factory
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("kpn_contract", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
    return handler
