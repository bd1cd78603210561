"""One place that composes the layers into ready clients: profiles → tokens → transport → validation.

The pytest plugin, the command line and the notebook helpers are front doors; each builds a
:class:`KPNSession` and asks it for clients. The session owns what must live as long as a run:
the token cache (one token per API key), the per-profile token cassettes, the validator, and the
violations seen so far.

Why tokens get their own cassettes: the token cache spans the session, so only the first test
that needs a profile fetches its token. Recording that fetch into the first test's cassette
would make replay depend on test order (and on xdist's split); a token cassette per API key (the
token cache's key) under ``<cassette_dir>/tokens/`` replays in any order.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from kpn_contract.errors import ContractViolation, UsageError
from kpn_contract.profiles import (
    Config,
    Credentials,
    Profile,
    environment_value,
    named_environment,
    resolve_credentials,
)
from kpn_contract.transport import EmulatorRoutingTransport, SharedTransport, Target

if TYPE_CHECKING:
    from kpn_contract.auth.tokens import Token, TokenProvider
    from kpn_contract.cassettes.scrub import Scrubber
    from kpn_contract.contract.model import Violation
    from kpn_contract.contract.validate import Validator
    from kpn_contract.retry import RetryPolicy

__all__ = ["RECORD_MODES", "CassetteHandle", "KPNSession", "SessionOptions"]

log = logging.getLogger("kpn_contract.session")

RecordMode = Literal["none", "once", "new_episodes", "all", "rewrite"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "once", "new_episodes", "all", "rewrite")
OnViolation = Literal["raise", "collect"]


@dataclass
class SessionOptions:
    """How a run talks to KPN. Front doors fill this from options, config and environment."""

    target: Target = "replay"
    emulator_url: str | None = None
    cassette_dir: Path = Path("cassettes")
    record_mode: RecordMode | None = None  # None: no cassettes (emulator/live); replay always plays back
    validate: bool = True
    on_violation: OnViolation = "raise"
    spec_dir: Path | None = None
    retry: RetryPolicy | None = None  # None: the default policy (retry.py)
    miss_hint: str | None = None  # how to record a missing interaction; None: the pytest options
    # The folder writes and lock files must stay inside (one `.locks/` there); None: cassette_dir.
    cassette_root: Path | None = None

    def __post_init__(self) -> None:
        if self.target == "replay":
            if self.record_mode not in (None, "none"):
                raise UsageError(
                    f"record mode {self.record_mode!r} needs a target to record from: "
                    "add --kpn-target emulator or --kpn-target live"
                )
            self.record_mode = "none"
        if self.record_mode is not None and self.record_mode not in RECORD_MODES:
            raise UsageError(
                f"unknown record mode {self.record_mode!r}: choose one of {', '.join(RECORD_MODES)}"
            )


@dataclass
class CassetteHandle:
    """A cassette opened for one test or notebook: its transport is shared by the clients built on it."""

    path: Path
    transport: httpx.BaseTransport
    meta: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.transport.close()


class KPNSession:
    """Builds authenticated, validating httpx clients for the profiles of one configuration."""

    def __init__(self, config: Config, options: SessionOptions, env: Mapping[str, str] | None = None) -> None:
        from kpn_contract.auth.tokens import TokenCache
        from kpn_contract.startup import register_startup_secrets

        if options.target == "emulator" and not options.emulator_url:
            raise UsageError(
                "the emulator target needs the emulator's URL (start one with `kpn-contract emulate`)"
            )
        self.config = config
        self.options = options
        self._env = named_environment(config, env)  # never the whole environment (--showlocals)
        register_startup_secrets(config, env)  # every profile's values, used here or not
        self.cache = TokenCache()
        self.violations: list[Violation] = []
        self.token_verdicts: dict[str, list[Violation]] = {}
        self._credentials: dict[str, Credentials] = {}
        self._providers: dict[str, TokenProvider] = {}
        self._token_cassettes: dict[str, CassetteHandle] = {}
        self._validator: Validator | None = None
        self._versions: dict[str, str] | None = None
        self._base: dict[str, httpx.BaseTransport] = {}

    # -- profiles -------------------------------------------------------------------------
    def profile(self, name: str) -> Profile:
        return self.config.profile(name)

    def credentials(self, name: str) -> Credentials:
        if name not in self._credentials:
            # Offline targets fall back to the emulator's documented demo credentials.
            self._credentials[name] = resolve_credentials(
                self.profile(name),
                self._env,
                demo_fallback=self.options.target != "live",
                source=self.config.source,
            )
        return self._credentials[name]

    def provider(self, name: str) -> TokenProvider:
        if name not in self._providers:
            from kpn_contract.auth.tokens import provider_for

            self._providers[name] = provider_for(
                self.profile(name), self.credentials(name), retry=self.options.retry
            )
        return self._providers[name]

    # -- contracts ------------------------------------------------------------------------
    @property
    def validator(self) -> Validator:
        if self._validator is None:
            from kpn_contract.contract.specs import project_index
            from kpn_contract.contract.validate import Validator

            spec_dir = self.options.spec_dir or self.config.spec_dir
            self._validator = Validator(project_index(spec_dir))
        return self._validator

    def check(self, response: httpx.Response, specs_used: dict[str, str] | None = None) -> list[Violation]:
        """Validate one response and apply the violation policy.

        ``specs_used`` (a cassette's metadata) learns the ``info.version`` of the spec that matched.
        """
        response.read()
        validator = self.validator
        violations = validator.check(response)
        if specs_used is not None:
            operation = validator.index.find(response.request.method, str(response.request.url))
            if operation is not None:
                specs_used[operation.spec_title] = self._spec_versions()[operation.spec_path]
        if violations:
            self.violations.extend(violations)
            if self.options.on_violation == "raise":
                raise ContractViolation(violations, excerpt=response.text[:600])
        return violations

    def _spec_versions(self) -> dict[str, str]:
        if self._versions is None:
            self._versions = {spec.path: spec.version for spec in self.validator.index.specs}
        return self._versions

    # -- transports -----------------------------------------------------------------------
    def _base_transport(self, profile: Profile) -> httpx.BaseTransport | None:
        """Where requests of ``profile`` physically go; None in replay (nothing may go anywhere)."""
        target = self.options.target
        if target == "replay":
            return None
        key = profile.name if target == "live" else "emulator"
        if key not in self._base:
            from kpn_contract.retry import RetryPolicy, RetryTransport

            inner: httpx.BaseTransport
            if target == "live":
                inner = httpx.HTTPTransport(verify=profile.tls_verify())
            else:
                assert self.options.emulator_url is not None
                inner = EmulatorRoutingTransport(self.options.emulator_url)
            # Retries sit below the recorder, so a cassette holds the outcome, not the attempts.
            self._base[key] = RetryTransport(inner, self.options.retry or RetryPolicy())
        return self._base[key]

    def scrubber(self) -> Scrubber:
        from kpn_contract.cassettes.scrub import Scrubber

        secrets: list[str] = []
        identifiers: list[str] = []
        for creds in self._credentials.values():
            secrets.extend(creds.secret_values())
        for name, creds in self._credentials.items():
            profile = self.profile(name)
            if "subcustomer_id" in profile.scrub and creds.subcustomer_id:
                identifiers.append(creds.subcustomer_id)
        return Scrubber(secrets=secrets, identifiers=identifiers)

    def _meta(self, profiles: list[str], *, validated: bool) -> dict[str, Any]:
        # The recorder adds recorded_at and the toolkit version when it writes.
        specs: dict[str, str] = {}  # filled in as responses are validated
        meta: dict[str, Any] = {"target": self.options.target, "profiles": profiles, "specs": specs}
        if not validated:
            # A negative test records answers that break the contract on purpose; `verify` says so.
            meta["validated"] = False
        return meta

    def open_cassette(
        self, path: Path, profiles: list[str], *, mode: RecordMode | None = None, validated: bool = True
    ) -> CassetteHandle:
        """A cassette for one test: replayed, recorded or passed through according to the options.

        ``mode`` overrides the session's record mode (the token cassettes use it); ``validated=False``
        marks a cassette whose test switched validation off (its violations are expected).
        """
        from kpn_contract.cassettes.record import open_cassette_transport

        for name in profiles:
            self.credentials(name)  # registers the secrets before anything can be written
        base = self._base_transport(self.profile(profiles[0])) if profiles else None
        meta = self._meta(profiles, validated=validated)
        mode = mode or self.options.record_mode
        if mode is None:
            if base is None:  # pragma: no cover - replay always has a record mode
                raise UsageError("nothing to send requests to")
            return CassetteHandle(path, SharedTransport(base), meta)
        # The base transport is the session's: the cassette must not close it with itself.
        inner = SharedTransport(base) if base is not None else None
        # Writes (and lock files) stay inside the cassette directory, never through a link in it.
        transport = open_cassette_transport(
            path,
            mode,
            inner,
            self.scrubber(),
            meta,
            miss_hint=self.options.miss_hint,
            root=self.options.cassette_root or self.options.cassette_dir,
        )
        return CassetteHandle(path, transport, meta)

    def token_cassette_path(self, name: str) -> Path:
        """Where the token requests of profile ``name`` are recorded.

        Keyed by what identifies a token request, exactly as the token cache is: the kind, the token
        URL and the client ID (``tokens/<kind>-<token host>-<hash>.yaml``, the hash covering the
        resolved URL and the ID, neither of which is written). Profiles that share credentials share
        the cached token, so whichever asks first records it, and all of them find it in any order.
        """
        from urllib.parse import urlsplit

        profile = self.profile(name)
        host = urlsplit(profile.token_url).hostname or "token"  # the template: no tenant ID in it
        digest = self.provider(name).cache_key.removeprefix("token:")[:12]
        return self.options.cassette_dir / "tokens" / f"{profile.kind}-{host}-{digest}.yaml"

    def _token_cassette(self, name: str) -> CassetteHandle:
        key = self.provider(name).cache_key
        if key not in self._token_cassettes:
            # While recording, tokens are always fetched anew: a replayed (scrubbed) token would be
            # refused by the target the new API calls go to. Rewrite writes only what was fetched.
            recording = self.options.record_mode not in (None, "none")
            mode: RecordMode | None = "rewrite" if recording else None
            path = self.token_cassette_path(name)
            self._token_cassettes[key] = self.open_cassette(path, [name], mode=mode)
        return self._token_cassettes[key]

    # -- clients --------------------------------------------------------------------------
    def token_client(self, name: str) -> httpx.Client:
        profile = self.profile(name)
        cassette = self._token_cassette(name)
        hooks: dict[str, list[Any]] = {"response": [self.token_check(name, cassette)]}
        return httpx.Client(
            transport=SharedTransport(cassette.transport),
            timeout=profile.timeout,
            follow_redirects=False,
            event_hooks=hooks if self.options.validate else {},
        )

    def token_check(self, name: str, cassette: CassetteHandle) -> Callable[[httpx.Response], None]:
        """The response check of profile ``name``'s token client (sync or async)."""
        from kpn_contract.retry import is_transient_response

        def check(response: httpx.Response) -> None:
            # A 5xx or 429 is the retry policy's business: retried, or the last one becomes a TokenError.
            if is_transient_response(response):
                return
            self.token_verdicts[name] = self.check(response, cassette.meta["specs"])

        return check

    def token(self, name: str) -> Token:
        """The cached token of profile ``name``, fetched when missing or about to expire."""
        provider = self.provider(name)
        with self.token_client(name) as client:
            return self.cache.get(provider.cache_key, lambda: provider.fetch(client))

    def client(
        self,
        name: str,
        *,
        cassette: CassetteHandle | None = None,
        validate: bool | None = None,
        subcustomer: bool = True,
        authenticated: bool = True,
    ) -> httpx.Client:
        """An ``httpx.Client`` for profile ``name``: base URL, KPNAuth, validation, the chosen target.

        ``subcustomer=False`` leaves out ``x-client-id`` (the context-switch call needs that);
        ``authenticated=False`` sends no token at all (negative tests of the auth answers).
        """
        from kpn_contract.auth.httpx_auth import KPNAuth

        profile = self.profile(name)
        creds = self.credentials(name)
        if cassette is None:
            cassette = self.open_cassette(self.options.cassette_dir / "adhoc" / f"{name}.yaml", [name])
        auth = (
            KPNAuth(
                self.provider(name),
                self.cache,
                token_client=self.token_client(name),
                subcustomer_id=creds.subcustomer_id if subcustomer else None,
            )
            if authenticated
            else None
        )
        do_validate = self.options.validate if validate is None else validate
        hooks: dict[str, list[Any]] = (
            {"response": [self.response_check(name, cassette, auth)]} if do_validate else {}
        )
        return httpx.Client(
            base_url=profile.base_url,
            auth=auth,
            transport=SharedTransport(cassette.transport),
            timeout=profile.timeout,
            follow_redirects=False,  # a 302 from KPN Things is an auth failure, never a place to go
            event_hooks=hooks,
        )

    def response_check(
        self, name: str, cassette: CassetteHandle, auth: httpx.Auth | None
    ) -> Callable[[httpx.Response], None]:
        """The response check of an API client of profile ``name`` (sync or async)."""
        from kpn_contract.auth.httpx_auth import auth_failure

        specs_used = cassette.meta["specs"]
        grip = self.profile(name).kind == "grip"

        def check(response: httpx.Response) -> None:
            # KPNAuth renews the token after an auth failure and asks again: only its final answer is
            # held to the contract (a second failure becomes KPNAuth's TokenError).
            response.read()
            if auth is not None and auth_failure(response, grip=grip) is not None:
                return
            self.check(response, specs_used)

        return check

    def async_client(
        self,
        name: str,
        *,
        cassette: CassetteHandle | None = None,
        validate: bool | None = None,
        subcustomer: bool = True,
        authenticated: bool = True,
    ) -> httpx.AsyncClient:
        """The asyncio form of :meth:`client`; close it with ``await client.aclose()`` in its loop."""
        from kpn_contract.async_session import build_async_client

        return build_async_client(
            self,
            name,
            cassette=cassette,
            validate=validate,
            subcustomer=subcustomer,
            authenticated=authenticated,
        )

    def close(self) -> None:
        """Write the token cassettes and close every transport this session opened."""
        for cassette in self._token_cassettes.values():
            cassette.close()
        self._token_cassettes.clear()
        for transport in self._base.values():
            transport.close()
        self._base.clear()


def options_from_sources(
    *,
    cli: Mapping[str, str | None],
    ini: Mapping[str, str | None],
    config: Config,
    env: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> SessionOptions:
    """Resolve run settings: command line > ini > ``[tool.kpn_contract]`` > ``KPN_TARGET`` env > default.

    ``KPN_TARGET`` lets notebooks and CI switch target without touching code.
    """
    from kpn_contract.transport import parse_target

    def first(key: str, *, from_config: object = None, from_env: str | None = None) -> str | None:
        for value in (cli.get(key), ini.get(key), from_config, from_env):
            if value not in (None, ""):
                return str(value)
        return None

    settings = config.settings
    target = parse_target(
        first("target", from_config=settings.get("target"), from_env=environment_value("KPN_TARGET", env))
        or "replay"
    )
    record_mode = first("record_mode", from_config=settings.get("record_mode"))
    cassette_dir = Path(first("cassette_dir", from_config=config.cassette_dir) or "cassettes")
    if not cassette_dir.is_absolute():
        cassette_dir = (root or config.root) / cassette_dir
    return SessionOptions(
        target=target,
        emulator_url=cli.get("emulator_url") or None,
        cassette_dir=cassette_dir,
        record_mode=record_mode,  # type: ignore[arg-type]  # checked in __post_init__
        spec_dir=config.spec_dir,
    )


class EmulatorContext:
    """Start an emulator that accepts the credentials the profiles resolve to (environment, else demo).

    Imports uvicorn and starlette only when entered.
    """

    def __init__(
        self, variant: Literal["current", "next"] = "current", *, scopes: Iterable[str] | None = None
    ) -> None:
        self.variant = variant
        self.scopes = None if scopes is None else frozenset(scopes)  # None: every scope the specs name

    def __enter__(self) -> Any:
        from kpn_contract.emulator import EmulatorServer, EmulatorSettings

        settings = EmulatorSettings.from_environment(os.environ, scopes=self.scopes)
        settings.variant = self.variant
        self.server = EmulatorServer(settings).start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


class test_cassette:  # noqa: N801 - used like contextlib's lower-case context managers
    """Open the cassette of one test; in replay, refuse every network connection meanwhile."""

    def __init__(
        self,
        session: KPNSession,
        nodeid: str,
        profile: str,
        shared_name: object,
        *,
        validated: bool = True,
        test_file: Path | None = None,
    ) -> None:
        self.session = session
        self.nodeid = nodeid
        self.test_file = test_file  # names the cassette folder of a test outside the rootdir
        self.profile = profile
        self.shared_name = shared_name
        self.validated = validated
        self._block: Any = None

    def __enter__(self) -> CassetteHandle:
        from kpn_contract.cassettes.naming import cassette_path

        path = cassette_path(
            self.session.options.cassette_dir, self.nodeid, self.shared_name, test_file=self.test_file
        )
        self.handle = self.session.open_cassette(path, [self.profile], validated=self.validated)
        if self.session.options.target == "replay":
            from kpn_contract.cassettes.netblock import block_network

            self._block = block_network()
            self._block.__enter__()
        return self.handle

    def __exit__(self, *exc: object) -> None:
        try:
            if self._block is not None:
                self._block.__exit__(*exc)
        finally:
            self.handle.close()


@dataclass(frozen=True)
class TokenReport:
    """What ``kpn-contract token`` and the notebooks show of a token: never the token itself."""

    profile: str
    kind: str
    masked: str
    token_type: str
    expires_in: float
    expires_at: str
    violations: tuple[Violation, ...]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def render(self) -> str:
        verdict = "matches its schema" if self.conforms else f"{len(self.violations)} contract violation(s)"
        lines = [
            f"profile:    {self.profile} ({self.kind})",
            f"token:      {self.masked}",
            f"type:       {self.token_type}",
            f"expires in: {self.expires_in:.0f} s (at {self.expires_at})",
            f"response:   {verdict}",
        ]
        lines.extend(f"  - {v.describe()}" for v in self.violations)
        return "\n".join(lines)


def describe_token(session: KPNSession, profile: str) -> TokenReport:
    """Fetch (or reuse) the token of ``profile`` and describe it with its schema verdict."""
    from kpn_contract.redact import mask

    token = session.token(profile)
    expires_at = dt.datetime.fromtimestamp(token.expires_at(), dt.UTC).isoformat(timespec="seconds")
    return TokenReport(
        profile=profile,
        kind=session.profile(profile).kind,
        masked=mask(token.access_token),
        token_type=token.token_type,
        expires_in=token.expires_in,
        expires_at=expires_at,
        violations=tuple(session.token_verdicts.get(profile, ())),
    )
