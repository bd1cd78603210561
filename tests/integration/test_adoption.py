"""Issue 13's "done when": the README's adoption steps, from the built wheel, outside this repository.

The wheel is built offline (no build isolation) and installed with ``--no-deps`` into a fresh venv in a
temporary folder. So that nothing is downloaded, the venv sees this venv's third-party packages through
a ``.pth`` line naming its site-packages: a plain path entry, so the editable install's own ``.pth``
(which would put the repository on ``sys.path``) is never processed, and ``kpn_contract`` comes from the
wheel (checked through ``kpn_contract.__file__``). Every command runs with an environment holding no
credential and no ``KPN_*`` variable: recording targets the emulator, replay is offline.

The steps are read from the README's "Use it in your own repository" block, so the README is what is
tested. Timings of each step are printed at the end.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.against_wheel import BIN, build_wheel, install_into_fresh_venv

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# What a process needs from the environment on each platform; never a credential or a KPN_* variable.
PLATFORM_VARIABLES = ("SYSTEMROOT", "TEMP", "TMP", "LANG")
DEVICES = "application/vnd.kpnthings.device.v1.response+json"

# A team's own profile with its own variable names, sharing the GRIP demo key with `team-things`.
ACME_PROFILE = """
[profiles.acme-things]
kind = "grip"
tenant_id_env = "ACME_GRIP_TENANT"
client_id_env = "ACME_GRIP_KEY_ID"
client_secret_env = "ACME_GRIP_KEY_SECRET"
"""
ACME_TEST = f"""
import pytest


@pytest.mark.kpn(profile="acme-things")
def test_acme_lists_devices(kpn_client):
    assert kpn_client().get("/api/devices", headers={{"Accept": "{DEVICES}"}}).status_code == 200
"""


def readme_steps() -> list[str]:
    """The shell lines of the README's adoption block, comments stripped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## Use it in your own repository", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


