"""The pytest plugin's run settings: read once at start-up, checked once, one line on error.

The plugin's hooks and fixtures call these; the precedence itself lives in
``run_settings.options_from_sources``. Importing this module imports pytest only, like the plugin.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kpn_contract.profiles import Config
    from kpn_contract.run_settings import SessionOptions

__all__ = ["load_project_config", "marker_kwargs", "resolve_options", "startup_options"]

_OPTIONS = ("--kpn-target", "--kpn-record-mode", "--kpn-cassettes", "--kpn-emulator-url")
_INI = ("kpn_target", "kpn_record_mode", "kpn_cassettes")


def startup_options(config: pytest.Config) -> SessionOptions | None:
    """Register every configured secret, then resolve and check the run settings, once per run.

    None when nothing configures kpn_contract (the defaults: nothing to check, and httpx is not
    imported for a project that does not use us). Bad settings raise one ``pytest.UsageError`` line
    instead of one identical error per test.
    """
    from kpn_contract.errors import KPNContractError
    from kpn_contract.startup import register_project_secrets

    try:
        # Every configured secret is known before collection builds a test ID or anything prints.
        register_project_secrets(start=config.rootpath)
        kpn_config = load_project_config(config)
        if not _settings_given(config, kpn_config):
            return None
        options = resolve_options(config, kpn_config)
        if options.target == "emulator" and options.emulator_url:
            from kpn_contract.transport import check_emulator_url

            check_emulator_url(options.emulator_url)  # named once, before any test asks it for a token
    except KPNContractError as exc:
        raise pytest.UsageError(f"kpn_contract: {exc.message.splitlines()[0]}") from None
    return options


def load_project_config(config: pytest.Config) -> Config:
    from kpn_contract.profiles import load_config

    return load_config(start=config.rootpath)


def resolve_options(config: pytest.Config, kpn_config: Config) -> SessionOptions:
    """The run settings from the command line, the ini file and ``[tool.kpn_contract]``."""
    from kpn_contract.session import options_from_sources

    return options_from_sources(
        cli={
            "target": config.getoption("--kpn-target"),
            "record_mode": config.getoption("--kpn-record-mode"),
            "cassette_dir": config.getoption("--kpn-cassettes"),
            "emulator_url": config.getoption("--kpn-emulator-url"),
        },
        ini={
            "target": config.getini("kpn_target"),
            "record_mode": config.getini("kpn_record_mode"),
            "cassette_dir": config.getini("kpn_cassettes"),
        },
        config=kpn_config,
        root=config.rootpath,
    )


def marker_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The closest ``kpn`` marker's keyword arguments (none: an empty dict)."""
    marker = request.node.get_closest_marker("kpn")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(
            "the kpn marker takes keyword arguments only, e.g. @pytest.mark.kpn(profile='things')"
        )
    return dict(marker.kwargs)


def _settings_given(config: pytest.Config, kpn_config: Config) -> bool:
    return (
        kpn_config.source is not None
        or "KPN_TARGET" in os.environ
        or any(config.getoption(name) for name in _OPTIONS)
        or any(config.getini(name) for name in _INI)
    )
