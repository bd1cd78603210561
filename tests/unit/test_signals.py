"""kpn_contract.signals: SIGTERM and an ignored SIGINT stop a run like Ctrl-C, and are put back after."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator

import pytest

from kpn_contract import signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def default_handlers() -> Iterator[None]:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("default_handlers")
def test_sigterm_raises_keyboard_interrupt_until_restored() -> None:
    saved = signals.install()
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
    finally:
        signals.restore(saved)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.usefixtures("default_handlers")
def test_an_ignored_sigint_gets_pythons_ctrl_c_handler_back() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `cmd &` in a script leaves a process with
    saved = signals.install()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    signals.restore(saved)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


@pytest.mark.usefixtures("default_handlers")
def test_a_handler_the_host_installed_is_left_alone() -> None:
    def own(signum: int, frame: object) -> None:
        del signum, frame

    signal.signal(signal.SIGTERM, own)
    saved = signals.install()
    assert signal.getsignal(signal.SIGTERM) is own
    signals.restore(saved)
    assert signal.getsignal(signal.SIGTERM) is own
