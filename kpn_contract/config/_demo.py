"""Demo credentials of the local emulator.

They are published on purpose: the emulator accepts them when no real credentials are set, and the
shipped cassettes were recorded with them. They open nothing at KPN. They are still registered
as secrets when a profile resolves to them, so the scrubbing paths are exercised the same way.
"""

from __future__ import annotations

from typing import Final

KPN_THINGS_APPLICATION_ID: Final = "4dc82561-f65f-523g-dek9-6c79ec314f02"  # not a valid UUID, as documented

SANDBOX_CLIENT_ID: Final = "emu-sandbox-client-id"
SANDBOX_CLIENT_SECRET: Final = "emu-sandbox-client-secret-0000"  # noqa: S105 - documented demo value
PROJECT_CLIENT_ID: Final = "emu-project-client-id"
PROJECT_CLIENT_SECRET: Final = "emu-project-client-secret-0000"  # noqa: S105
GRIP_TENANT_ID: Final = "emu-grip-tenant-0001"
GRIP_CLIENT_ID: Final = "emu-grip-key-id-0001"
GRIP_CLIENT_SECRET: Final = "emu-grip-key-secret-0000"  # noqa: S105
# An API key that exists but lacks the "KPN Things Portal" service (the second documented GRIP error).
GRIP_NO_SERVICE_CLIENT_ID: Final = "emu-grip-key-no-service"
GRIP_NO_SERVICE_CLIENT_SECRET: Final = "emu-grip-no-service-secret-0000"  # noqa: S105
THINGS_SUBCUSTOMER_ID: Final = "emu-subcustomer-0042"
# An API key whose tokens carry only the project.read scope (KPN Things' new API answers it 403 elsewhere).
GRIP_PROJECT_READER_CLIENT_ID: Final = "emu-grip-key-project-reader"
GRIP_PROJECT_READER_CLIENT_SECRET: Final = "emu-grip-project-reader-secret-0000"  # noqa: S105
GRIP_PROJECT_READER_SCOPES: Final = ("project.read",)
# The one API key the emulator accepts for a product on its own host (FIAM Eneco's ``apikey`` header).
PRODUCT_API_KEY: Final = "emu-demo-api-key"

# Environment variable -> demo value, as the four default profiles read them.
DEMO_ENVIRONMENT: Final[dict[str, str]] = {
    "KPN_SANDBOX_CLIENT_ID": SANDBOX_CLIENT_ID,
    "KPN_SANDBOX_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
    "KPN_PROJECT_CLIENT_ID": PROJECT_CLIENT_ID,
    "KPN_PROJECT_CLIENT_SECRET": PROJECT_CLIENT_SECRET,
    "KPN_GRIP_TENANT_ID": GRIP_TENANT_ID,
    "KPN_GRIP_CLIENT_ID": GRIP_CLIENT_ID,
    "KPN_GRIP_CLIENT_SECRET": GRIP_CLIENT_SECRET,
    "KPN_THINGS_SUBCUSTOMER_ID": THINGS_SUBCUSTOMER_ID,
    "KPN_GRIP_PROJECT_READER_CLIENT_ID": GRIP_PROJECT_READER_CLIENT_ID,
    "KPN_GRIP_PROJECT_READER_CLIENT_SECRET": GRIP_PROJECT_READER_CLIENT_SECRET,
}
# A sub-customer that exists but to which the demo key never requests access rights: its calls answer 403.
THINGS_UNGRANTED_SUBCUSTOMER_ID: Final = "emu-subcustomer-0099"

# Demo value per profile kind and field, for profiles whose variables are not the default names
# (a team's own profiles replay and run against the emulator without any secret set).
DEMO_BY_KIND: Final[dict[str, dict[str, str]]] = {
    "api-store": {"client_id_env": SANDBOX_CLIENT_ID, "client_secret_env": SANDBOX_CLIENT_SECRET},
    "grip": {
        "tenant_id_env": GRIP_TENANT_ID,
        "client_id_env": GRIP_CLIENT_ID,
        "client_secret_env": GRIP_CLIENT_SECRET,
        "subcustomer_id_env": THINGS_SUBCUSTOMER_ID,
    },
}


# A grip profile that declares ``scopes`` and reads variables of its own gets a demo key of its own,
# which the emulator limits to those scopes (the shared demo key keeps every scope for the others).
GRIP_SCOPED_CLIENT_SECRET: Final = "emu-grip-scoped-key-secret-0000"  # noqa: S105 - documented demo value


def scoped_demo_client_id(scopes: tuple[str, ...] | frozenset[str]) -> str:
    """The demo key ID of grip profiles limited to ``scopes`` (one per set of scopes)."""
    return f"emu-grip-key-scoped-{'-'.join(sorted(scopes))}"


def demo_value(kind: str, field_name: str, env_var: str, scopes: tuple[str, ...] = ()) -> str:
    """The demo value for ``env_var``: its own when it is a default variable, else its kind's; or "".

    A grip profile with ``scopes`` and variables of its own gets :func:`scoped_demo_client_id`.
    """
    if env_var in DEMO_ENVIRONMENT:
        return DEMO_ENVIRONMENT[env_var]
    if kind == "grip" and scopes and field_name == "client_id_env":
        return scoped_demo_client_id(scopes)
    if kind == "grip" and scopes and field_name == "client_secret_env":
        return GRIP_SCOPED_CLIENT_SECRET
    return DEMO_BY_KIND.get(kind, {}).get(field_name, "")
