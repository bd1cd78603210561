"""Run settings: where a run sends its requests, whether it records, and how it treats violations.

:class:`SessionOptions` is what a :class:`~kpn_contract.session.kpn_session.KPNSession` is built with;
:func:`options_from_sources` is the one place that applies the settings precedence (command line >
ini > ``[tool.kpn_contract]`` > ``KPN_TARGET`` > default), so every front door resolves them alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kpn_contract.config.profiles import Config, environment_value
from kpn_contract.config.run_modes import RecordMode, Target, parse_record_mode, parse_target
from kpn_contract.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from kpn_contract.transport.retry import RetryPolicy

__all__ = [
    "VALIDATION_MODES",
    "OnViolation",
    "SessionOptions",
    "check_folders",
    "options_from_sources",
    "validation_modes",
]

OnViolation = Literal["raise", "collect"]
# What the kpn marker's ``validate`` (and a client's ``validate=``) accepts besides True and False.
VALIDATION_MODES = ("response", "request", "both")


def validation_modes(value: object) -> tuple[bool, bool]:
    """``(check requests, check responses)`` for a ``validate`` setting: True = "both", False = neither."""
    if value is True or value == "both":
        return True, True
    if value is False:
        return False, False
    if value == "request":
        return True, False
    if value == "response":
        return False, True
    allowed = ", ".join(map(repr, VALIDATION_MODES))
    raise UsageError(f"validate={value!r} is not a validation mode: use True, False, {allowed}")


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
        if self.record_mode is not None:
            self.record_mode = parse_record_mode(self.record_mode)  # a plain string is accepted too
        if self.target == "replay":
            if self.record_mode not in (None, "none"):
                # Every front door shares this check, so the message names each way to set the target.
                raise UsageError(
                    f"record mode '{self.record_mode}' needs a target to record from: emulator or live "
                    "(--kpn-target emulator, KPN_TARGET=emulator or [tool.kpn_contract] target)"
                )
            self.record_mode = RecordMode.NONE


def options_from_sources(
    *,
    cli: Mapping[str, str | None],
    ini: Mapping[str, str | None],
    config: Config,
    env: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> SessionOptions:
    """Resolve run settings: command line > ini > ``[tool.kpn_contract]`` > environment > default.

    The one precedence of every front door: the pytest plugin (options and ini), ``kpn_notebook``
    (its arguments are the "command line") and the fuzz session (given the plugin's result).
    ``KPN_TARGET`` lets notebooks and CI switch target without touching code; ``KPN_EMULATOR_URL``
    names an emulator that is already running (``kpn-contract emulate``) for the emulator target.
    """

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
        emulator_url=first("emulator_url", from_env=environment_value("KPN_EMULATOR_URL", env)),
        cassette_dir=cassette_dir,
        record_mode=parse_record_mode(record_mode) if record_mode is not None else None,
        spec_dir=config.spec_dir,
    )


def check_folders(options: SessionOptions, config: Config) -> None:
    """A ``spec_dir`` that does not exist, or a ``cassette_dir`` that is a file: one ConfigError at start-up.

    Otherwise every test fails alike with a long traceback, when the mistake is one line of the
    config or the command. A cassette folder that does not exist yet is no error: each test then
    fails in three lines naming its missing cassette and the command that records it.
    """
    where = str(config.source) if config.source is not None else None
    spec_dir = options.spec_dir or config.spec_dir
    if spec_dir is not None and not spec_dir.exists():
        raise ConfigError(f"spec folder {spec_dir} does not exist", path=where, field="spec_dir")
    if options.cassette_dir.exists() and not options.cassette_dir.is_dir():
        raise ConfigError(
            f"cassette folder {options.cassette_dir} is not a folder",
            path=where if options.cassette_dir == config.cassette_dir else None,
            field="cassette_dir" if options.cassette_dir == config.cassette_dir else None,
        )
