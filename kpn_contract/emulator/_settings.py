"""What the emulator accepts: credentials, tenants, sub-customers, lifetimes and the API variant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kpn_contract.config import _demo
from kpn_contract.config.credentials import normalise_secret
from kpn_contract.errors import UsageError
from kpn_contract.redact import register_secret

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = ["EmulatorSettings", "GripKey", "Variant"]

Variant = Literal["current", "next"]
VARIANTS: tuple[Variant, ...] = ("current", "next")


@dataclass(frozen=True)
class GripKey:
    """A GRIP API key: its secret, the tenant it belongs to, whether it has the KPN Things service, and
    the scopes its tokens carry (None: the emulator's ``scopes`` setting)."""

    secret: str = field(repr=False)
    tenant_id: str = field(repr=False)  # a tenant ID is a credential too: never in a repr
    things_service: bool = True
    scopes: frozenset[str] | None = None


# The published demo values: not secret, so left readable in the shipped cassettes.
_DEMO_VALUES = frozenset(
    {
        *_demo.DEMO_ENVIRONMENT.values(),
        _demo.GRIP_NO_SERVICE_CLIENT_ID,
        _demo.THINGS_UNGRANTED_SUBCUSTOMER_ID,
    }
)


def _register_unless_demo(value: str) -> None:
    # IDs, tenants and sub-customers an emulator was configured with are real values of someone's.
    if value not in _DEMO_VALUES:
        register_secret(value, "emulator setting")


_DEFAULT_SUBCUSTOMERS = frozenset({_demo.THINGS_SUBCUSTOMER_ID, _demo.THINGS_UNGRANTED_SUBCUSTOMER_ID})


def _default_clients() -> dict[str, str]:
    return {
        _demo.SANDBOX_CLIENT_ID: _demo.SANDBOX_CLIENT_SECRET,
        _demo.PROJECT_CLIENT_ID: _demo.PROJECT_CLIENT_SECRET,
    }


def _project_reader(tenant: str, client_id: str = _demo.GRIP_PROJECT_READER_CLIENT_ID,
                    secret: str = _demo.GRIP_PROJECT_READER_CLIENT_SECRET) -> dict[str, GripKey]:  # fmt: skip
    scopes = frozenset(_demo.GRIP_PROJECT_READER_SCOPES)
    return {client_id: GripKey(secret, tenant, things_service=True, scopes=scopes)}


def _default_grip_keys() -> dict[str, GripKey]:
    return {
        _demo.GRIP_CLIENT_ID: GripKey(_demo.GRIP_CLIENT_SECRET, _demo.GRIP_TENANT_ID, things_service=True),
        _demo.GRIP_NO_SERVICE_CLIENT_ID: GripKey(
            _demo.GRIP_NO_SERVICE_CLIENT_SECRET, _demo.GRIP_TENANT_ID, things_service=False
        ),
        **_project_reader(_demo.GRIP_TENANT_ID),
    }


@dataclass
class EmulatorSettings:
    """Everything that shapes one emulator instance. The defaults are the documented demo values.

    Secrets are kept out of ``repr`` and registered with :func:`kpn_contract.redact.register_secret`.
    """

    api_store_clients: dict[str, str] = field(default_factory=_default_clients, repr=False)
    grip_keys: dict[str, GripKey] = field(default_factory=_default_grip_keys, repr=False)
    gateway_token_lifetime: int = 3599
    grip_token_lifetime: int = 3600
    subcustomers: frozenset[str] = field(default=_DEFAULT_SUBCUSTOMERS, repr=False)  # IDs: not in reprs
    variant: Variant = "current"
    spec_dir: Path | None = None
    # A project's spec folders or files (config ``spec_dir``, ``emulate --specs``, fuzz's ``--spec``),
    # served beside ``spec_dir``; a project's definition of the same product replaces the bundled one.
    extra_specs: tuple[Path, ...] = ()
    device_count: int = 45
    # The scopes GRIP tokens carry (``emulate --scopes``); None: every scope the KPN Things specs name.
    scopes: frozenset[str] | None = None
    # Product resources answered by a successful DELETE answer 404 afterwards (``emulate
    # --remember-deletions``; ``kpn-contract fuzz`` turns it on for its own emulator). Off by default:
    # a suite that calls every operation once with the same generated IDs expects each to succeed.
    remember_deletions: bool = False

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise UsageError(
                f"emulator variant {self.variant!r} is unknown; choose one of {', '.join(VARIANTS)}"
            )
        for name in ("gateway_token_lifetime", "grip_token_lifetime"):
            if getattr(self, name) <= 0:
                raise UsageError(f"emulator setting {name} must be a positive number of seconds")
        if self.device_count < 0:
            raise UsageError("emulator setting device_count must not be negative")
        self.subcustomers = frozenset(self.subcustomers)
        if self.scopes is not None:
            self.scopes = frozenset(self.scopes)
        for client_id, secret in self.api_store_clients.items():
            register_secret(secret)
            _register_unless_demo(client_id)
        for key_id, key in self.grip_keys.items():
            register_secret(key.secret)
            _register_unless_demo(key_id)
            _register_unless_demo(key.tenant_id)
        for subcustomer in self.subcustomers:
            _register_unless_demo(subcustomer)

    @property
    def tenants(self) -> frozenset[str]:
        """The GRIP tenants that exist: every tenant that owns at least one key."""
        return frozenset(key.tenant_id for key in self.grip_keys.values())

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str], *, profiles: Iterable[Profile] = (), **overrides: object
    ) -> EmulatorSettings:
        """Settings that accept the credentials the default profiles resolve to.

        Each ``KPN_*`` variable of :data:`kpn_contract.config._demo.DEMO_ENVIRONMENT` that is set in ``env``
        replaces its demo value; the others keep the demo value. The demo key without the KPN Things
        service always exists too, so the second documented GRIP error can be provoked, as does the key
        whose tokens carry only ``project.read`` (the new API's 403 for a missing scope), and so does
        the demo sub-customer to which no access rights are ever requested (its calls answer 403).
        ``profiles`` (a project's) add the GRIP keys their variables hold, or their demo values, with
        the ``scopes`` they declare (:func:`_team_keys`). ``overrides`` are passed to the constructor
        (for example ``variant="next"``).
        """

        def value(name: str) -> str:
            # Normalised as the client normalises it, so a value ending in a newline is the same key.
            return normalise_secret(env.get(name)) or _demo.DEMO_ENVIRONMENT[name]

        tenant = value("KPN_GRIP_TENANT_ID")
        grip_keys = {
            value("KPN_GRIP_CLIENT_ID"): GripKey(
                value("KPN_GRIP_CLIENT_SECRET"), tenant, things_service=True
            ),
            _demo.GRIP_NO_SERVICE_CLIENT_ID: GripKey(
                _demo.GRIP_NO_SERVICE_CLIENT_SECRET, tenant, things_service=False
            ),
            **_project_reader(
                tenant,
                value("KPN_GRIP_PROJECT_READER_CLIENT_ID"),
                value("KPN_GRIP_PROJECT_READER_CLIENT_SECRET"),
            ),
        }
        grip_keys.update(_team_keys(profiles, env, grip_keys))
        clients = {
            value("KPN_SANDBOX_CLIENT_ID"): value("KPN_SANDBOX_CLIENT_SECRET"),
            value("KPN_PROJECT_CLIENT_ID"): value("KPN_PROJECT_CLIENT_SECRET"),
        }
        return cls(
            api_store_clients=clients,
            grip_keys=grip_keys,
            subcustomers=frozenset(
                {value("KPN_THINGS_SUBCUSTOMER_ID"), _demo.THINGS_UNGRANTED_SUBCUSTOMER_ID}
            ),
            **overrides,  # type: ignore[arg-type]
        )


