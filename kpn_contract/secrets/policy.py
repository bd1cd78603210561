"""Which ``KPN_*`` environment variables are named like credentials (start-up and audit agree).

Values too short to be secrets are refused by :func:`kpn_contract.config.credentials.check_secret_length`,
beside the ``ConfigError`` it raises: the error tree redacts through this package, so raising from
here would make an import circle.
"""

from __future__ import annotations

__all__ = ["CREDENTIAL_WORDS", "is_credential_variable"]

# Words in a KPN_* variable name that mark a credential (KPN_TARGET or KPN_EMULATOR_URL are not).
CREDENTIAL_WORDS = ("SECRET", "CLIENT_ID", "TENANT", "TOKEN", "SUBCUSTOMER", "PASSWORD", "API_KEY")


def is_credential_variable(name: str) -> bool:
    """True for a ``KPN_*`` environment variable named like a credential (start-up and audit agree)."""
    upper = name.upper()
    return upper.startswith("KPN_") and any(word in upper for word in CREDENTIAL_WORDS)
