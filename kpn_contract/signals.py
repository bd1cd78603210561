"""SIGTERM, and a SIGINT a shell set to ignored, stop the program the way Ctrl-C does.

Used by the front doors that must stop cleanly: a recording pytest run (pytest/interrupts.py) and
``kpn-contract emulate``. Both stop on ``KeyboardInterrupt`` and clean up on the way out; two
signals would not get there by default:

- SIGTERM kills Python outright, so no ``finally`` runs. It is raised as ``KeyboardInterrupt`` instead.
- SIGINT is *ignored* in a command a script started with ``&``: POSIX shells without job control
  do that, and Python keeps the inherited setting, so ``kill -INT`` would do nothing. Python's own
  Ctrl-C handler is put back.

Only handlers still at their default are replaced (a host that installed its own keeps it), only in
the main thread, and :func:`restore` puts the previous ones back. Standard library only.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["install", "restore"]

_Handler = Callable[[int, FrameType | None], Any]


def _terminate(signum: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


def _replacements() -> dict[int, tuple[Any, _Handler]]:
    # signal number -> (the handler it must still have, the one that replaces it)
    wanted: dict[int, tuple[Any, _Handler]] = {signal.SIGINT: (signal.SIG_IGN, signal.default_int_handler)}
    if hasattr(signal, "SIGTERM"):
        wanted[signal.SIGTERM] = (signal.SIG_DFL, _terminate)
    return wanted


def install() -> dict[int, Any]:
    """Replace the default handlers; returns what was replaced, for :func:`restore`."""
    saved: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return saved
    for signum, (default, handler) in _replacements().items():
        if signal.getsignal(signum) == default:
            saved[signum] = signal.signal(signum, handler)
    return saved


def restore(saved: dict[int, Any]) -> None:
    """Put back what :func:`install` replaced."""
    if threading.current_thread() is threading.main_thread():
        for signum, handler in saved.items():
            signal.signal(signum, handler)
