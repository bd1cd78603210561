"""The pytest plugin: options, markers and fixtures. Thin by design; the work is in the layers.

Importing this module imports pytest only (the run settings are read in ``pytest_settings.py``).
httpx, jsonschema, uvicorn and starlette load inside the fixtures that need them, so a project
that installs kpn_contract but does not use it pays nothing when pytest starts.

Run settings (target, record mode, cassette directory), highest first: command-line option > ini /
``[tool.pytest.ini_options]`` > ``[tool.kpn_contract]`` (through the overridable ``kpn_config``
fixture) > ``KPN_TARGET`` (target only) > default. Per test, the closest ``kpn`` marker chooses the
profile (else the ``kpn_profile`` ini value), narrows or switches off validation, or names a shared
cassette; a misspelt marker fails its test at setup (``pytest_settings.KPNMarker``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from kpn_contract.config.run_modes import RECORD_MODES, TARGETS
from kpn_contract.pytest.settings import (
    RECORD_MODE_ALIAS,
    cassette_node_id,
    check_vcr_marker,
    kpn_marker,
    recording_plugin_present,
)
from kpn_contract.pytest.traffic import PLUGIN_NAME, TrafficPlugin, add_traffic_options, traffic_plugin

if TYPE_CHECKING:
    import httpx

    from kpn_contract.config.profiles import Config
    from kpn_contract.config.run_settings import SessionOptions
    from kpn_contract.emulator import EmulatorServer
    from kpn_contract.session.kpn_session import CassetteHandle, KPNSession

_STARTUP_OPTIONS = pytest.StashKey["SessionOptions"]()
_VCR_ALIAS = pytest.StashKey[bool]()  # @pytest.mark.vcr is ours: pytest-recording is absent


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("kpn", "kpn_contract: contract testing for KPN's APIs")
    group.addoption(
        "--kpn-target",
        choices=TARGETS,
        default=None,
        help="where KPN calls go: replay (cassettes, network blocked; default), emulator, or live",
    )
    group.addoption(
        "--kpn-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="cassette record mode (vcrpy's names, plus rewrite); needs --kpn-target emulator or live",
    )
    group.addoption(
        "--kpn-cassettes", default=None, metavar="DIR", help="cassette directory (default: cassettes)"
    )
    group.addoption(
        "--kpn-emulator-url",
        default=None,
        metavar="URL",
        help="use a running emulator instead of starting one",
    )
    add_traffic_options(group)
    if not recording_plugin_present(pluginmanager):
        group.addoption(
            "--record-mode",
            dest=RECORD_MODE_ALIAS,
            choices=RECORD_MODES,
            default=None,
            help="pytest-recording's name for --kpn-record-mode (offered without pytest-recording)",
        )
    parser.addini("kpn_target", "default --kpn-target", default=None)
    parser.addini("kpn_record_mode", "default --kpn-record-mode", default=None)
    parser.addini("kpn_cassettes", "default --kpn-cassettes", default=None)
    parser.addini("kpn_profile", "profile for tests without a kpn marker", default="sandbox")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kpn(profile=None, validate=True, cassette=None): choose the credential profile, validate "
        'requests and responses (True), only "request" or "response", or neither (False), '
        "or share a named cassette",
    )
    config.stash[_VCR_ALIAS] = not recording_plugin_present(config.pluginmanager)
    if config.stash[_VCR_ALIAS]:
        config.addinivalue_line(
            "markers",
            "vcr: pytest-recording's marker, read by kpn_contract as: this test records its KPN calls",
        )
    if config.pluginmanager.has_plugin("asyncio"):
        # pytest-asyncio (strict mode) runs only fixtures made with its own decorator.
        from kpn_contract.pytest import _asyncio

        config.pluginmanager.register(_asyncio, "kpn_contract-asyncio")
    config.pluginmanager.register(TrafficPlugin(config), PLUGIN_NAME)  # coverage, stale replays
    from kpn_contract.pytest.settings import startup_options

    options = startup_options(config)
    if options is not None:
        config.stash[_STARTUP_OPTIONS] = options
        if options.target != "replay":
            from kpn_contract.pytest.interrupts import install_signal_handlers

            install_signal_handlers(config)  # SIGTERM stops a recording run like Ctrl-C
    from kpn_contract.pytest.sinks import guard_debug_log, guard_saferepr

    guard_debug_log(config)  # --debug's pytestdebug.log
    guard_saferepr()  # -l locals and assertion reprs: redacted before pytest cuts them


def pytest_unconfigure(config: pytest.Config) -> None:
    from kpn_contract.pytest.interrupts import restore_signal_handlers

    restore_signal_handlers(config)


def pytest_report_header(config: pytest.Config) -> str:
    from kpn_contract.pytest.settings import report_header

    return report_header(config, config.stash.get(_STARTUP_OPTIONS, None))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # Not in pytest_configure: pytest registers its logging plugin there, last.
    from kpn_contract.pytest.output import guard_pytest_logging

    guard_pytest_logging(session.config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Redact failure text, captured output and properties before any reporter (terminal, JUnit) sees them.

    A user's own ``assert token == ...`` would otherwise print a token through assertion rewriting.
    """
    outcome = yield
    from kpn_contract.pytest.output import redact_test_report

    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and call.excinfo is not None:
        from kpn_contract.pytest.failures import short_failure_report

        # A missing recording (the request, the cassette, the command) or a bad profile: no traceback.
        short = short_failure_report(call.excinfo.value, item.nodeid)
        if short is None:  # a violation or a token error: its message and the test's line
            from kpn_contract.pytest.failures import toolkit_error_report

            short = toolkit_error_report(item, call.excinfo)
        if short is not None:
            report.longrepr = short
    redact_test_report(report, call.excinfo)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    del collector
    outcome = yield
    from kpn_contract.pytest.output import redact_collect_report

    redact_collect_report(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> Generator[None, None, None]:
    """A parametrize ID holding a registered value becomes an opaque one, wherever the ID is shown."""
    yield
    from kpn_contract.pytest.sinks import opaque_parametrize_ids

    opaque_parametrize_ids(metafunc)


@pytest.hookimpl(tryfirst=True)  # a historic hook: no wrapper, but first
def pytest_warning_recorded(warning_message: Any) -> None:
    from kpn_contract.pytest.sinks import redact_warning

    redact_warning(warning_message)  # before the warnings summary keeps its text


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> Generator[None, None, None]:
    from kpn_contract.pytest.sinks import redact_interrupt

    redact_interrupt(excinfo)  # pytest.exit(msg) and KeyboardInterrupt(msg): before the banner is made
    yield


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_assertrepr_compare() -> Generator[None, list[Any], list[Any]]:
    from kpn_contract.pytest.sinks import redact_explanation

    return redact_explanation((yield))  # before pytest truncates long explanations


def pytest_runtest_setup(item: pytest.Item) -> None:
    kpn_marker(item)  # a misspelt key fails here, also in tests that use no kpn fixture


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    from kpn_contract.pytest.output import redact_junit_globals

    redact_junit_globals(session.config)


@pytest.fixture(scope="session")
def kpn_config(pytestconfig: pytest.Config) -> Config:
    """The ``[tool.kpn_contract]`` configuration. Override this fixture to build one in code."""
    from kpn_contract.pytest.settings import load_project_config

    return load_project_config(pytestconfig)


@pytest.fixture(scope="session")
def kpn_options(pytestconfig: pytest.Config, kpn_config: Config) -> SessionOptions:
    """The resolved run settings (target, record mode, cassette directory)."""
    from kpn_contract.pytest.settings import resolve_options

    return resolve_options(pytestconfig, kpn_config)


@pytest.fixture(scope="session")
def kpn_emulator(kpn_options: SessionOptions, kpn_config: Config) -> Iterator[EmulatorServer]:
    """The running local emulator (``--kpn-target emulator`` only); profiles' scopes limit their tokens."""
    if kpn_options.target != "emulator":
        pytest.skip(f"kpn_emulator needs --kpn-target emulator (this run targets {kpn_options.target})")
    from kpn_contract.session.run_contexts import EmulatorContext

    with EmulatorContext(profiles=kpn_config.profiles.values()) as server:
        yield server


@pytest.fixture(scope="session")
def kpn_session(
    request: pytest.FixtureRequest, kpn_config: Config, kpn_options: SessionOptions
) -> Iterator[KPNSession]:
    """One KPNSession per test session (per xdist worker): token cache, token cassettes, validator."""
    from kpn_contract.session.kpn_session import KPNSession

    if kpn_options.target == "emulator" and not kpn_options.emulator_url:
        server = request.getfixturevalue("kpn_emulator")
        kpn_options.emulator_url = server.base_url
    session = KPNSession(kpn_config, kpn_options)
    traffic_plugin(request.config).attach(session)
    yield session
    from kpn_contract.pytest.interrupts import run_interrupted

    session.close(interrupted=run_interrupted(request.session))


@pytest.fixture
def kpn_profile(request: pytest.FixtureRequest, pytestconfig: pytest.Config, kpn_config: Config) -> str:
    """The profile name for this test: the closest ``kpn`` marker, else the ``kpn_profile`` ini value."""
    profile = kpn_marker(request.node).profile
    if profile is None:
        return str(pytestconfig.getini("kpn_profile"))
    from kpn_contract.pytest.settings import check_marker_profile

    check_marker_profile(request.node, profile, {*kpn_config.profiles, *kpn_config.problems})
    return profile


@pytest.fixture
def kpn_cassette(
    request: pytest.FixtureRequest, kpn_session: KPNSession, kpn_profile: str
) -> Iterator[CassetteHandle]:
    """This test's cassette (named from the test, or shared through ``kpn(cassette=...)``)."""
    from kpn_contract.pytest.interrupts import run_interrupted
    from kpn_contract.session.run_contexts import test_cassette

    marker = kpn_marker(request.node)
    cassette = test_cassette(
        kpn_session,
        cassette_node_id(request.node),
        kpn_profile,
        marker.cassette,
        validated=marker.validation,
        test_file=request.node.path,
    )
    with cassette as handle:
        yield handle
        # Torn down after Ctrl-C/SIGTERM: the test did not finish, so nothing of it is written.
        cassette.interrupted = run_interrupted(request.session)


@pytest.fixture(autouse=True)
def _kpn_vcr_marker(request: pytest.FixtureRequest) -> None:
    """A test marked ``@pytest.mark.vcr`` gets its cassette (replay blocks its network), as under
    pytest-recording; without pytest-recording only (with it, the marker is pytest-recording's)."""
    if request.config.stash.get(_VCR_ALIAS, False) and check_vcr_marker(request.node):
        request.getfixturevalue("kpn_cassette")


@pytest.fixture
def kpn_client(
    request: pytest.FixtureRequest, kpn_session: KPNSession, kpn_cassette: CassetteHandle, kpn_profile: str
) -> Iterator[Callable[..., httpx.Client]]:
    """Factory: ``kpn_client("things")`` is an authenticated, validating ``httpx.Client``."""
    # The marker can switch validation off; otherwise the session's setting holds.
    validate = kpn_marker(request.node).client_validation
    clients: list[httpx.Client] = []

    def make(profile: str | None = None, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("validate", validate)
        client = kpn_session.client(profile or kpn_profile, cassette=kpn_cassette, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _async_closer(request: pytest.FixtureRequest) -> str:
    """The fixture that closes this test's async clients in the test's own event loop."""
    if "anyio_backend" in request.fixturenames:
        return "_kpn_async_clients_anyio"
    if request.node.get_closest_marker("asyncio") is not None and request.config.pluginmanager.has_plugin(
        "asyncio"
    ):
        return "_kpn_async_clients_asyncio"
    pytest.fail(
        "kpn_async_client needs an async test run by anyio (@pytest.mark.anyio) "
        "or pytest-asyncio (@pytest.mark.asyncio)",
        pytrace=False,
    )


@pytest.fixture
async def _kpn_async_clients_anyio() -> AsyncIterator[list[httpx.AsyncClient]]:
    """Async clients of one anyio test, closed in its event loop (anyio runs this fixture there)."""
    from kpn_contract.session.async_clients import aclose_all

    clients: list[httpx.AsyncClient] = []
    yield clients
    await aclose_all(clients)


@pytest.fixture
def kpn_async_client(
    request: pytest.FixtureRequest, kpn_session: KPNSession, kpn_cassette: CassetteHandle, kpn_profile: str
) -> Callable[..., httpx.AsyncClient]:
    """Factory: ``kpn_async_client("things")`` is an authenticated, validating ``httpx.AsyncClient``.

    Same profiles, markers, cassette and token cache as ``kpn_client``. For async tests run by anyio's
    plugin or pytest-asyncio; the clients are closed at teardown, in the test's event loop.
    """
    validate = kpn_marker(request.node).client_validation
    clients: list[httpx.AsyncClient] = request.getfixturevalue(_async_closer(request))

    def make(profile: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("validate", validate)
        client = kpn_session.async_client(profile or kpn_profile, cassette=kpn_cassette, **kwargs)
        clients.append(client)
        return client

    return make


@pytest.fixture
def kpn_token(
    kpn_session: KPNSession, kpn_cassette: CassetteHandle, kpn_profile: str
) -> Callable[[str | None], str]:
    """Factory: ``kpn_token("sandbox")`` is the profile's current access token."""
    del kpn_cassette  # requested so that replay blocks the network during this test too

    def get(profile: str | None = None) -> str:
        return kpn_session.token(profile or kpn_profile).access_token

    return get


@pytest.fixture(scope="session")
def kpn_fuzz_session(kpn_config: Config, kpn_options: SessionOptions) -> Iterator[Any]:
    """The fuzzing session behind ``kpn_contract.fuzz.kpn_schema()``: one target and token cache."""
    from kpn_contract.fuzz import open_fuzz_session

    session = open_fuzz_session(kpn_options, config=kpn_config)
    yield session
    session.close()
