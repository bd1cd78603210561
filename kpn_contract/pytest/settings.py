"""The pytest plugin's run settings: read once at start-up, checked once, one line on error.

The plugin's hooks and fixtures call these; the precedence itself lives in
``run_settings.options_from_sources``. The ``kpn`` marker is read here too, into a strict
:class:`KPNMarker` (like pytest_httpx's options object): a misspelt key fails the test at its setup
instead of quietly testing the default profile. Importing this module imports pytest only, like the plugin.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import pytest

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Config
    from kpn_contract.config.run_settings import SessionOptions

__all__ = [
    "KPNMarker",
    "ValidationScope",
    "config_search_start",
    "kpn_marker",
    "load_project_config",
    "resolve_options",
    "startup_options",
]

_OPTIONS = ("--kpn-target", "--kpn-record-mode", "--kpn-cassettes", "--kpn-emulator-url")
_INI = ("kpn_target", "kpn_record_mode", "kpn_cassettes")


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
            "record_mode": config.getoption("--kpn-record-mode"),
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


def _settings_given(config: pytest.Config, kpn_config: Config) -> bool:
    return (
        kpn_config.source is not None
        or "KPN_TARGET" in os.environ
        or any(config.getoption(name) for name in _OPTIONS)
        or any(config.getini(name) for name in _INI)
    )
