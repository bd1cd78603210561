"""The names a run is set up with: targets (where requests go) and record modes (what cassettes do).

Their one home. A leaf of the standard library only, so the pytest plugin and the command line offer
them as ``choices`` without importing httpx; ``transport`` and ``cassettes.record`` re-export them.
"""

from __future__ import annotations

import enum
from typing import Final, Literal

__all__ = [
    "RECORD_MODES",
    "SENDING_TARGETS",
    "TARGETS",
    "RecordMode",
    "SendingTarget",
    "Target",
    "parse_record_mode",
    "parse_target",
]

Target = Literal["replay", "emulator", "live"]
TARGETS: Final[tuple[Target, ...]] = ("replay", "emulator", "live")
# The targets that send requests somewhere: fuzzing and one-off commands make new requests, which
# recorded cassettes cannot answer.
SendingTarget = Literal["emulator", "live"]
SENDING_TARGETS: Final[tuple[SendingTarget, ...]] = ("emulator", "live")


class RecordMode(enum.StrEnum):
    """vcrpy's record-mode names (``vcr.record_mode.RecordMode``) plus ``rewrite``."""

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"
    REWRITE = "rewrite"


RECORD_MODES: Final[tuple[str, ...]] = tuple(mode.value for mode in RecordMode)


def parse_target(value: str) -> Target:
    """Validate a target name from an option, a config file or an environment variable."""
    for target in TARGETS:
        if value == target:
            return target
    from kpn_contract.errors import UsageError

    raise UsageError(f"unknown target {value!r}: choose one of {', '.join(TARGETS)}")


def parse_record_mode(value: str | RecordMode) -> RecordMode:
    """Validate a record mode from an option, a setting or a marker."""
    try:
        return RecordMode(value)
    except ValueError:
        from kpn_contract.errors import UsageError

        raise UsageError(f"unknown record mode {value!r}: choose one of {', '.join(RECORD_MODES)}") from None
