"""Short reports of the failures a user fixes outside the test: no recording, a bad profile or setting.

A missing cassette would otherwise fail a test with a long traceback through httpx and our
transports, and a bad profile with one through the config loader. The pytest plugin replaces those
tracebacks with these few lines (see ``plugin.py``). A contract violation, a request violation or a
token error keeps pytest's report, but without the toolkit's, httpx's and httpcore's frames
(:func:`toolkit_error_report`): its message and the test's own line (``--fulltrace`` shows them all).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpn_contract.errors import (
    ConfigError,
    ContractViolation,
    KPNContractError,
    NetworkBlockedError,
    UsageError,
)

if TYPE_CHECKING:
    import pytest

__all__ = [
    "blocked_error_in",
    "missing_recording_report",
    "record_command",
    "short_failure_report",
    "toolkit_error_report",
]

# Whose frames a toolkit error hides: they explain how the message was reached, not what to fix.
_HIDDEN_PACKAGES = ("kpn_contract", "httpx", "httpcore", "h11", "anyio")


@functools.cache
def _hidden_roots() -> tuple[str, ...]:
    roots: list[str] = []
    for name in _HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        locations = (spec.submodule_search_locations or []) if spec else []
        roots.extend(os.path.realpath(location) + os.sep for location in locations)
    return tuple(roots)


def _shown_frame(entry: Any) -> bool:
    return not os.path.realpath(entry.path).startswith(_hidden_roots())


def toolkit_error_report(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> Any | None:
    """pytest's report of a toolkit error without the toolkit's and httpx's frames; None for others.

    Like ``__tracebackhide__``, but for every frame of those packages at once (httpx's included,
    which we cannot mark): what is left is the test's own code and the message. A user's own
    assert, ``--fulltrace`` and the ``line``/``native``/``no`` styles keep pytest's report.
    """
    style = item.config.getoption("tbstyle", "auto")
    if item.config.getoption("fulltrace", default=False) or style not in ("auto", "long", "short"):
        return None
    if not isinstance(excinfo.value, KPNContractError | ContractViolation):
        return None

    def tbfilter(info: pytest.ExceptionInfo[BaseException]) -> Any:
        frames = info.traceback.cut(path=item.path)  # from the test's own file on
        kept = frames.filter(info).filter(_shown_frame)  # __tracebackhide__, then our frames
        return kept if len(kept) else frames

    return excinfo.getrepr(
        funcargs=True,
        showlocals=item.config.getoption("showlocals", default=False),
        style="short" if style == "short" else "long",
        tbfilter=tbfilter,
        truncate_locals=item.config.get_verbosity() <= 1,
    )


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
