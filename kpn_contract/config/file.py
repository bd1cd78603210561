"""Finding and reading the kpn_contract config file, before any profile is built from it.

The file is ``kpn-contract.toml`` or a ``pyproject.toml`` with ``[tool.kpn_contract]``, the nearest one
going upward (in one folder, ``kpn-contract.toml`` wins). This module returns its table and checks the
project-wide keys (folders, ``secret_env``); :func:`kpn_contract.config.profiles.load_config` builds the
profiles. Every error is a :class:`~kpn_contract.errors.ConfigError` naming the file, never a value.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from kpn_contract.config.credentials import ENV_VAR_NAME
from kpn_contract.errors import ConfigError

__all__ = [
    "CONFIG_FILE_NAME",
    "KNOWN_KEYS",
    "PYPROJECT_NAME",
    "check_keys",
    "config_folder",
    "did_you_mean",
    "find_config",
    "has_tool_table",
    "read_table",
    "secret_env_names",
]

CONFIG_FILE_NAME: Final = "kpn-contract.toml"
PYPROJECT_NAME: Final = "pyproject.toml"
# Every key of the kpn_contract table (profiles' own fields are Profile's). One home: add new keys here.
KNOWN_KEYS: Final = frozenset(
    {
        "cassette_dir",
        "coverage_specs",
        "diff",  # [tool.kpn_contract.diff] (severity overrides, read by drift/findings.py on main)
        "drift",
        "notebook_dir",
        "profiles",
        "record_mode",
        "report_dir",
        "secret_env",
        "spec_dir",
        "target",
    }
)


def did_you_mean(key: str, known: frozenset[str] | set[str]) -> str:
    """`` (did you mean 'cassette_dir'?)`` for the nearest known key, else ``"; known keys: ..."``."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(sorted(known))}"


def check_keys(table: Mapping[str, Any], path: Path) -> None:
    """An unknown key is an error naming the file, the key and the nearest known key.

    Also in a ``pyproject.toml`` shared with other tools: ``[tool.kpn_contract]`` is this toolkit's
    own table, so a key no version of it knows is a typo (``casette_dir``), which would otherwise be
    ignored in silence and replaced by its default.
    """
    for key in table:
        if key not in KNOWN_KEYS:
            # A key is a name, not a value: safe to show (values are never echoed).
            raise ConfigError(
                f"unknown key{did_you_mean(str(key), KNOWN_KEYS)}", path=str(path), field=str(key)
            )


def find_config(start: Path) -> tuple[Path | None, Path]:
    """The config file nearest to ``start`` going upward, and the folder it is in."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate, folder
        pyproject = folder / PYPROJECT_NAME
        if pyproject.is_file() and has_tool_table(pyproject):
            return pyproject, folder
    return None, start


def has_tool_table(pyproject: Path) -> bool:
    # A cheap textual check, so that an unrelated broken pyproject.toml higher up is not an error.
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*kpn_contract\b", text, re.MULTILINE) is not None


def read_table(path: Path) -> dict[str, Any]:
    """The kpn_contract table of ``path``: ``[tool.kpn_contract]`` of a pyproject, else the whole file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {type(exc).__name__}", path=str(path)) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message carries the line and column and never the offending value.
        raise ConfigError(f"broken TOML: {exc}", path=str(path)) from None
    tool = document.get("tool")
    if path.name == PYPROJECT_NAME or (isinstance(tool, dict) and "kpn_contract" in tool):
        table = tool.get("kpn_contract", {}) if isinstance(tool, dict) else {}
    else:
        table = document
    if not isinstance(table, dict):
        raise ConfigError("[tool.kpn_contract] must be a table", path=str(path))
    return table


def config_folder(
    table: Mapping[str, Any], key: str, default: str | None, root: Path, path: Path
) -> Path | None:
    """The folder ``table[key]`` names (else ``default``), relative to ``root``; None when neither is set."""
    value = table.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"must be a path string, not {type(value).__name__}", path=str(path), field=key)
    folder = Path(value).expanduser()
    return folder if folder.is_absolute() else root / folder


def secret_env_names(table: Mapping[str, Any], source: Path | None) -> tuple[str, ...]:
    """``secret_env = ["MY_VAR", ...]``: names of environment variables, never values."""
    names = table.get("secret_env", [])
    where = str(source) if source is not None else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError("must be a list of environment-variable names", path=where, field="secret_env")
    for name in names:
        if not ENV_VAR_NAME.fullmatch(name):
            # Not echoed: a value that is not a variable name may well be the secret itself.
            raise ConfigError(
                "holds an entry that is not an environment-variable name (letters, digits and _ only)",
                path=where,
                field="secret_env",
            )
    return tuple(names)
