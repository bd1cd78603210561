"""Start-up: register every secret the configuration points at, before anything runs or prints.

Every front door calls :func:`register_startup_secrets` first: the pytest plugin (``pytest_configure``,
so collection and test IDs are covered), the CLI (every subcommand, ``audit`` included), and
:class:`kpn_contract.session.kpn_session.KPNSession` (notebooks and library users). It registers, with the
variable's name as the source the audit reports:

* every variable that any configured profile names (client ID and secret, tenant ID, sub-customer
  ID), whether or not this run uses the profile;
* the variables listed in ``secret_env = [...]`` in ``[tool.kpn_contract]``;
* every other ``KPN_*`` variable named like a credential (``SECRET``, ``CLIENT_ID``, ``TENANT``, ...).

A value that a profile or ``secret_env`` names and that is shorter than
:data:`kpn_contract.secrets.MIN_SECRET_LENGTH` is refused with a one-line ConfigError naming the
variable (never the value). Unset variables are skipped: a profile nobody uses need not be configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kpn_contract.config.credentials import check_secret_length, normalise_secret
from kpn_contract.config.profiles import DEFAULT_PROFILES, Config, environment_value, load_config
from kpn_contract.redact import register_secret
from kpn_contract.secrets import is_credential_variable

__all__ = ["register_project_secrets", "register_startup_secrets"]


def register_startup_secrets(config: Config | None = None, env: Mapping[str, str] | None = None) -> None:
    """Register every configured secret from ``env`` (default ``os.environ``); refuse one too short."""
    where = str(config.source) if config is not None and config.source is not None else None
    profiles = dict(DEFAULT_PROFILES)
    if config is not None:
        profiles.update(config.profiles)
    named: dict[str, tuple[str | None, str]] = {}  # variable -> (profile, field) for the error
    for profile in profiles.values():
        for field_name in ("client_id_env", "client_secret_env", "tenant_id_env", "subcustomer_id_env"):
            variable: str | None = getattr(profile, field_name)
            if variable:
                named.setdefault(variable, (profile.name, field_name))
    for variable in config.secret_env if config is not None else ():
        named.setdefault(variable, (None, "secret_env"))
    for variable, (profile_name, field_name) in named.items():
        # One variable at a time: a local bound to the whole environment would show in --showlocals
        # when check_secret_length raises.
        value = normalise_secret(environment_value(variable, env))
        if value:
            check_secret_length(value, env_var=variable, profile=profile_name, field=field_name, path=where)
            register_secret(value, f"environment variable {variable}")
    for variable, raw in (os.environ if env is None else env).items():
        # Found by name only: such a variable may hold a number (KPN_TOKEN_LIFETIME), so no refusal;
        # register_secret skips values too short to be secrets.
        if variable not in named and is_credential_variable(variable):
            register_secret(normalise_secret(raw), f"environment variable {variable}")


def register_project_secrets(*, path: Path | None = None, start: Path | None = None) -> Config:
    """Load the project's config (``path``, or found upward from ``start``) and register its secrets.

    For front doors that have no config yet (the CLI, the pytest plugin). Returns the config read.
    """
    config = load_config(path, start=start)
    register_startup_secrets(config)
    return config
