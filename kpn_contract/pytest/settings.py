"""The pytest plugin's run settings: read once at start-up, checked once, one line on error.

The plugin's hooks and fixtures call these; the precedence itself lives in
``run_settings.options_from_sources``. The ``kpn`` marker is read here too, into a strict
:class:`KPNMarker` (like pytest_httpx's options object): a misspelt key fails the test at its setup
instead of quietly testing the default profile. Importing this module imports pytest only, like the plugin.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import pytest

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Config
    from kpn_contract.config.run_settings import SessionOptions

__all__ = [
    "RECORD_MODE_ALIAS",
    "KPNMarker",
    "ValidationScope",
    "cassette_node_id",
    "check_marker_profile",
    "check_vcr_marker",
    "config_search_start",
    "kpn_marker",
    "load_project_config",
    "recording_plugin_present",
    "report_header",
    "resolve_options",
    "startup_options",
]

_OPTIONS = ("--kpn-target", "--kpn-record-mode", "--kpn-cassettes", "--kpn-emulator-url")
_INI = ("kpn_target", "kpn_record_mode", "kpn_cassettes")
_CONFIG_SOURCE = pytest.StashKey[Path | None]()  # the config file read at start-up, for the header


def startup_options(config: pytest.Config) -> SessionOptions | None:
    """Register every configured secret, then resolve and check the run settings, once per run.

    None when nothing configures kpn_contract (the defaults: nothing to check, and httpx is not
    imported for a project that does not use us). Bad settings raise one ``pytest.UsageError`` line
    instead of one identical error per test.
    """
    from kpn_contract.config.startup import register_project_secrets
    from kpn_contract.errors import KPNContractError

    try:
        # Every configured secret is known before collection builds a test ID or anything prints.
        register_project_secrets(start=config_search_start(config))
        kpn_config = load_project_config(config)
        config.stash[_CONFIG_SOURCE] = kpn_config.source
        if not _settings_given(config, kpn_config):
            return None
        options = resolve_options(config, kpn_config)
        from kpn_contract.config.run_settings import check_folders

        check_folders(options, kpn_config)  # a wrong folder: one line, not one failure per test
        if options.target == "emulator" and options.emulator_url:
            from kpn_contract.transport.routing import check_emulator_url

            check_emulator_url(options.emulator_url)  # named once, before any test asks it for a token
    except KPNContractError as exc:
        raise pytest.UsageError(f"kpn_contract: {exc.message.splitlines()[0]}") from None
    return options


def report_header(config: pytest.Config, options: SessionOptions | None) -> str:
    """The header line: the resolved target and record mode, the config file read, the cassettes."""
    source = config.stash.get(_CONFIG_SOURCE, None)
    if options is None:  # nothing configures kpn_contract: the defaults
        return f"kpn_contract: target=replay, record mode=none, config={source or 'none'}"
    return (
        f"kpn_contract: target={options.target}, record mode={options.record_mode or 'none'}, "
        f"config={source or 'none'}, cassettes={options.cassette_dir}"
    )


def config_search_start(config: pytest.Config) -> Path:
    """Where the search for the kpn_contract config starts: the tests named, else pytest's rootdir.

    The folder the positional arguments share (``pytest team/tests/contract`` from the folder
    above, ``pytest`` inside ``tests/contract``) comes first, then the rootdir: so the config is the
    one of the project whose tests run, whatever the rootdir (which option values naming folders,
    such as ``--kpn-cassettes ../x``, can move) and the working folder are.
    """
    from kpn_contract.config.file import find_config

    folders = []
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        path = path if path.is_absolute() else config.invocation_params.dir / path
        if path.exists():
            folders.append(path if path.is_dir() else path.parent)
    if folders:
        common = Path(os.path.commonpath([str(folder.resolve()) for folder in folders]))
        if find_config(common)[0] is not None:
            return common
    return config.rootpath


def load_project_config(config: pytest.Config) -> Config:
    from kpn_contract.config.profiles import load_config

    return load_config(start=config_search_start(config))


def _anchored(value: object, folder: Path) -> str | None:
    # A relative folder on the command line is relative to where pytest ran; in an ini file, to it.
    if value in (None, ""):
        return None
    path = Path(str(value)).expanduser()
    return str(path if path.is_absolute() else folder / path)


def resolve_options(config: pytest.Config, kpn_config: Config) -> SessionOptions:
    """The run settings from the command line, the ini file and ``[tool.kpn_contract]``."""
    from kpn_contract.config.run_settings import options_from_sources

    return options_from_sources(
        cli={
            "target": config.getoption("--kpn-target"),
            "record_mode": config.getoption("--kpn-record-mode") or config.getoption(RECORD_MODE_ALIAS, None),
            "cassette_dir": _anchored(config.getoption("--kpn-cassettes"), config.invocation_params.dir),
            "emulator_url": config.getoption("--kpn-emulator-url"),
        },
        ini={
            "target": config.getini("kpn_target"),
            "record_mode": config.getini("kpn_record_mode"),
            "cassette_dir": _anchored(
                config.getini("kpn_cassettes"), config.inipath.parent if config.inipath else config.rootpath
            ),
        },
        config=kpn_config,
        root=config.rootpath,
    )


ValidationScope = Literal["both", "response", "request", "none"]
_VALIDATE_VALUES: Final[dict[object, ValidationScope]] = {
    True: "both",
    False: "none",
    "both": "both",
    "response": "response",
    "request": "request",
}


@dataclass(frozen=True)
class KPNMarker:
    """The ``kpn`` marker of one test: ``@pytest.mark.kpn(profile=..., validate=..., cassette=...)``.

    ``validate`` is what gets held to the spec: ``True`` (or ``"both"``) the requests sent and the
    responses received, ``"response"`` or ``"request"`` only those, ``False`` nothing (a negative
    test). An unmarked test has every default: the ``kpn_profile`` ini value, both, its own cassette.
    """

    profile: str | None = None
    validate: ValidationScope = "both"
    cassette: str | None = None

    @property
    def validate_response(self) -> bool:
        return self.validate in ("both", "response")

    @property
    def validate_request(self) -> bool:
        return self.validate in ("both", "request")

    @property
    def validation(self) -> bool | str:
        """The scope as sessions and cassette metadata spell it: True, False, "request" or "response"."""
        return {"both": True, "none": False}.get(self.validate, self.validate)

    @property
    def client_validation(self) -> bool | str | None:
        """What the client factories get: None keeps the session's setting, which an unmarked test has."""
        return None if self.validate == "both" else self.validation

    @classmethod
    def from_kwargs(cls, args: tuple[object, ...], kwargs: Mapping[str, object]) -> KPNMarker:
        """Check the marker's arguments; a ``ValueError`` names what is wrong and what is allowed."""
        allowed = [field.name for field in fields(cls)]
        if args:
            raise ValueError(
                "the kpn marker takes keyword arguments only, e.g. @pytest.mark.kpn(profile='things')"
            )
        for key in kwargs:
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(
                    f"unknown kpn marker key {key!r}{hint}: the kpn marker takes {', '.join(allowed)}"
                )
        # Types only: what a cassette name may hold is cassettes/naming.py's to say.
        profile, cassette = kwargs.get("profile"), kwargs.get("cassette")
        if profile is not None and (not isinstance(profile, str) or not profile):
            raise ValueError(f"kpn marker profile= must be a profile name, not {profile!r}")
        if cassette is not None and not isinstance(cassette, str):
            raise ValueError(f"kpn marker cassette= must be a cassette name (a string), not {cassette!r}")
        validate = kwargs.get("validate", True)
        # isinstance first: 1 and 0 would otherwise find True's and False's entries (equal hashes).
        scope = _VALIDATE_VALUES.get(validate) if isinstance(validate, bool | str) else None
        if scope is None:
            raise ValueError(
                f"kpn marker validate={validate!r} is not one of True, False, 'response', 'request', 'both'"
            )
        return cls(
            profile=profile if isinstance(profile, str) else None,
            validate=scope,
            cassette=cassette if isinstance(cassette, str) else None,
        )


