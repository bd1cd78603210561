"""Credential profiles: which KPN API key to use, and where its secrets live.

A profile is read from ``[tool.kpn_contract.profiles.NAME]`` in ``pyproject.toml`` or from
``[profiles.NAME]`` in ``kpn-contract.toml`` (which wins when both exist). It names environment
variables, never values: secrets come **only** from the environment, and a secret written in a
config file is refused.

Two kinds:

* ``api-store``: the API Store gateway's OAuth 2.0 client credentials (the *sandbox* and *project*
  credential sets of the KPN Developer Portal);
* ``grip``: KPN Things through GRIP machine authentication (tenant ID, audience, API key ID and secret,
  optionally a sub-customer ID sent as ``x-client-id``).

Every error is a :class:`~kpn_contract.errors.ConfigError` naming the file, profile, field and
environment variable, never the value. Finding and reading the file is ``file.py``; reading the
secrets from the environment is ``credentials.py``; this module re-exports their public names.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, get_args
from urllib.parse import quote

from kpn_contract.config import _demo
from kpn_contract.config.credentials import (
    ENV_VAR_NAME,
    Credentials,
    environment_value,
    resolve_credentials,
)

# Re-exported: the file reading and the environment reading have modules of their own.
from kpn_contract.config.file import (
    CONFIG_FILE_NAME,
    PYPROJECT_NAME,
    check_keys,
    config_folder,
    did_you_mean,
    find_config,
    read_table,
    secret_env_names,
)
from kpn_contract.config.tls import trusted_context
from kpn_contract.errors import ConfigError

__all__ = [
    "CONFIG_FILE_NAME",
    "DEFAULT_PROFILES",
    "GATEWAY_BASE_URL",
    "GATEWAY_TOKEN_URL",
    "GRIP_TOKEN_URL",
    "PYPROJECT_NAME",
    "THINGS_BASE_URL",
    "Config",
    "Credentials",
    "Profile",
    "ProfileKind",
    "environment_value",
    "load_config",
    "named_environment",
    "resolve_credentials",
]

ProfileKind = Literal["api-store", "grip"]
PROFILE_KINDS: Final = get_args(ProfileKind)

GATEWAY_TOKEN_URL: Final = "https://api-prd.kpn.com/oauth/client_credential/accesstoken"  # noqa: S105 - a URL
GATEWAY_BASE_URL: Final = "https://api-prd.kpn.com"
# Three GRIP token URL forms are known; this is the documented default. ``{tenant_id}`` is filled in.
GRIP_TOKEN_URL: Final = "https://auth.grip-on-it.com/v2/{tenant_id}/oidc/idp/c1/token"  # noqa: S105
THINGS_BASE_URL: Final = "https://api.kpnthings.com"

_DEFAULT_URLS: Final[dict[str, tuple[str, str]]] = {
    "api-store": (GATEWAY_TOKEN_URL, GATEWAY_BASE_URL),
    "grip": (GRIP_TOKEN_URL, THINGS_BASE_URL),
}

# Keys that would hold a secret value instead of the name of an environment variable.
_SECRET_KEYS: Final = frozenset(
    {
        "client_id",
        "client_secret",
        "secret",
        "tenant_id",
        "subcustomer_id",
        "password",
        "token",
        "access_token",
        "api_key",
        "key",
    }
)


@dataclass(frozen=True)
class Profile:
    """One credential profile. It holds the names of environment variables, never secret values.

    ``token_url`` and ``base_url`` default to the documented URLs of the kind. ``verify`` is the TLS trust:
    ``True``, ``False`` or the path of a CA bundle (the PKI Overheid chain for KPN Things and GRIP).
    """

    name: str
    kind: ProfileKind
    token_url: str = ""
    base_url: str = ""
    client_id_env: str = ""
    client_secret_env: str = ""
    tenant_id_env: str | None = None
    audience: str = _demo.KPN_THINGS_APPLICATION_ID  # never validated as a UUID: it is not one
    subcustomer_id_env: str | None = None
    verify: bool | str = True
    timeout: float = 10.0
    expiry_margin: float = 60.0
    scrub: tuple[str, ...] = ()
    # The scopes a grip profile expects its tokens to carry (``kpn-contract access`` checks them).
    scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def fail(message: str, field_name: str, env_var: str | None = None) -> ConfigError:
            return ConfigError(message, profile=self.name, field=field_name, env_var=env_var)

        if self.kind not in PROFILE_KINDS:
            raise fail(f"unknown kind; expected one of {', '.join(PROFILE_KINDS)}", "kind")
        default_token_url, default_base_url = _DEFAULT_URLS[self.kind]
        if not self.token_url:
            object.__setattr__(self, "token_url", default_token_url)
        if not self.base_url:
            object.__setattr__(self, "base_url", default_base_url)
        for url_field in ("token_url", "base_url"):
            if not str(getattr(self, url_field)).startswith(("https://", "http://")):
                raise fail("must be an absolute http(s) URL", url_field)
        env_fields = {
            "client_id_env": self.client_id_env,
            "client_secret_env": self.client_secret_env,
            "tenant_id_env": self.tenant_id_env,
            "subcustomer_id_env": self.subcustomer_id_env,
        }
        for env_field in ("client_id_env", "client_secret_env"):
            if not env_fields[env_field]:
                raise fail("is required: name the environment variable that holds it", env_field)
        if self.kind == "grip" and not self.tenant_id_env:
            raise fail("is required for a grip profile: name the environment variable", "tenant_id_env")
        for env_field, env_name in env_fields.items():
            if env_name is not None and not ENV_VAR_NAME.fullmatch(env_name):
                # Do not echo it: a value that is not a variable name may well be the secret itself.
                raise fail("is not an environment-variable name (letters, digits and _ only)", env_field)
        if not self.audience:
            raise fail("must not be empty", "audience")
        if isinstance(self.verify, str) and not Path(self.verify).is_file():
            raise fail(f"CA bundle {self.verify} does not exist or is not a file", "verify")
        if not (self.timeout > 0 and self.timeout != float("inf")):
            raise fail("must be a positive number of seconds", "timeout")
        if not self.expiry_margin >= 0:
            raise fail("must be zero or a positive number of seconds", "expiry_margin")
        if self.scopes and self.kind != "grip":
            raise fail("is for grip profiles only (API Store tokens carry no scopes)", "scopes")

    def env_vars(self) -> tuple[str, ...]:
        """Every environment variable this profile reads, in a stable order."""
        names = [self.client_id_env, self.client_secret_env, self.tenant_id_env, self.subcustomer_id_env]
        return tuple(name for name in names if name)

    def tls_verify(self) -> bool | ssl.SSLContext:
        """The ``verify`` argument for httpx: False, or the process's shared context for the CA bundle."""
        if self.verify is False:
            return False
        try:
            return trusted_context(None if self.verify is True else self.verify)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"CA bundle {self.verify} cannot be loaded: {type(exc).__name__}",
                profile=self.name,
                field="verify",
            ) from None

    def resolved_token_url(self, credentials: Credentials) -> str:
        """``token_url`` with ``{tenant_id}`` (or ``{tenantId}``) filled in from the credentials."""
        tenant = quote(credentials.tenant_id or "", safe="")
        return self.token_url.replace("{tenant_id}", tenant).replace("{tenantId}", tenant)


