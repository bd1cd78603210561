"""``kpn-contract doctor``: what a run in this folder would use, and where each setting came from.

The config file found, the project root (its folder, which relative paths are read from), the
pytest ini file pytest would find (its folder is pytest's rootdir), the folders and whether they
exist, every profile with its variables (set or not: never a value, not even its length), and the
target and record mode with their source. Names only: the report is safe to paste into an issue.
"""

from __future__ import annotations

import configparser
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from kpn_contract.config.credentials import environment_value
from kpn_contract.config.file import config_folder
from kpn_contract.config.parsed_cache import ENV_SWITCH, cache_dir_for
from kpn_contract.config.profiles import Config
from kpn_contract.config.run_modes import parse_record_mode, parse_target
from kpn_contract.errors import ConfigError, KPNContractError

__all__ = ["Diagnosis", "FolderState", "ProfileState", "diagnose", "pytest_ini_file"]

# (shown name, [tool.kpn_contract] key, default folder); the spec folder defaults to the bundled specs.
_FOLDERS: Final = (
    ("cassettes", "cassette_dir", "cassettes"),
    ("specs", "spec_dir", None),
    ("notebooks", "notebook_dir", "notebooks"),
    ("reports", "report_dir", "reports"),
)


@dataclass(frozen=True)
class FolderState:
    name: str
    key: str
    path: str | None  # None: not configured (specs: the bundled ones)
    exists: bool


