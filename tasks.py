"""The Makefile's targets for a machine without ``make`` (Windows): ``python tasks.py contract``.

Standard library only, because it runs before ``.venv`` exists. Each target does what the Makefile's
target of the same name does (``tests/unit/test_tasks.py`` keeps the two lists equal), with the venv's
``Scripts`` folder on Windows and ``bin`` elsewhere. ``python tasks.py pytest ARGS...`` runs the venv's
pytest with ARGS (CI uses it on Windows and macOS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LINTED = ("kpn_contract", "tests", "benchmarks", "tasks.py")
BENCHMARKS = ("validation.py", "replay.py", "diff.py", "drift.py", "auth.py", "load.py")


def _run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    sys.stdout.write("+ " + " ".join(str(part) for part in command) + "\n")
    sys.stdout.flush()
    # As the Makefile: bytecode is written, so the many subprocesses of a run reuse what the first compiled.
    env = {name: value for name, value in (env or os.environ).items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True, env=env)  # noqa: S603


def _tool(name: str) -> Path:
    return BIN / (f"{name}.exe" if os.name == "nt" else name)


def venv() -> None:
    """Create .venv with the package (editable) and its dev dependencies, when pyproject.toml changed."""
    pyproject = ROOT / "pyproject.toml"
    if STAMP.exists() and STAMP.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    _run(sys.executable, "-m", "venv", VENV)
    # As the Makefile: uv installs the same requirements in about half the time; pip where uv cannot.
    try:
        _run(PYTHON, "-m", "pip", "install", "--quiet", "uv")
        _run(
            _tool("uv"), "pip", "install", "--quiet", "--compile-bytecode", "--python", PYTHON, "-e", ".[dev]"
        )
    except subprocess.CalledProcessError:
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    _run(PYTHON, "-m", "ipykernel", "install", "--prefix", VENV, "--name", "kpn-contract",
         "--display-name", "kpn_contract (.venv)")  # fmt: skip
    STAMP.touch()


def lint() -> None:
    venv()
    _run(_tool("ruff"), "check", *LINTED)
    _run(_tool("ruff"), "format", "--check", *LINTED)
    _run(_tool("mypy"), "-n", "auto")


def test() -> None:
    lint()
    _run(_tool("pytest"), "-n", "3", "--dist", "worksteal")  # three workers on two cores: see the Makefile
    # serially, as the Makefile runs it
    _run(_tool("pytest"), "tests/contract", "-q", "-p", "no:cacheprovider", "--kpn-target", "emulator")


def test_wheel() -> None:
    venv()
    _run(PYTHON, "tests/against_wheel.py")


def contract() -> None:
    venv()
    target = os.environ.get("KPN_TARGET") or "replay"
    _run(_tool("pytest"), "tests/contract", "-p", "no:cacheprovider", "--kpn-target", target)


def record() -> None:
    venv()
    _run(_tool("pytest"), "tests/contract", "-q", "-p", "no:cacheprovider", "--kpn-target", "emulator",
         "--kpn-record-mode", "rewrite")  # fmt: skip
    _run(PYTHON, "notebooks/_run.py", "--record")


def notebooks() -> None:
    venv()
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[notebook]")
    _run(_tool("jupyter"), "lab", "notebooks/")


def bench() -> None:
    venv()
    for script in BENCHMARKS:
        _run(PYTHON, f"benchmarks/{script}")


def clean() -> None:
    for name in (".venv", "build", "dist", ".mypy_cache", ".ruff_cache", ".pytest_cache"):
        shutil.rmtree(ROOT / name, ignore_errors=True)


TARGETS: dict[str, Callable[[], None]] = {
    "venv": venv,
    "lint": lint,
    "test": test,
    "test-wheel": test_wheel,
    "contract": contract,
    "record": record,
    "notebooks": notebooks,
    "bench": bench,
    "clean": clean,
}


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["pytest"]:
        venv()
        return subprocess.run([str(_tool("pytest")), *argv[1:]], cwd=ROOT, check=False).returncode  # noqa: S603
    if len(argv) != 1 or argv[0] not in TARGETS:
        sys.stderr.write(f"usage: python tasks.py {{{','.join(TARGETS)}}} | pytest ARGS...\n")
        return 2
    try:
        TARGETS[argv[0]]()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
