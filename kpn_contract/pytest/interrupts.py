"""Interrupted runs: Ctrl-C and SIGTERM stop a recording run, and what they cut short is not written.

pytest turns Ctrl-C (``KeyboardInterrupt``) into exit status 2 and still tears the fixtures down, so
a cassette fixture would otherwise write the interrupted test's first few requests over a good
cassette. :func:`run_interrupted` tells the teardown that it runs after an interrupt; the fixtures
then discard what was recorded (``RecordingTransport.discard``).

In a run that records (target ``emulator`` or ``live``), :func:`install_signal_handlers` makes
SIGTERM, and a SIGINT a shell set to ignored, stop the run like Ctrl-C (``kpn_contract.signals``):
without it SIGTERM kills pytest before any teardown, and an ignored SIGINT lets the run go on and
rewrite the cassettes.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

__all__ = ["install_signal_handlers", "restore_signal_handlers", "run_interrupted"]

_SAVED: Final = pytest.StashKey[dict[int, Any]]()


def install_signal_handlers(config: pytest.Config) -> None:
    """Make SIGTERM, and a SIGINT a shell told this process to ignore, stop the run like Ctrl-C."""
    from kpn_contract.signals import install

    config.stash[_SAVED] = install()


def restore_signal_handlers(config: pytest.Config) -> None:
    """Put back what :func:`install_signal_handlers` replaced."""
    from kpn_contract.signals import restore

    restore(config.stash.get(_SAVED, {}))
    config.stash[_SAVED] = {}


def run_interrupted(session: pytest.Session) -> bool:
    """True in a teardown that runs because Ctrl-C, SIGTERM, ``pytest.exit`` or a crash stopped the run.

    pytest records the interrupt as the session's exit status before it tears the fixtures down.
    """
    return session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