@dataclass(frozen=True)
class ProfileState:
    name: str
    kind: str
    variables: dict[str, bool]  # variable name -> set (never the value)
    problem: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    config: str | None
    project_root: str
    pytest_ini: str | None
    folders: tuple[FolderState, ...]
    profiles: tuple[ProfileState, ...]
    target: str
    target_source: str
    record_mode: str
    record_mode_source: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No problem in the settings and none in any profile."""
        return not self.problems and all(profile.problem is None for profile in self.profiles)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def render_text(self) -> str:
        lines = [
            f"config file:   {self.config or 'none found: the default profiles and folders'}",
            f"project root:  {self.project_root}  (relative paths start here)",
            f"pytest ini:    {self.pytest_ini or 'none found: pytest picks a rootdir from its arguments'}",
            f"target:        {self.target}  ({self.target_source})",
            f"record mode:   {self.record_mode}  ({self.record_mode_source})",
            "folders:",
        ]
        for folder in self.folders:
            if folder.path is None:
                state = "the bundled specs" if folder.name == "specs" else f"not configured ({folder.key})"
                lines.append(f"  {folder.name:<10} {state}")
            else:
                lines.append(f"  {folder.name:<10} {folder.path}  {'exists' if folder.exists else 'missing'}")
        lines.append(
            "profiles (variables set or unset, never their values; in the replay and emulator targets "
            "an unset one takes the emulator's demo value):"
        )
        width = max((len(profile.name) for profile in self.profiles), default=0)
        for profile in self.profiles:
            if profile.problem is not None:
                lines.append(f"  {profile.name:<{width}}  {profile.kind:<9}  problem: {profile.problem}")
                continue
            shown = ", ".join(
                f"{name} {'set' if is_set else 'unset'}" for name, is_set in profile.variables.items()
            )
            lines.append(f"  {profile.name:<{width}}  {profile.kind:<9}  {shown}")
        lines.extend(f"problem: {problem}" for problem in self.problems)
        lines.append("no problem found" if self.ok else "problems found: see above")
        return "\n".join(lines)


def diagnose(
    config: Config,
    *,
    env: Mapping[str, str] | None = None,
    start: Path | None = None,
) -> Diagnosis:
    """What a run with ``config`` would use. ``env`` (default ``os.environ``) is only asked for names.

    Precedence as in ``run_settings.options_from_sources`` (the command line aside): pytest ini >
    ``[tool.kpn_contract]`` > ``KPN_TARGET`` > default.
    """
    settings = config.settings
    ini = pytest_ini_file((start or Path.cwd()).resolve())
    ini_values = _pytest_ini_values(ini) if ini is not None else {}
    problems: list[str] = []
    folders = []
    for name, key, default in _FOLDERS:
        try:
            path = config_folder(settings, key, default, config.root, config.source or config.root)
        except ConfigError as exc:
            problems.append(exc.message)
            path = None
        if key == "cassette_dir" and ini is not None and ini_values.get("kpn_cassettes"):
            path = ini.parent / ini_values["kpn_cassettes"]
        folders.append(
            FolderState(name, key, str(path) if path else None, path is not None and path.is_dir())
        )
    # The parsed-file cache is not configured: it sits beside the config (KPN_CONTRACT_CACHE=0: off).
    cache = cache_dir_for(config.source) if config.source else None
    folders.append(
        FolderState("cache", ENV_SWITCH, str(cache) if cache else None, bool(cache and cache.is_dir()))
    )

    def first(
        ini_key: str, config_key: str, env_var: str | None, default: tuple[str, str]
    ) -> tuple[str, str]:
        if ini_values.get(ini_key):
            return ini_values[ini_key], f"pytest ini {ini_key}"
        if settings.get(config_key) not in (None, ""):
            return str(settings[config_key]), f"[tool.kpn_contract] {config_key}"
        if env_var is not None and environment_value(env_var, env):
            return str(environment_value(env_var, env)), f"environment {env_var}"
        return default

    target, target_source = first("kpn_target", "target", "KPN_TARGET", ("replay", "default"))
    record_mode, record_source = first(
        "kpn_record_mode", "record_mode", None, ("none", "default: replay only")
    )
    for check, value in ((parse_target, target), (parse_record_mode, record_mode)):
        try:
            check(value)
        except KPNContractError as exc:
            problems.append(exc.message)
    return Diagnosis(
        config=str(config.source) if config.source else None,
        project_root=str(config.root),
        pytest_ini=str(ini) if ini else None,
        folders=tuple(folders),
        profiles=_profiles(config, env),
        target=target,
        target_source=target_source,
        record_mode=record_mode,
        record_mode_source=record_source,
        problems=tuple(problems),
    )


def _profiles(config: Config, env: Mapping[str, str] | None) -> tuple[ProfileState, ...]:
    states = []
    for name in sorted({*config.profiles, *config.problems}):
        problem = config.problems.get(name)
        if problem is not None:
            # A bad profile shows no variables: a value that failed its checks may be a pasted secret.
            states.append(ProfileState(name, "?", {}, problem.message))
            continue
        profile = config.profiles[name]
        variables = {var: bool((environment_value(var, env) or "").strip()) for var in profile.env_vars()}
        states.append(ProfileState(name, profile.kind, variables))
    return tuple(states)


def pytest_ini_file(start: Path) -> Path | None:
    """The ini file pytest would find going upward from ``start`` (its folder becomes the rootdir).

    pytest's own order per folder: ``pytest.ini``, ``.pytest.ini``, a ``pyproject.toml`` with
    ``[tool.pytest.ini_options]``, ``tox.ini`` with ``[pytest]``, ``setup.cfg`` with ``[tool:pytest]``.
    pytest's finder is private API (``_pytest.config.findpaths``), hence this short reading of it.
    """
    for folder in (start, *start.parents):
        for name in ("pytest.ini", ".pytest.ini"):
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_pytest_table(pyproject):
            return pyproject
        for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
            if (folder / name).is_file() and _has_section(folder / name, section):
                return folder / name
    return None


_INI_KEYS: Final = ("kpn_target", "kpn_record_mode", "kpn_cassettes")


def _pytest_ini_values(ini: Path) -> dict[str, str]:
    """The kpn_* settings of a pytest ini file (unreadable: none; pytest will say why)."""
    try:
        text = ini.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if ini.name == "pyproject.toml":
        try:
            tool = tomllib.loads(text).get("tool", {})
        except tomllib.TOMLDecodeError:
            return {}
        options = tool.get("pytest", {}).get("ini_options", {}) if isinstance(tool, dict) else {}
        if not isinstance(options, dict):
            return {}
        return {key: str(options[key]) for key in _INI_KEYS if options.get(key) not in (None, "")}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    section = next((name for name in ("pytest", "tool:pytest") if parser.has_section(name)), None)
    if section is None:
        return {}
    return {
        key: parser.get(section, key).strip()
        for key in _INI_KEYS
        if parser.get(section, key, fallback="").strip()
    }


def _has_pytest_table(pyproject: Path) -> bool:
    try:
        tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(tool, dict) and isinstance(tool.get("pytest"), dict) and "ini_options" in tool["pytest"]


def _has_section(path: Path, section: str) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return False
    return parser.has_section(section)
