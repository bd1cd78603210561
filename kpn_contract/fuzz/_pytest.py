"""pytest integration: ``schema = kpn_schema("things")`` then ``@schema.parametrize()``.

The emulator's URL is known only when the tests run, so :func:`kpn_schema` returns schemathesis's
lazy schema (``schemathesis.pytest.from_fixture``) and defines, in the calling test module, the
fixture it names. That fixture loads the spec and binds it to the base URL and to our auth through
the session-wide :func:`kpn_fuzz_session` fixture, which owns the emulator, the token transport and
one :class:`~kpn_contract.auth.tokens.TokenCache` (one token per API key for the whole session).

The kpn_contract pytest plugin provides ``kpn_fuzz_session`` (see :func:`open_fuzz_session`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kpn_contract.auth.tokens import TokenCache
from kpn_contract.config.credentials import environment_value
from kpn_contract.errors import UsageError
from kpn_contract.fuzz._auth import KPNSchemathesisAuth
from kpn_contract.fuzz._schema import (
    DEFAULT_PROFILES_BY_API,
    FuzzTarget,
    bind_schema,
    parse_fuzz_target,
    spec_for_api,
    token_transport,
)

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Config
    from kpn_contract.config.run_settings import SessionOptions

__all__ = ["FuzzSession", "kpn_schema", "open_fuzz_session"]

# The environment variable a CI job sets to fuzz KPN itself (the emulator URL is a run setting).
TARGET_ENV = "KPN_FUZZ_TARGET"


class FuzzSession:
    """The emulator (started lazily), the token transports and the token cache of one test session."""

    def __init__(
        self,
        *,
        target: FuzzTarget = "emulator",
        emulator_url: str | None = None,
        config: Config | None = None,
    ) -> None:
        self.target = target
        self.emulator_url = emulator_url
        self.config = config
        self.cache = TokenCache()
        self.server: Any = None
        self.auths: list[KPNSchemathesisAuth] = []
        self._stack = ExitStack()

    def url_for(self, target: FuzzTarget) -> str | None:
        """The emulator URL, starting an emulator the first time it is needed."""
        if target != "emulator":
            return None
        if self.emulator_url is None:
            from kpn_contract.emulator import EmulatorServer, EmulatorSettings

            self.server = EmulatorServer(EmulatorSettings.from_environment(os.environ)).start()
            self._stack.callback(self.server.stop)
            self.emulator_url = self.server.base_url
        return self.emulator_url

    def schema(
        self,
        api: str,
        *,
        profile: str | None = None,
        target: FuzzTarget | None = None,
        spec_dir: Path | None = None,
    ) -> Any:
        """A schemathesis schema of ``api`` bound to this session's target, the profile and our auth."""
        from kpn_contract.config.profiles import load_config, resolve_credentials

        chosen: FuzzTarget = target or self.target
        spec_path = spec_for_api(api, spec_dir)
        config = self.config if self.config is not None else load_config()
        the_profile = config.profile(profile or DEFAULT_PROFILES_BY_API[api])
        credentials = resolve_credentials(the_profile, demo_fallback=chosen == "emulator")
        url = self.url_for(chosen)
        transport = token_transport(chosen, url, verify=the_profile.tls_verify())
        self._stack.callback(transport.close)
        auth = KPNSchemathesisAuth.for_profile(
            the_profile, credentials, transport=transport, cache=self.cache
        )
        self._stack.callback(auth.close)
        self.auths.append(auth)
        return bind_schema(spec_path, auth, target=chosen, emulator_url=url).schema

    @property
    def token_fetches(self) -> int:
        """Token fetches over every schema of this session."""
        return sum(auth.token_fetches for auth in self.auths)

    def close(self) -> None:
        """Stop the emulator (if this session started it) and close every client."""
        self._stack.close()


def open_fuzz_session(
    options: SessionOptions, *, config: Config | None = None, env: Mapping[str, str] | None = None
) -> FuzzSession:
    """The fuzz session of a run whose settings ``options`` are (``run_settings.options_from_sources``).

    Fuzzing cannot replay: a ``live`` run fuzzes KPN itself; otherwise ``$KPN_FUZZ_TARGET`` decides, by
    default the emulator: the run's emulator URL (``--kpn-emulator-url`` or ``$KPN_EMULATOR_URL``) when
    one is running, else one started for the session. ``config`` is the run's configuration (default:
    found from the current folder). The plugin's ``kpn_fuzz_session`` fixture opens one per test
    session and closes it at the end.
    """
    target = "live" if options.target == "live" else environment_value(TARGET_ENV, env) or "emulator"
    return FuzzSession(target=parse_fuzz_target(target), emulator_url=options.emulator_url, config=config)


def kpn_schema(
    api: str = "things",
    *,
    profile: str | None = None,
    target: str | None = None,
    spec_dir: Path | None = None,
    fixture_name: str | None = None,
) -> Any:
    """A lazy schemathesis schema of a KPN API for ``@schema.parametrize()`` tests.

    ``api`` is a name of ``API_SPECS``: ``things`` or one of the 34 API Store products (``sms``,
    ``sim-swap``, ``parley``, ``number-verify``, ...; the spec comes from ``spec_dir`` or the bundled
    ``specs/``); ``profile`` defaults to ``things`` for KPN Things and ``sandbox`` for every
    product; ``target`` (``emulator``
    or ``live``) defaults to the session's. Call it at module level::

        from kpn_contract.fuzz import kpn_schema

        schema = kpn_schema("things")

        @schema.parametrize()
        def test_things_keeps_its_contract(case):
            case.call_and_validate()

    It defines the fixture ``fixture_name`` (default ``kpn_schema_<api>``) in the calling module.
    """
    import schemathesis

    spec_for_api(api, spec_dir)  # fail at collection with a clear message, not inside a fixture
    chosen = parse_fuzz_target(target) if target is not None else None
    name = fixture_name or f"kpn_schema_{api.replace('-', '_')}"
    caller = sys._getframe(1).f_globals
    if caller.get("__name__") == __name__:
        raise UsageError("kpn_schema must be called from a test module")

    def bound_schema(kpn_fuzz_session: FuzzSession, request: pytest.FixtureRequest) -> Any:
        # schemathesis 4's lazy schema reads Node._nodeid, which pytest 9 no longer has.
        if not hasattr(request.node, "_nodeid"):
            request.node._nodeid = request.node.nodeid
        return kpn_fuzz_session.schema(api, profile=profile, target=chosen, spec_dir=spec_dir)

    bound_schema.__doc__ = f"The {api!r} spec bound to the fuzz target and profile auth (from kpn_schema)."
    caller[name] = pytest.fixture(name=name)(bound_schema)
    return schemathesis.pytest.from_fixture(name)