def kpn_marker(node: pytest.Item) -> KPNMarker:
    """The closest ``kpn`` marker of ``node``, read strictly (none: the defaults).

    A bad marker raises :class:`~kpn_contract.errors.UsageError`, which the plugin reports as one line
    at the test's setup (a ``pytest.UsageError`` would stop the run, but crashes xdist's workers).
    """
    marker = node.get_closest_marker("kpn")
    if marker is None:
        return KPNMarker()
    try:
        return KPNMarker.from_kwargs(marker.args, marker.kwargs)
    except ValueError as exc:
        from kpn_contract.errors import UsageError

        raise UsageError(str(exc)) from None


def check_marker_profile(node: pytest.Item, profile: str, known: Collection[str]) -> None:
    """Raise a one-line UsageError, at the marker, when ``profile`` is not one of ``known``.

    Names the test, the marker's file and line, and the nearest known names (``team-thngs`` →
    ``team-things``), rather than the config file the profile is missing from.
    """
    if profile in known:
        return
    import difflib

    close = difflib.get_close_matches(profile, sorted(known), n=3)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}? " if close else ""
    listed = ", ".join(sorted(known)) or "(none)"
    from kpn_contract.errors import UsageError

    raise UsageError(
        f"{_marker_location(node, profile)}: unknown profile {profile!r} in the kpn marker of {node.nodeid}; "
        f"{hint}known profiles: {listed}"
    )


