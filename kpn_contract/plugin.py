"""The pytest plugin (placeholder while the layers are built; see ARCHITECTURE.md)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kpn", "kpn_contract: contract testing for KPN's APIs")
    group.addoption("--kpn-target", choices=("replay", "emulator", "live"), default=None)
