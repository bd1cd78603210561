"""A pytest plugin for ``benchmarks/validation.py``: the time a run spends validating, measured inside.

Loaded with ``-p _validation_timer`` (``benchmarks/`` on ``PYTHONPATH``). It wraps what validation
adds to a run (building the validator, which loads and indexes the specs; each request check; each
response check) with a clock, and writes the total seconds and call counts as JSON to the file named
by ``KPN_VALIDATION_TIMER_OUT`` when the session ends. A direct measure, next to the on/off ratio,
which a loaded machine's noise can swamp.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpn_contract.session.kpn_session import KPNSession

_spent = {"seconds": 0.0, "requests": 0, "responses": 0, "building_seconds": 0.0}
_depth = [0]  # a check reads the validator property: time the outermost call only


def _timed(fn: Callable[..., Any], counter: str | None) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _depth[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _depth[0] -= 1
            took = time.perf_counter() - start
            if _depth[0] == 0:
                _spent["seconds"] += took
                if counter is None:
                    _spent["building_seconds"] += took
            if counter:
                _spent[counter] += 1

    return wrapper


def pytest_configure() -> None:
    KPNSession.check = _timed(KPNSession.check, "responses")  # type: ignore[method-assign]
    KPNSession.check_request = _timed(KPNSession.check_request, "requests")  # type: ignore[method-assign]
    validator_property = KPNSession.__dict__["validator"]
    assert isinstance(validator_property, property)
    builder = validator_property.fget
    assert builder is not None
    KPNSession.validator = property(_timed(builder, None))  # type: ignore[method-assign,assignment]


def pytest_sessionfinish() -> None:
    out = os.environ.get("KPN_VALIDATION_TIMER_OUT")
    if out:
        Path(out).write_text(json.dumps(_spent), encoding="utf-8")