def _marker_location(node: pytest.Item, profile: str) -> str:
    """``file:line`` of the ``kpn`` marker naming ``profile`` (its test, class or module), else the test's."""
    import inspect

    path, line = node.path, node.reportinfo()[1] or 0
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        shown = str(path)
    try:
        source = path.read_text(encoding="utf-8").splitlines()
        first = inspect.getsourcelines(node.obj)[1] if hasattr(node, "obj") else 1
    except (OSError, TypeError, ValueError):
        return f"{shown}:{line + 1}"
    # Markers sit above their test (or class, or in pytestmark): search upward from the test first.
    wanted = (repr(profile), f'"{profile}"')
    order = [*range(first, 0, -1), *range(first + 1, len(source) + 1)]
    for number in order:
        text = source[number - 1] if number <= len(source) else ""
        if "kpn" in text and any(form in text for form in wanted):
            return f"{shown}:{number}"
    return f"{shown}:{line + 1}"


def _settings_given(config: pytest.Config, kpn_config: Config) -> bool:
    return (
        kpn_config.source is not None
        or "KPN_TARGET" in os.environ
        or any(config.getoption(name) for name in _OPTIONS)
        or config.getoption(RECORD_MODE_ALIAS, None) is not None
        or any(config.getini(name) for name in _INI)
    )


def cassette_node_id(node: pytest.Item) -> str:
    """``node``'s id without the anyio backend, which names how a test ran, not what it sent.

    anyio's plugin runs an unparametrized async test once per backend (``test_x[asyncio]``,
    ``test_x[trio]``), and a parametrized ``anyio_backend`` fixture adds its id among the others: both
    runs send the same requests, so they share one cassette (``test_x.yaml``), which either records.
    """
    callspec = getattr(node, "callspec", None)
    backend = callspec.params.get("anyio_backend") if callspec is not None else None
    if isinstance(backend, tuple) and backend:  # anyio's (name, options) form
        backend = backend[0]
    nodeid = node.nodeid
    if not isinstance(backend, str) or not nodeid.endswith("]") or "[" not in nodeid:
        return nodeid
    head, _, ids = nodeid[:-1].rpartition("[")
    parts = ids.split("-")
    if backend not in parts:
        return nodeid
    parts.remove(backend)  # the first match: anyio's id is the backend's name
    return f"{head}[{'-'.join(parts)}]" if parts else head


# pytest-recording's names, for tests and habits brought from it: its --record-mode and its vcr
# marker. Only when pytest-recording is absent (or blocked with -p no:recording): installed, they are
# its own, and kpn_contract leaves them alone (the two plugins then coexist unchanged).
RECORD_MODE_ALIAS: Final = "kpn_record_mode_alias"  # the dest of our --record-mode


def recording_plugin_present(pluginmanager: pytest.PytestPluginManager) -> bool:
    """Whether pytest-recording is (or may be) loaded in this run: then ``--record-mode`` and
    ``@pytest.mark.vcr`` are its own. Asked while options are added, before every plugin has been
    loaded, hence the installed package rather than only the registered plugin."""
    if pluginmanager.is_blocked("recording"):
        return False
    if pluginmanager.has_plugin("recording"):
        return True
    import importlib.util

    return importlib.util.find_spec("pytest_recording") is not None


def check_vcr_marker(node: pytest.Item) -> bool:
    """Whether ``node`` has pytest-recording's bare ``vcr`` marker (read as "record its KPN calls").

    Its arguments belong to pytest-recording's engine, so they are refused with their kpn_contract
    equivalents rather than ignored (a test would otherwise record elsewhere than it says).
    """
    marker = node.get_closest_marker("vcr")
    if marker is None:
        return False
    if marker.args or marker.kwargs:
        from kpn_contract.errors import UsageError

        given = ", ".join([*map(repr, marker.args), *(f"{key}=..." for key in marker.kwargs)])
        raise UsageError(
            f"@pytest.mark.vcr({given}): kpn_contract reads a bare @pytest.mark.vcr only; name a shared "
            "cassette with @pytest.mark.kpn(cassette='name') and the record mode with --kpn-record-mode"
        )
    return True
