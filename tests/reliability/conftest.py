"""Shared pieces of the reliability tests: a real emulator, sessions with short timeouts, hard deadlines."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kpn_contract.config.profiles import load_config
from kpn_contract.config.run_settings import SessionOptions
from kpn_contract.emulator import EmulatorServer
from kpn_contract.session.kpn_session import KPNSession
from kpn_contract.transport.retry import RetryPolicy

T = TypeVar("T")

SHORT_TIMEOUT = 0.5  # seconds; the latency faults sleep longer than this
# Three attempts, millisecond backoff, but a cap high enough that a Retry-After of 1 s is honoured whole.
FAST_RETRY = RetryPolicy(attempts=3, initial=0.01, maximum=2.0)
DEADLINE = 15.0  # seconds; no single case may take longer, whatever the fault


class HungError(AssertionError):
    """A call did not return within its hard deadline."""


def within_deadline(call: Callable[[], T], seconds: float = DEADLINE) -> T:
    """Run ``call`` in a daemon thread and fail the test if it has not finished after ``seconds``.

    A thread (not signal.alarm) so that it works in any xdist worker and around blocking socket calls.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="deadline", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise HungError(f"the call did not return within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def fast_session(
    emulator_url: str,
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy = FAST_RETRY,
    **options: Any,
) -> KPNSession:
    """A KPNSession against the emulator with short timeouts and a fast retry policy."""
    base = load_config(start=tmp_path)  # no config file there: the default profiles
    profiles = {name: dataclasses.replace(p, timeout=SHORT_TIMEOUT) for name, p in base.profiles.items()}
    config = dataclasses.replace(base, profiles=profiles)
    opts = SessionOptions(
        target="emulator",
        emulator_url=emulator_url,
        cassette_dir=tmp_path / "cassettes",
        retry=policy,
        **options,
    )
    return KPNSession(config, opts, env=env if env is not None else {})
