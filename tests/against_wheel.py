"""`make test-wheel`: the unit and contract tests against the built wheel, outside the source tree.

As stamina's CI does (build once, delete the source, test the installed package), so that a file
missing from the wheel, or a lookup that only works beside the repository, fails here rather than
for a user. The steps:

1. build the wheel offline (hatchling is a dev dependency: no build isolation, nothing downloaded);
2. make a fresh venv and install the wheel into it with ``--no-deps --no-index``. Its third-party
   packages come from this venv through a ``.pth`` line naming this venv's site-packages: a plain
   path entry, so the editable install's own ``.pth`` (which puts the repository on ``sys.path``) is
   never processed. Installing the dependencies from PyPI instead took far longer (see the
   CHANGELOG) for the same packages;
3. copy what the tests read (``tests/``, ``cassettes/``, ``specs/``, ``docs/``, ``README.md``,
   ``ARCHITECTURE.md``, ``pyproject.toml``, ``Makefile``, ``tasks.py``), never ``kpn_contract/``, into a
   temporary project and run pytest there with the fresh venv. ``tests/unit/test_installed_package.py``
   checks inside that run that ``kpn_contract`` was imported from the venv.

Usage: ``python tests/against_wheel.py [--keep] [pytest arguments...]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OFFLINE = ("--no-deps", "--no-index")
BIN = "Scripts" if os.name == "nt" else "bin"
COPIED = (
    *("tests", "cassettes", "specs", "docs"),
    *("README.md", "ARCHITECTURE.md", "pyproject.toml", "Makefile", "tasks.py", "schemathesis.toml"),
)
DEFAULT_PYTEST_ARGS = ("tests/unit", "tests/contract", "-n", "2", "-q", "-p", "no:cacheprovider")
# The environment the tests see: what a process needs, no PYTHONPATH, no KPN_* variable.
PASSED_VARIABLES = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "TEMP", "TMP", "TERM")
# Set so that tests/unit/test_installed_package.py knows where the source tree is, and that it must
# not be what `import kpn_contract` finds.
SOURCE_TREE_VARIABLE = "WHEEL_RUN_SOURCE_TREE"
# tests/unit/test_wheel.py checks this wheel's contents rather than building one from the copy.
WHEEL_VARIABLE = "WHEEL_RUN_WHEEL"


def _run(argv: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {result.returncode}\n{result.stdout}{result.stderr}")


def build_wheel(out: Path) -> Path:
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-qw", str(out), "."],
        cwd=REPO,
    )
    (wheel,) = out.glob("kpn_contract-*.whl")
    return wheel


def install_into_fresh_venv(wheel: Path, venv: Path) -> Path:
    """A venv holding the wheel, seeing this venv's third-party packages; returns its python."""
    # No pip inside: this venv's pip installs into it (`pip --python`), which skips ensurepip's seconds.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / BIN / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "_third_party_from_the_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *OFFLINE, str(wheel)])
    return python


def copy_tests(project: Path) -> None:
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".locks", "*.lock", ".pytest_cache")
            shutil.copytree(source, project / name, ignore=ignore)
        else:
            shutil.copy2(source, project / name)
    # The published-definitions corpus sits beside the clone (`../shared/kpn-specs`); where it exists,
    # the copy sees it at the same relative place, so the `corpus` tests run here too.
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (project.parent / "shared").symlink_to(shared, target_is_directory=True)


def environment(venv: Path, wheel: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env["PATH"] = os.pathsep.join((str(venv / BIN), "/usr/bin", "/bin"))
    env[SOURCE_TREE_VARIABLE] = str(REPO)
    env[WHEEL_VARIABLE] = str(wheel)
    return env


def main(argv: list[str]) -> int:
    keep = "--keep" in argv
    pytest_args = [arg for arg in argv if arg != "--keep"] or list(DEFAULT_PYTEST_ARGS)
    base = Path(tempfile.mkdtemp(prefix="kpn-contract-wheel-"))
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        wheel = build_wheel(base / "dist")
        timings["build the wheel"] = time.perf_counter() - started
        started = time.perf_counter()
        python = install_into_fresh_venv(wheel, base / "venv")
        project = base / "project"
        project.mkdir()
        copy_tests(project)
        timings["fresh venv, install, copy the tests"] = time.perf_counter() - started
        started = time.perf_counter()
        result = subprocess.run(
            [str(python), "-m", "pytest", *pytest_args],
            cwd=project,
            env=environment(base / "venv", wheel),
            check=False,
        )
        timings["pytest " + " ".join(pytest_args)] = time.perf_counter() - started
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    for label, seconds in timings.items():
        sys.stdout.write(f"test-wheel: {seconds:6.1f} s  {label}\n")
    if keep:
        sys.stdout.write(f"test-wheel: kept {base}\n")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