def _default_profiles() -> dict[str, Profile]:
    things = Profile(
        name="things",
        kind="grip",
        client_id_env="KPN_GRIP_CLIENT_ID",
        client_secret_env="KPN_GRIP_CLIENT_SECRET",  # noqa: S106 - the name of a variable, not a secret
        tenant_id_env="KPN_GRIP_TENANT_ID",
    )
    return {
        "sandbox": Profile(
            name="sandbox",
            kind="api-store",
            client_id_env="KPN_SANDBOX_CLIENT_ID",
            client_secret_env="KPN_SANDBOX_CLIENT_SECRET",  # noqa: S106
        ),
        "project": Profile(
            name="project",
            kind="api-store",
            client_id_env="KPN_PROJECT_CLIENT_ID",
            client_secret_env="KPN_PROJECT_CLIENT_SECRET",  # noqa: S106
        ),
        "things": things,
        "things-subcustomer": dataclasses.replace(
            things, name="things-subcustomer", subcustomer_id_env="KPN_THINGS_SUBCUSTOMER_ID"
        ),
    }


DEFAULT_PROFILES: Final[Mapping[str, Profile]] = _default_profiles()


@dataclass(frozen=True)
class Config:
    """The kpn_contract settings of a project: its profiles and folders.

    ``root`` is the folder of the config file (or the start folder when there is none); ``source`` is
    the file read, or None. ``settings`` holds the whole ``[tool.kpn_contract]`` table for front doors
    that read keys of their own.
    """

    profiles: dict[str, Profile]
    cassette_dir: Path
    spec_dir: Path | None
    root: Path
    source: Path | None
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # Profiles that could not be built, with their error: raised only when the profile is used, so
    # one bad profile does not break the others (`kpn-contract profiles` lists them).
    problems: Mapping[str, ConfigError] = field(default_factory=dict, repr=False)
    secret_env: tuple[str, ...] = ()  # extra variables whose values are secrets (``secret_env``)

    def profile(self, name: str) -> Profile:
        """The profile called ``name``; a bad one raises its ConfigError, an unknown name lists the known."""
        problem = self.problems.get(name)
        if problem is not None:
            raise problem
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "(none)"
            where = str(self.source) if self.source else None
            raise ConfigError(f"unknown profile; known profiles: {known}", profile=name, path=where) from None


# --------------------------------------------------------------------------------------------------
# Building profiles from the config file (file.py finds and reads it)


_STRING_FIELDS: Final = (
    "token_url",
    "base_url",
    "client_id_env",
    "client_secret_env",
    "tenant_id_env",
    "audience",
    "subcustomer_id_env",
)
_PROFILE_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Profile)) - {"name"}


