"""Short reports of the failures a user fixes outside the test: no recording, a bad profile or setting.

A missing cassette would otherwise fail a test with a long traceback through httpx and our
transports, and a bad profile with one through the config loader. The pytest plugin replaces those
tracebacks with these few lines (see ``plugin.py``); contract violations keep pytest's full report.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from kpn_contract.errors import ConfigError, NetworkBlockedError, UsageError

__all__ = ["blocked_error_in", "missing_recording_report", "record_command", "short_failure_report"]


def blocked_error_in(exc: BaseException | None) -> NetworkBlockedError | None:
    """The :class:`NetworkBlockedError` behind ``exc`` (itself, or a cause or context), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, NetworkBlockedError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def record_command(nodeid: str, *, cassette_exists: bool) -> str:
    """The command that records what test ``nodeid`` is missing, against the local emulator."""
    # "once" writes a cassette that does not exist yet; an existing one only grows with new_episodes.
    mode = "new_episodes" if cassette_exists else "once"
    return f"pytest {shlex.quote(nodeid)} --kpn-target emulator --kpn-record-mode {mode}"


def _shown(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def missing_recording_report(exc: BaseException | None, nodeid: str) -> str | None:
    """At most four lines for a test that failed on a missing recording; None for any other failure."""
    blocked = blocked_error_in(exc)
    if blocked is None:
        return None
    first = f"no recording for {blocked.request}" if blocked.request else blocked.message.splitlines()[0]
    lines = [first]
    exists = False
    if blocked.path:
        exists = Path(blocked.path).is_file()
        state = "" if exists else " (does not exist)"
        lines.append(f"  cassette:  {_shown(blocked.path)}{state}")
    lines.append(f"  record it: {record_command(nodeid, cassette_exists=exists)}")
    return "\n".join(lines)


def short_failure_report(exc: BaseException | None, nodeid: str) -> str | None:
    """The few lines that replace a traceback, or None when pytest's own report is the right one."""
    missing = missing_recording_report(exc, nodeid)
    if missing is not None:
        return missing
    if isinstance(exc, ConfigError | UsageError):
        return f"{type(exc).__name__}: {exc.message}"
    return None
