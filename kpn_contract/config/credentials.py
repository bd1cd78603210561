"""Secrets from the environment: the values a profile's variables hold, and nothing else of it.

A :class:`~kpn_contract.config.profiles.Profile` names environment variables; :func:`resolve_credentials`
reads them into :class:`Credentials` (whose repr never shows a value) and registers every value as a
secret. :func:`environment_value` is how one variable is read, so no frame ever binds the whole
environment (``--showlocals`` and debuggers print a frame's locals).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from kpn_contract.config import _demo
from kpn_contract.errors import ConfigError
from kpn_contract.redact import register_secret
from kpn_contract.secrets import MIN_SECRET_LENGTH

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = [
    "ENV_VAR_NAME",
    "Credentials",
    "check_secret_length",
    "environment_value",
    "normalise_secret",
    "resolve_credentials",
]

# What an environment-variable name looks like (profiles and ``secret_env`` name variables, never values).
ENV_VAR_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def normalise_secret(raw: str | None) -> str:
    """THE normalisation of a credential read from the environment, for the client and the emulator alike.

    Surrounding whitespace is not part of a credential: a value set with ``$(cat key.txt)`` or pasted
    from an editor often ends with a newline, and the client and the emulator must agree on the value.
    """
    return (raw or "").strip()


@dataclass(frozen=True)
class Credentials:
    """The secret values a profile resolved to. Its repr and str never show a value."""

    profile: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    tenant_id: str | None = field(default=None, repr=False)
    subcustomer_id: str | None = field(default=None, repr=False)

    def secret_values(self) -> tuple[str, ...]:
        """Every value that must never be written to a file, log, repr or message."""
        values = (self.client_id, self.client_secret, self.tenant_id, self.subcustomer_id)
        return tuple(value for value in values if value)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'<set>' if getattr(self, name) else None}"
            for name in ("client_id", "client_secret", "tenant_id", "subcustomer_id")
        )
        return f"Credentials(profile={self.profile!r}, {shown})"

    __str__ = __repr__


def resolve_credentials(
    profile: Profile,
    env: Mapping[str, str] | None = None,
    *,
    demo_fallback: bool = False,
    source: str | os.PathLike[str] | None = None,
) -> Credentials:
    """Read the profile's secrets from the environment variables it names, and register them as secrets.

    ``demo_fallback=True`` (emulator and replay targets) takes the emulator's documented demo value for
    any variable that is unset: the default variable's own value, else the demo value of the profile's
    kind and field (so a custom profile replays without any secret set). A variable that is still unset,
    empty, or too short to be scrubbed is a ConfigError naming the profile, field and variable, and
    ``source`` (the config file that named the variable) when given.
    """
    where = str(source) if source is not None else None

    def read(field_name: str, env_var: str) -> str:
        value = normalise_secret(environment_value(env_var, env))
        if not value and demo_fallback:
            value = _demo.demo_value(profile.kind, field_name, env_var, profile.scopes)
        if not value:
            raise ConfigError(
                "environment variable is not set",
                profile=profile.name,
                field=field_name,
                env_var=env_var,
                path=where,
            )
        check_secret_length(value, env_var=env_var, profile=profile.name, field=field_name, path=where)
        register_secret(value, f"environment variable {env_var}")
        return value

    client_id = read("client_id_env", profile.client_id_env)
    client_secret = read("client_secret_env", profile.client_secret_env)
    tenant_id = read("tenant_id_env", profile.tenant_id_env) if profile.tenant_id_env else None
    subcustomer_id = (
        read("subcustomer_id_env", profile.subcustomer_id_env) if profile.subcustomer_id_env else None
    )
    return Credentials(
        profile=profile.name,
        client_id=client_id,
        client_secret=client_secret,
        tenant_id=tenant_id,
        subcustomer_id=subcustomer_id,
    )


def check_secret_length(
    value: str,
    *,
    env_var: str,
    profile: str | None = None,
    field: str | None = None,
    path: str | None = None,
) -> None:
    """Raise a one-line ConfigError naming ``env_var`` (never the value) when ``value`` is too short.

    A value under :data:`~kpn_contract.secrets.MIN_SECRET_LENGTH` characters cannot be removed from
    text without also hitting ordinary words (a 6-character secret turned ``application/json`` into
    ``apREDACTEDion/json``), so the toolkit refuses to run with one. The demo credentials are 20 or
    more characters, and real API Store client IDs and secrets and GRIP tenant/key IDs are longer still.
    Here rather than in ``secrets/``: the error tree redacts through that package.
    """
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"value is shorter than {MIN_SECRET_LENGTH} characters: too short to be kept out of "
            "files and logs safely; use the full credential",
            profile=profile,
            field=field,
            env_var=env_var,
            path=path,
        )


def environment_value(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """One variable of ``env`` (default ``os.environ``), or None when unset.

    Read through this rather than binding ``os.environ`` to a local: ``--showlocals`` and debuggers
    print a frame's locals, and the whole environment holds every other secret of the machine.
    """
    return (os.environ if env is None else env).get(name)