def _profile_from_table(name: str, table: object, path: Path, root: Path) -> Profile:
    where = str(path)

    def fail(message: str, field_name: str | None = None) -> ConfigError:
        return ConfigError(message, path=where, profile=name, field=field_name)

    if not isinstance(table, dict):
        raise fail("a profile must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECRET_KEYS or (key.endswith(("secret", "_id")) and key not in _PROFILE_FIELDS):
            raise fail(
                "a secret value is written in the config file; secrets come only from the environment: "
                f"name the environment variable in {key.removesuffix('_env')}_env instead",
                key,
            )
        if key not in _PROFILE_FIELDS:
            hint = did_you_mean(key, set(_PROFILE_FIELDS)).replace("known keys", "known fields")
            raise fail(f"unknown field{hint}", key)
        values[key] = _checked_value(key, value, fail, root)

    base = DEFAULT_PROFILES.get(name)
    if base is not None and values.get("kind", base.kind) == base.kind:
        merged = {f.name: getattr(base, f.name) for f in dataclasses.fields(Profile)}
        merged.update(values)
    else:
        if "kind" not in values:
            raise fail(f"is required for a new profile; one of {', '.join(PROFILE_KINDS)}", "kind")
        merged = {"name": name, **values}
    merged["name"] = name
    try:
        return Profile(**merged)
    except ConfigError as exc:
        located = ConfigError(f"{where}: {exc.message}")
        located.path, located.profile, located.field, located.env_var = (
            where,
            exc.profile,
            exc.field,
            exc.env_var,
        )
        raise located from None


def _checked_value(key: str, value: object, fail: Any, root: Path) -> object:
    if key == "kind":
        if value not in PROFILE_KINDS:
            raise fail(f"unknown kind; expected one of {', '.join(PROFILE_KINDS)}", key)
        return value
    if key in _STRING_FIELDS:
        if not isinstance(value, str):
            raise fail(f"must be a string, not {type(value).__name__}", key)
        return value
    if key == "verify":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            bundle = Path(value).expanduser()
            return str(bundle if bundle.is_absolute() else root / bundle)
        raise fail(f"must be true, false or the path of a CA bundle, not {type(value).__name__}", key)
    if key in ("timeout", "expiry_margin"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"must be a number of seconds, not {type(value).__name__}", key)
        return float(value)
    if key == "scrub":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail("must be a list of strings", key)
        return tuple(value)
    if key == "scopes":
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise fail('must be a list of scope names, e.g. ["device.read"]', key)
        return tuple(item.strip() for item in value)
    raise fail("unknown field", key)  # pragma: no cover - _PROFILE_FIELDS and this function agree


def load_config(path: Path | None = None, *, start: Path | None = None) -> Config:
    """Read the kpn_contract config and merge its profiles over :data:`DEFAULT_PROFILES`.

    With ``path``, read that file (``pyproject.toml`` → its ``[tool.kpn_contract]``; any other name →
    a ``kpn-contract.toml``). Otherwise search upward from ``start`` (default: the current folder) for
    ``kpn-contract.toml`` or a ``pyproject.toml`` with ``[tool.kpn_contract]``; in one folder,
    ``kpn-contract.toml`` wins. No file at all gives the defaults.
    """
    if path is not None:
        source: Path | None = Path(path).resolve()
        root = Path(path).resolve().parent
    else:
        source, root = find_config((start or Path.cwd()).resolve())
    table: dict[str, Any] = read_table(source) if source is not None else {}
    if source is not None:
        check_keys(table, source)
    profiles = dict(DEFAULT_PROFILES)
    problems: dict[str, ConfigError] = {}
    if source is not None:
        raw_profiles = table.get("profiles", {})
        if not isinstance(raw_profiles, dict):
            raise ConfigError("must be a table of profiles", path=str(source), field="profiles")
        for name, profile_table in raw_profiles.items():
            try:
                profiles[name] = _profile_from_table(name, profile_table, source, root)
            except ConfigError as exc:
                profiles.pop(name, None)
                problems[name] = exc
    cassette_dir = config_folder(table, "cassette_dir", "cassettes", root, source or root)
    assert cassette_dir is not None  # it has a default
    spec_dir = config_folder(table, "spec_dir", None, root, source or root)
    secret_env = secret_env_names(table, source)
    return Config(
        profiles=profiles,
        cassette_dir=cassette_dir,
        spec_dir=spec_dir,
        root=root,
        source=source,
        settings=table,
        problems=problems,
        secret_env=secret_env,
    )


def named_environment(
    config: Config, env: Mapping[str, str] | None = None, *, extra: tuple[str, ...] = ()
) -> dict[str, str]:
    """Only the environment variables that profiles (the defaults and ``config``'s) name, plus ``extra``.

    Sessions keep this rather than a copy of the whole environment: an object or local holding
    ``os.environ`` shows every other secret of the machine in ``--showlocals`` and debuggers.
    """
    profiles = [*DEFAULT_PROFILES.values(), *config.profiles.values()]
    names = {name for profile in profiles for name in profile.env_vars()} | set(extra)
    values = {name: environment_value(name, env) for name in sorted(names)}
    return {name: value for name, value in values.items() if value is not None}
