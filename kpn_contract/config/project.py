"""What a project's configuration points the offline commands at: cassettes, notebooks, reports, profiles.

``verify`` and ``audit`` without arguments check the folders the configuration names (``cassette_dir``,
``notebook_dir``, ``report_dir`` of ``[tool.kpn_contract]``, relative to the config file; ``audit``
also the parsed-file cache, ``.kpn-contract-cache/``), and both
refuse to report success after checking nothing. ``profiles`` lists every profile with its problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from kpn_contract.config.parsed_cache import CACHE_DIR_NAME
from kpn_contract.config.profiles import Config
from kpn_contract.errors import UsageError

__all__ = ["audit_paths", "describe_profiles", "has_files", "verify_paths"]

# [tool.kpn_contract] key -> default folder, for the things `audit` scans besides the cassettes.
_AUDITED_FOLDERS: Final = (("notebook_dir", "notebooks"), ("report_dir", "reports"))


def _configured(config: Config, key: str, default: str) -> Path:
    value = config.settings.get(key, default)
    if not isinstance(value, str):
        raise UsageError(f"[tool.kpn_contract] {key} must be a path string, not {type(value).__name__}")
    folder = Path(value).expanduser()
    return folder if folder.is_absolute() else config.root / folder


def verify_paths(given: Sequence[Path], config: Config) -> list[Path]:
    """The cassette folders ``verify`` checks: those given, else the configured ``cassette_dir``."""
    if given:
        return list(given)
    if not config.cassette_dir.is_dir():
        raise UsageError(
            f"nothing to verify: no cassette folder {config.cassette_dir} "
            "(record first, set cassette_dir, or pass a folder)"
        )
    return [config.cassette_dir]


def audit_paths(given: Sequence[Path], config: Config) -> list[Path]:
    """What ``audit`` scans: the paths given, else the configured cassette, notebook and report folders."""
    if given:
        for path in given:
            if not path.exists():
                raise UsageError(f"{path}: no such file or directory")
        return list(given)
    folders = [config.cassette_dir, *(_configured(config, key, default) for key, default in _AUDITED_FOLDERS)]
    folders.append(config.root / CACHE_DIR_NAME)  # parsed cassettes: as scrubbed as the cassettes
    found = [folder for folder in folders if folder.exists()]
    if not found:
        shown = ", ".join(str(folder) for folder in folders)
        raise UsageError(f"nothing to audit: none of {shown} exists (pass the paths to scan)")
    return found


def has_files(paths: Iterable[Path], suffixes: Iterable[str]) -> bool:
    """Whether any file under ``paths`` (files or folders) ends in one of ``suffixes``."""
    wanted = tuple(suffix.lower() for suffix in suffixes)
    for path in paths:
        if path.is_file():
            if path.suffix.lower() in wanted:
                return True
            continue
        for _directory, _dirs, files in os.walk(path):
            if any(Path(name).suffix.lower() in wanted for name in files):
                return True
    return False


def describe_profiles(config: Config) -> tuple[str, int]:
    """A table of every profile (name, kind, variable names, problem) and how many have a problem.

    A bad profile shows no variables: a value that failed its checks may be a secret pasted by mistake.
    """
    raw = config.settings.get("profiles", {})
    rows = [("profile", "kind", "variables", "problem")]
    for name in sorted({*config.profiles, *config.problems}):
        problem = config.problems.get(name)
        if problem is None:
            profile = config.profiles[name]
            rows.append((name, profile.kind, ", ".join(profile.env_vars()), ""))
            continue
        table = raw.get(name) if isinstance(raw, dict) else None
        kind = table.get("kind") if isinstance(table, dict) else None
        reason = problem.message
        if config.source is not None:
            reason = reason.replace(f"{config.source}: ", "")
        reason = reason.replace(f"profile {name!r}, ", "").replace(f"profile {name!r}: ", "")
        rows.append((name, kind if kind in ("api-store", "grip") else "?", "-", reason))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + f"  {row[3]}"
        for row in rows
    ]
    source = str(config.source) if config.source else "no config file: the default profiles"
    lines.append(f"{len(rows) - 1} profile(s) from {source}; {len(config.problems)} with a problem")
    return "\n".join(line.rstrip() for line in lines), len(config.problems)
