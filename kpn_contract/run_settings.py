"""Run settings: where a run sends its requests, whether it records, and how it treats violations.

:class:`SessionOptions` is what a :class:`~kpn_contract.session.KPNSession` is built with;
:func:`options_from_sources` is the one place that applies the settings precedence (command line >
ini > ``[tool.kpn_contract]`` > ``KPN_TARGET`` > default), so every front door resolves them alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kpn_contract.errors import UsageError
from kpn_contract.profiles import Config, environment_value
from kpn_contract.transport import Target

if TYPE_CHECKING:
    from kpn_contract.retry import RetryPolicy

__all__ = [
    "RECORD_MODES",
    "VALIDATION_MODES",
    "OnViolation",
    "RecordMode",
    "SessionOptions",
    "options_from_sources",
    "validation_modes",
]

RecordMode = Literal["none", "once", "new_episodes", "all", "rewrite"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "once", "new_episodes", "all", "rewrite")
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
