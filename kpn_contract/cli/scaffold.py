"""``kpn-contract init``: scaffold kpn_contract into an existing project, never overwriting anything.

It writes, each only when absent:

* the ``[tool.kpn_contract]`` configuration with one profile per kind (appended to ``pyproject.toml``
  when that file exists without the table, else a ``kpn-contract.toml``);
* ``tests/contract/test_kpn_smoke.py``, one gateway and one GRIP test through ``kpn_client``;
* the ``.gitignore`` lines kpn_contract needs (only the missing ones are appended);
* ``.github/workflows/kpn-contract.yml``, the offline suite on Linux, Windows and macOS plus a nightly
  live recording compared with ``drift``;
* ``schemathesis.toml``, the repository's own (the same bytes): stock ``schemathesis run`` on the
  KPN Things beta and the gateway token spec accepts the 302 and the 500 that KPN documents there.

The templates are package data in ``kpn_contract/cli/_scaffold/``, so ``init`` works from a wheel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final, Literal

from kpn_contract.config.file import CONFIG_FILE_NAME, PYPROJECT_NAME, has_tool_table
from kpn_contract.errors import UsageError

__all__ = ["InitReport", "init_project"]

SMOKE_TEST: Final = Path("tests", "contract", "test_kpn_smoke.py")
WORKFLOW: Final = Path(".github", "workflows", "kpn-contract.yml")
SCHEMATHESIS_CONFIG: Final = Path("schemathesis.toml")  # stock schemathesis finds it from the project root

Action = Literal["created", "appended", "skipped"]


@dataclass
class InitReport:
    """What ``init`` did to each file, in order, with the reason for every skip."""

    root: Path
    steps: list[tuple[Action, Path, str]] = field(default_factory=list)

    def note(self, action: Action, path: Path, why: str = "") -> None:
        self.steps.append((action, path, why))

    def render(self) -> str:
        lines = [
            f"{action:8}  {path.as_posix()}{f'  ({why})' if why else ''}" for action, path, why in self.steps
        ]
        lines.append(
            "next: pytest --kpn-target emulator --kpn-record-mode once   (record), then: pytest   (replay)"
        )
        return "\n".join(lines)


def _template(name: str) -> str:
    return resources.files("kpn_contract.cli._scaffold").joinpath(name).read_text(encoding="utf-8")


def _config_text(*, in_pyproject: bool) -> str:
    text = _template("profiles.toml.tmpl")
    if in_pyproject:
        return text.replace("{table}", "[tool.kpn_contract]\n").replace("{prefix}", "tool.kpn_contract.")
    return text.replace("{table}", "").replace("{prefix}", "")


def _write_new(root: Path, relative: Path, text: str, report: InitReport) -> None:
    target = root / relative
    if target.exists():
        report.note("skipped", relative, "exists")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": the same bytes on every platform, so a team's diff stays quiet.
    with target.open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    report.note("created", relative)


def _append(target: Path, text: str) -> None:
    existing = target.read_text(encoding="utf-8")
    separator = "" if not existing or existing.endswith("\n") else "\n"
    with target.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(f"{separator}\n{text}" if existing.strip() else text)


def _configure(root: Path, report: InitReport) -> None:
    own = root / CONFIG_FILE_NAME
    pyproject = root / PYPROJECT_NAME
    if own.exists():
        report.note("skipped", Path(CONFIG_FILE_NAME), "exists")
    elif pyproject.is_file() and has_tool_table(pyproject):
        report.note("skipped", Path(PYPROJECT_NAME), "already has [tool.kpn_contract]")
    elif pyproject.is_file():
        _append(pyproject, _config_text(in_pyproject=True))
        report.note("appended", Path(PYPROJECT_NAME), "[tool.kpn_contract] with two profiles")
    else:
        _write_new(root, Path(CONFIG_FILE_NAME), _config_text(in_pyproject=False), report)


def _ignore(root: Path, report: InitReport) -> None:
    target = root / ".gitignore"
    wanted = [line for line in _template("gitignore.tmpl").splitlines() if line.strip()]
    present = set(target.read_text(encoding="utf-8").splitlines()) if target.is_file() else set()
    missing = [line for line in wanted if line.startswith("#") is False and line not in present]
    if not missing:
        report.note("skipped", Path(".gitignore"), "has the lines already")
        return
    if not target.exists():
        _write_new(root, Path(".gitignore"), "\n".join(wanted) + "\n", report)
        return
    _append(target, "\n".join([wanted[0], *missing]) + "\n")
    report.note("appended", Path(".gitignore"), f"{len(missing)} line(s)")


def init_project(root: Path) -> InitReport:
    """Scaffold kpn_contract into the project at ``root``; a UsageError when it is not a folder."""
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder (init scaffolds an existing project)")
    report = InitReport(root)
    _configure(root, report)
    _write_new(root, SMOKE_TEST, _template("test_kpn_smoke.py.tmpl"), report)
    _ignore(root, report)
    _write_new(root, WORKFLOW, _template("kpn-contract.yml.tmpl"), report)
    _write_new(root, SCHEMATHESIS_CONFIG, _template("schemathesis.toml.tmpl"), report)
    return report
