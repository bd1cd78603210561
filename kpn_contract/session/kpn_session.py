"""One place that composes the layers into ready clients: profiles → tokens → transport → validation.

The pytest plugin, the command line and the notebook helpers are front doors; each builds a
:class:`KPNSession` and asks it for clients. The session owns what must live as long as a run:
the token cache (one token per API key), the per-profile token cassettes, the validator, and the
violations seen so far.

Why tokens get their own cassettes: the token cache spans the session, so only the first test
that needs a profile fetches its token. Recording that fetch into the first test's cassette
would make replay depend on test order (and on xdist's split); a token cassette per kind and token
host under ``<cassette_dir>/tokens/``, matched with the credentials scrubbed, replays in any order
and with any credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from kpn_contract.config.profiles import Config, Credentials, Profile, named_environment, resolve_credentials
from kpn_contract.config.run_modes import RecordMode
from kpn_contract.config.run_settings import SessionOptions, validation_modes
from kpn_contract.errors import ContractViolation, RequestViolation, UsageError
from kpn_contract.transport.routing import EmulatorRoutingTransport, SharedTransport

if TYPE_CHECKING:
    from kpn_contract.auth.tokens import Token, TokenProvider
    from kpn_contract.cassettes.scrub import Scrubber
    from kpn_contract.cassettes.store import Cassette
    from kpn_contract.contract.model import Violation
    from kpn_contract.contract.validate import Validator

__all__ = ["CassetteHandle", "KPNSession"]


@dataclass
class CassetteHandle:
    """A cassette opened for one test or notebook: its transport is shared by the clients built on it."""

    path: Path
    transport: httpx.BaseTransport
    meta: dict[str, Any] = field(default_factory=dict)

    def close(self, *, interrupted: bool = False) -> None:
        """Write what was recorded and close; ``interrupted``: write nothing (the cassette stays as is)."""
        if interrupted and (discard := getattr(self.transport, "discard", None)) is not None:
            discard()  # a RecordingTransport's unwritten recordings
        self.transport.close()


class KPNSession:
    """Builds authenticated, validating httpx clients for the profiles of one configuration."""

    def __init__(self, config: Config, options: SessionOptions, env: Mapping[str, str] | None = None) -> None:
        from kpn_contract.auth.tokens import TokenCache
        from kpn_contract.config.startup import register_startup_secrets

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
        # Told of every response of every client, validated or not (contract coverage listens here).
        self.observers: list[Callable[[httpx.Response], None]] = []
        self.replayed: list[Cassette] = []  # the cassettes replay opened (freshness counts the stale ones)

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
            from kpn_contract.auth.providers import provider_for

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

    def check_request(self, request: httpx.Request) -> list[Violation]:
        """Validate one request before it is sent; with ``on_violation="raise"`` it is then not sent."""
        violations = self.validator.check_request(request)
        if violations:
            self.violations.extend(violations)
            if self.options.on_violation == "raise":
                raise RequestViolation(violations, request_line=f"{request.method} {request.url}")
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
            from kpn_contract.transport.retry import RetryPolicy, RetryTransport

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

    def _meta(self, profiles: list[str], *, validated: bool | str) -> dict[str, Any]:
        # The recorder adds recorded_at and the toolkit version; specs fill in as responses validate.
        specs: dict[str, str] = {}
        meta: dict[str, Any] = {"target": self.options.target, "profiles": profiles, "specs": specs}
        # A negative test breaks the contract on purpose: `verify` shows validated: false/one side.
        requests, responses = validation_modes(validated)
        if not (requests and responses):
            meta["validated"] = "response" if responses else "request" if requests else False
        return meta

    def open_cassette(
        self,
        path: Path,
        profiles: list[str],
        *,
        mode: RecordMode | None = None,
        validated: bool | str = True,
    ) -> CassetteHandle:
        """A cassette for one test: replayed, recorded or passed through according to the options.

        ``mode`` overrides the session's record mode (the token cassettes use it); ``validated``
        (False, "response" or "request") marks a cassette whose test switched validation off for
        requests, responses or both (those violations are expected).
        """
        from kpn_contract.cassettes.record import open_cassette_transport
        from kpn_contract.cassettes.replay import ReplayTransport

        for name in profiles:
            self.credentials(name)  # registers the secrets before anything can be written
        base = self._base_transport(self.profile(profiles[0])) if profiles else None
        meta = self._meta(profiles, validated=validated)
        mode = mode or self.options.record_mode
        if mode is None:
            if base is None:  # pragma: no cover - replay always has a record mode
                raise UsageError("nothing to send requests to")
            return CassetteHandle(path, SharedTransport(base), meta)
        inner = SharedTransport(base) if base is not None else None  # the cassette must not close it
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
        if isinstance(transport, ReplayTransport):
            self.replayed.append(transport.cassette)
        return CassetteHandle(path, transport, meta)

    def token_cassette_path(self, name: str) -> Path:
        """Where the token requests of profile ``name`` are recorded: ``tokens/<kind>-<token host>.yaml``.

        Keyed by what a token request means, not by who made it: the profile's kind and the token
        host (from the template, so no tenant ID). The credentials are scrubbed from the request
        before it is matched, so a set recorded with one team's keys replays with none (the demo
        fallback) or with another's. Every profile of that kind and host shares the file, so
        profiles sharing credentials (or not) find their token in any order.
        """
        from urllib.parse import urlsplit

        profile = self.profile(name)
        host = urlsplit(profile.token_url).hostname or "token"  # the template: no tenant ID in it
        return self.options.cassette_dir / "tokens" / f"{profile.kind}-{host}.yaml"

    def _token_cassette(self, name: str) -> CassetteHandle:
        path = self.token_cassette_path(name)
        key = str(path)
        if key not in self._token_cassettes:
            # While recording, tokens are always fetched anew: a replayed (scrubbed) token would be
            # refused by the target the new API calls go to. Rewrite writes only what was fetched.
            recording = self.options.record_mode not in (None, "none")
            mode = RecordMode.REWRITE if recording else None
            self._token_cassettes[key] = self.open_cassette(path, [name], mode=mode)
        else:
            self.credentials(name)  # this profile's secrets are scrubbed from the shared file too
            profiles = self._token_cassettes[key].meta.setdefault("profiles", [])
            if name not in profiles:
                profiles[:] = sorted({*profiles, name})  # stable, whichever test asked first
        return self._token_cassettes[key]

    # -- clients --------------------------------------------------------------------------
    def token_client(self, name: str) -> httpx.Client:
        profile = self.profile(name)
        cassette = self._token_cassette(name)
        check = self.token_check(name, cassette) if self.options.validate else None
        return httpx.Client(
            transport=SharedTransport(cassette.transport),
            timeout=profile.timeout,
            follow_redirects=False,
            event_hooks={"response": self.response_hooks(check)},
        )

    def response_hooks(self, check: Callable[[httpx.Response], None] | None) -> list[Callable[..., Any]]:
        """A client's response hooks: the observers first (a violation raised by ``check`` ends the hooks)."""
        return [*self.observers, *([check] if check is not None else [])]

    def api_client_hooks(
        self, name: str, cassette: CassetteHandle, auth: httpx.Auth | None, validate: bool | str | None
    ) -> dict[str, list[Callable[..., Any]]]:
        """The (sync) event hooks of an API client: requests and responses checked as ``validate`` says."""
        requests, responses = validation_modes(self.options.validate if validate is None else validate)
        check = self.response_check(name, cassette, auth) if responses else None
        return {"request": [self.check_request] if requests else [], "response": self.response_hooks(check)}

    def token_check(self, name: str, cassette: CassetteHandle) -> Callable[[httpx.Response], None]:
        """The response check of profile ``name``'s token client (sync or async)."""
        from kpn_contract.transport.retry import is_transient_response

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
        validate: bool | str | None = None,
        subcustomer: bool = True,
        authenticated: bool = True,
    ) -> httpx.Client:
        """An ``httpx.Client`` for profile ``name``: base URL, KPNAuth, validation, the chosen target.

        ``subcustomer=False`` leaves out ``x-client-id`` (the context-switch call needs that);
        ``authenticated=False`` sends no token at all (negative tests of the auth answers).
        ``validate``: True (requests and responses), False, "request" or "response"; None: the
        session's setting. A request that breaks its contract raises before it is sent.
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
        return httpx.Client(
            base_url=profile.base_url,
            auth=auth,
            transport=SharedTransport(cassette.transport),
            timeout=profile.timeout,
            follow_redirects=False,  # a 302 from KPN Things is an auth failure, never a place to go
            event_hooks=self.api_client_hooks(name, cassette, auth, validate),
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
        validate: bool | str | None = None,
        subcustomer: bool = True,
        authenticated: bool = True,
    ) -> httpx.AsyncClient:
        """The asyncio form of :meth:`client`; close it with ``await client.aclose()`` in its loop."""
        from kpn_contract.session.async_clients import build_async_client

        return build_async_client(
            self,
            name,
            cassette=cassette,
            validate=validate,
            subcustomer=subcustomer,
            authenticated=authenticated,
        )

    def close(self, *, interrupted: bool = False) -> None:
        """Write the token cassettes and close every transport this session opened. ``interrupted``: an
        existing token cassette stays as is; a new one is written (finished tests replay tokens from it)."""
        for cassette in self._token_cassettes.values():
            cassette.close(interrupted=interrupted and cassette.path.exists())
        self._token_cassettes.clear()
        for transport in self._base.values():
            transport.close()
        self._base.clear()
