"""The policy for values too short to be secrets: refuse them, by name, before anything runs.

A value under :data:`~kpn_contract.secrets.detector.MIN_SECRET_LENGTH` characters cannot be removed
from text without also hitting ordinary words (a 6-character secret turned ``application/json`` into
``apREDACTEDion/json``), so the toolkit refuses to run with one. The demo credentials are 20 or more
characters, and real API Store client IDs and secrets and GRIP tenant/key IDs are longer still.
"""

from __future__ import annotations

from kpn_contract.secrets.detector import MIN_SECRET_LENGTH

__all__ = ["CREDENTIAL_WORDS", "check_secret_length", "is_credential_variable"]

# Words in a KPN_* variable name that mark a credential (KPN_TARGET or KPN_EMULATOR_URL are not).
CREDENTIAL_WORDS = ("SECRET", "CLIENT_ID", "TENANT", "TOKEN", "SUBCUSTOMER", "PASSWORD", "API_KEY")


def is_credential_variable(name: str) -> bool:
    """True for a ``KPN_*`` environment variable named like a credential (start-up and audit agree)."""
    upper = name.upper()
    return upper.startswith("KPN_") and any(word in upper for word in CREDENTIAL_WORDS)


def check_secret_length(
    value: str,
    *,
    env_var: str,
    profile: str | None = None,
    field: str | None = None,
    path: str | None = None,
) -> None:
    """Raise a one-line ConfigError naming ``env_var`` (never the value) when ``value`` is too short."""
    if len(value) < MIN_SECRET_LENGTH:
        from kpn_contract.errors import ConfigError  # errors -> redact -> secrets: import when refusing

        raise ConfigError(
            f"value is shorter than {MIN_SECRET_LENGTH} characters: too short to be kept out of "
            "files and logs safely; use the full credential",
            profile=profile,
            field=field,
            env_var=env_var,
            path=path,
        )
