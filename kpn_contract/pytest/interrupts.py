"""Interrupted runs: Ctrl-C and SIGTERM stop a recording run, and what they cut short is not written.

pytest turns Ctrl-C (``KeyboardInterrupt``) into exit status 2 and still tears the fixtures down, so
a cassette fixture would otherwise write the interrupted test's first few requests over a good
cassette. :func:`run_interrupted` tells the teardown that it is running after an interrupt; the
fixtures then discard what was recorded (``RecordingTransport.discard``).

Two signals would not reach that path by default, and in a run that records (target ``emulator``
or ``live``) :func:`install_signal_handlers` changes that for the length of the run:

- SIGTERM kills Python outright, so pytest's teardown never runs (no cassette is written, but the
  emulator thread, temp files and the JUnit report are left unfinished). It is raised as
  ``KeyboardInterrupt`` instead: the run stops the way Ctrl-C stops it, with exit status 2.
- SIGINT is *ignored* (not swallowed by us, ignored by the OS) in a command a script started with
  ``&``: POSIX shells without job control do that, and Python keeps the inherited setting. The run
  would then go on, pass, and rewrite the cassettes. Python's own Ctrl-C handler is put back.

Only handlers still at their default are replaced (a host that installed its own keeps it), only
in the main thread, and the previous ones come back at the end of the run.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

import pytest

__all__ = ["install_signal_handlers", "restore_signal_handlers", "run_interrupted"]

_SAVED: Final = pytest.StashKey[dict[int, Any]]()


def _terminate(signum: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


def _replacements() -> dict[int, tuple[Any, Callable[[int, FrameType | None], Any]]]:
    # signal number -> (the handler it must still have, the one that replaces it)
    wanted: dict[int, tuple[Any, Callable[[int, FrameType | None], Any]]] = {
        signal.SIGINT: (signal.SIG_IGN, signal.default_int_handler),
    }
    if hasattr(signal, "SIGTERM"):
        wanted[signal.SIGTERM] = (signal.SIG_DFL, _terminate)
    return wanted


def install_signal_handlers(config: pytest.Config) -> None:
    """Make SIGTERM, and a SIGINT a shell told this process to ignore, stop the run like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return
    saved: dict[int, Any] = {}
    for signum, (default, handler) in _replacements().items():
        if signal.getsignal(signum) == default:
            saved[signum] = signal.signal(signum, handler)
    config.stash[_SAVED] = saved


def restore_signal_handlers(config: pytest.Config) -> None:
    """Put back what :func:`install_signal_handlers` replaced."""
    saved = config.stash.get(_SAVED, {})
    if threading.current_thread() is threading.main_thread():
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    config.stash[_SAVED] = {}


def run_interrupted(session: pytest.Session) -> bool:
    """True in a teardown that runs because Ctrl-C, SIGTERM, ``pytest.exit`` or a crash stopped the run.

    pytest records the interrupt as the session's exit status before it tears the fixtures down.
    """
    return session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