def _team_keys(
    profiles: Iterable[Profile], env: Mapping[str, str], known: Mapping[str, GripKey]
) -> dict[str, GripKey]:
    """The GRIP keys a project's grip profiles resolve to, each limited to the scopes they declare.

    A key's tokens carry every scope unless every profile using it declares ``scopes``; then they
    carry the union of those. So a team profile with ``scopes = ["project.read"]`` is refused
    ``GET /devices`` with 403 ``insufficient_scope``, while a profile without scopes sharing the same
    key (the demo key, for one) keeps every scope. Variables unset take the demo values, as the
    profiles do in the emulator target (a scoped profile with variables of its own: a scoped demo key).
    """
    limits: dict[str, frozenset[str] | None] = {}
    keys: dict[str, GripKey] = {}
    for profile in profiles:
        if profile.kind != "grip":
            continue

        def value(field_name: str, env_var: str | None, scopes: tuple[str, ...] = profile.scopes) -> str:
            given = env.get(env_var, "").strip() if env_var else ""
            return given or _demo.demo_value("grip", field_name, env_var or "", scopes)

        key_id = value("client_id_env", profile.client_id_env)
        previous = limits.get(key_id, frozenset())
        scopes = frozenset(profile.scopes) if profile.scopes else None
        limits[key_id] = None if previous is None or scopes is None else previous | scopes
        base = known.get(key_id) or keys.get(key_id)
        secret = base.secret if base else value("client_secret_env", profile.client_secret_env)
        tenant = base.tenant_id if base else value("tenant_id_env", profile.tenant_id_env)
        keys[key_id] = GripKey(secret, tenant, things_service=True)
    return {
        key_id: GripKey(key.secret, key.tenant_id, things_service=key.things_service, scopes=limits[key_id])
        for key_id, key in keys.items()
        if limits[key_id] is not None or key_id not in known
    }