@dataclass
class Installed:
    venv: Path
    home: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.venv / BIN / "python"

    def tool(self, name: str) -> str:
        return str(self.venv / BIN / name)

    def env(self) -> dict[str, str]:
        # No credential, no KPN_* variable, no PYTHONPATH: only what a shell needs.
        env = {name: os.environ[name] for name in PLATFORM_VARIABLES if name in os.environ}
        system_path = os.pathsep.join(("/usr/bin", "/bin")) if os.name != "nt" else os.environ.get("PATH", "")
        env.update({"PATH": f"{self.venv / BIN}{os.pathsep}{system_path}", "HOME": str(self.home)})
        return env

    def run(
        self, argv: list[str], cwd: Path, label: str, *, expect: int = 0
    ) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        result = subprocess.run(
            argv, cwd=cwd, env=self.env(), capture_output=True, text=True, timeout=600, check=False
        )
        self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - started
        assert result.returncode == expect, (
            f"{label}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
        return result

    def step(self, line: str, cwd: Path, label: str | None = None) -> subprocess.CompletedProcess[str]:
        """One README line, run with the installed venv's tools."""
        words = shlex.split(line)
        if words[0] == "pytest":
            argv = [str(self.python), "-m", "pytest", "-p", "no:cacheprovider", *words[1:]]
        else:
            argv = [self.tool(words[0]), *words[1:]]
        return self.run(argv, cwd, label or line)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("adoption")
    home = base / "home"
    home.mkdir()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    wheel = build_wheel(base)
    timings["build the wheel"] = time.perf_counter() - started
    started = time.perf_counter()
    venv = base / "venv"
    install_into_fresh_venv(wheel, venv)
    timings["fresh venv + install"] = time.perf_counter() - started
    result = Installed(venv, home, timings)
    yield result
    total = sum(result.timings.values())
    lines = [f"  {seconds:6.1f} s  {label}" for label, seconds in result.timings.items()]
    assert sys.__stdout__ is not None  # pytest captures sys.stdout, never the process's real one
    sys.__stdout__.write("\nadoption test timings:\n" + "\n".join(lines) + f"\n  {total:6.1f} s  total\n")


@pytest.fixture(scope="module")
def project(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty project, adopted by the README's steps (the install step is the wheel above)."""
    root = tmp_path_factory.mktemp("team-project")
    steps = readme_steps()
    assert steps[0].startswith("pip install kpn-contract")
    assert steps[1] == "kpn-contract init"
    installed.step(steps[1], root)
    # The team adds a profile of its own, with its own variable names, and a test that uses it.
    with (root / "kpn-contract.toml").open("a", encoding="utf-8") as fh:
        fh.write(ACME_PROFILE)
    (root / "tests" / "contract" / "test_acme.py").write_text(ACME_TEST, encoding="utf-8")
    for line in steps[2:]:
        if line.startswith("git "):
            continue  # committing is the team's business
        installed.step(line, root)
    return root


def test_installed_package_is_the_wheel_not_the_repository(installed: Installed, tmp_path: Path) -> None:
    code = "import json, sys, kpn_contract; print(json.dumps([kpn_contract.__file__, sys.path]))"
    out = installed.run([str(installed.python), "-c", code], tmp_path, "import check").stdout
    where, path = json.loads(out)
    assert where.startswith(str(installed.venv)), where
    assert str(REPO) not in path


def test_the_wheel_declares_pytest_and_fuzzes_a_bundled_spec_by_name(
    project: Path, installed: Installed
) -> None:
    code = "import importlib.metadata as m; print(m.requires('kpn-contract'))"
    requires = installed.run([str(installed.python), "-c", code], project, "metadata check").stdout
    assert "'pytest>=8'" in requires
    # No specs/ folder here: the name resolves to the spec inside the installed package.
    argv = ["fuzz", "--profile", "team-api-store", "--spec", "parley", "--max-examples", "1"]
    fuzz = installed.run(
        # The fuzzing phase: Parley's spec has no examples, and a run that sends nothing fails.
        [installed.tool("kpn-contract"), *argv, "--phases", "fuzzing"],
        project,
        "fuzz --spec parley",
    )
    assert f"{installed.venv}" in fuzz.stdout
    assert "parley-secure-messenger.yaml" in fuzz.stdout
    assert re.search(r"^[1-9]\d* cases over 8 operation\(s\)", fuzz.stdout, re.MULTILINE), fuzz.stdout


def test_readme_steps_record_then_replay_verify_and_audit(project: Path, installed: Installed) -> None:
    cassettes = project / "cassettes"
    recorded = sorted(p.relative_to(cassettes).as_posix() for p in cassettes.rglob("*.yaml"))
    assert "contract/test_kpn_smoke/test_api_store_product_answers_within_its_contract.yaml" in recorded
    assert "contract/test_kpn_smoke/test_kpn_things_lists_devices_within_its_contract.yaml" in recorded
    assert "contract/test_acme/test_acme_lists_devices.yaml" in recorded
    tokens = [name for name in recorded if name.startswith("tokens/")]
    # One per API key: the gateway demo key and the GRIP demo key (team-things and acme share it).
    assert len(tokens) == 2, tokens
    # Replay again, each file alone, with the network blocked and no variable set.
    for test_file in ("tests/contract/test_acme.py", "tests/contract/test_kpn_smoke.py"):
        installed.step(f"pytest {test_file}", project)
    # verify also fails an empty folder rather than passing with 0 cassettes.
    (project / "empty").mkdir()
    installed.run([installed.tool("kpn-contract"), "verify", "empty"], project, "verify EMPTY", expect=2)


def _naming_handles_files_outside_the_rootdir() -> bool:
    from kpn_contract.cassettes.naming import cassette_path

    try:
        cassette_path(Path("cassettes"), "::test_x")
    except ValueError:
        return False
    return True


@pytest.mark.xfail(
    not _naming_handles_files_outside_the_rootdir(),
    reason="cassette naming outside the rootdir is the `hostile` helper's fix (issue 13, 'Why' 4)",
    strict=True,
)
def test_a_test_file_outside_the_rootdir(project: Path, installed: Installed, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = elsewhere / "test_outside.py"
    outside.write_text(ACME_TEST.replace("test_acme_lists_devices", "test_outside"), encoding="utf-8")
    record = f"pytest --rootdir {project} {outside} --kpn-target emulator --kpn-record-mode once"
    installed.step(record, project, "outside the rootdir: record")
    installed.step(f"pytest --rootdir {project} {outside}", project, "outside the rootdir: replay")
    installed.step("kpn-contract verify", project, "outside the rootdir: verify")
    installed.step("kpn-contract audit", project, "outside the rootdir: audit")


def _async_fixture_available() -> bool:
    import kpn_contract.pytest.plugin

    return hasattr(kpn_contract.pytest.plugin, "kpn_async_client")


# PLACE FOR THE ASYNC CASE: the `kpn_async_client` fixture is the `async` helper's (issue 13, "What to
# build" 6). Until it is merged this test skips; afterwards it records and replays an async test too.
@pytest.mark.skipif(not _async_fixture_available(), reason="kpn_async_client is not merged yet")
def test_an_async_test(project: Path, installed: Installed) -> None:
    (project / "tests" / "contract" / "test_async_things.py").write_text(
        textwrap.dedent(
            f"""
            import pytest

            pytestmark = pytest.mark.anyio


            @pytest.fixture
            def anyio_backend():
                return "asyncio"


            @pytest.mark.kpn(profile="team-things")
            async def test_async_lists_devices(kpn_async_client):
                things = kpn_async_client()
                page = await things.get("/api/devices", headers={{"Accept": "{DEVICES}"}})
                assert page.status_code == 200
            """
        ),
        encoding="utf-8",
    )
    installed.step(
        "pytest tests/contract/test_async_things.py --kpn-target emulator --kpn-record-mode once", project
    )
    installed.step("pytest tests/contract/test_async_things.py", project)
    installed.step("kpn-contract verify", project)
    installed.step("kpn-contract audit", project)
