"""A pytest plugin for ``benchmarks/validation.py``: the same run with all contract validation off.

Loaded with ``-p _validation_off`` (``benchmarks/`` on ``PYTHONPATH``). Every client, the kpn marker's
``validate=`` included, then gets no request or response hooks, so the run measures everything but
validation.
"""

from __future__ import annotations

from kpn_contract.session import kpn_session as session


def _nothing_checked(value: object) -> tuple[bool, bool]:
    del value
    return False, False


def pytest_configure() -> None:
    session.validation_modes = _nothing_checked  # type: ignore[attr-defined]
