"""``kpn_notebook`` as a context manager, its async clients, its recording hint, and the README's snippets.

Each test works in a throwaway project folder, records against a loopback emulator the session starts,
and replays what it wrote.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.errors import CassetteError, NetworkBlockedError, UsageError
from kpn_contract.notebook import ViolationTable, kpn_notebook

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project of a team's own (defaults only), as the current folder, with no KPN_* set."""
    (tmp_path / "pyproject.toml").write_text("[tool.kpn_contract]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("KPN_TARGET", "KPN_RECORD", "KPN_EMULATOR_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def calls_cassette(project: Path, name: str) -> Path:
    return project / "cassettes" / "notebooks" / name / "calls.yaml"


def _interrupted_exploration() -> None:
    with kpn_notebook("things", cassette="cut", target="emulator", record_mode="once") as nb:
        assert nb.call("GET", "/api/devices", headers=ACCEPT).status == 200
        raise KeyboardInterrupt  # the kernel interrupted mid-way


def test_an_interrupted_with_block_writes_no_partial_cassette(project: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _interrupted_exploration()
    assert not calls_cassette(project, "cut").exists()


def test_closing_the_with_block_writes_the_cassettes_and_replay_reads_them(project: Path) -> None:
    with kpn_notebook("things", cassette="mine", target="emulator", record_mode="once") as nb:
        assert nb.call("GET", "/api/devices", headers=ACCEPT).status == 200
        assert not calls_cassette(project, "mine").exists()  # written when the session closes
    assert calls_cassette(project, "mine").exists()
    tokens = project / "cassettes" / "notebooks" / "mine" / "tokens"
    assert [p.name.split("-")[0] for p in tokens.glob("*.yaml")] == ["grip"]  # one GRIP token cassette
    # Lock files go to the project's one lock folder, not to a folder per notebook.
    assert not (project / "cassettes" / "notebooks" / "mine" / ".locks").exists()
    assert (project / "cassettes" / ".locks").is_dir()
    assert not any((project / "cassettes" / ".locks").glob("*.lock"))  # removed after use
    with kpn_notebook("things", cassette="mine") as nb:
        assert nb.target == "replay"
        assert nb.call("GET", "/api/devices", headers=ACCEPT).status == 200


def test_a_missing_recording_names_the_notebook_way_to_record(project: Path) -> None:
    with (
        kpn_notebook("things", cassette="never-recorded") as nb,
        pytest.raises(NetworkBlockedError) as info,
    ):
        nb.call("GET", "/api/devices", headers=ACCEPT)
    message = str(info.value)
    assert (
        "kpn_notebook('things', cassette='never-recorded', target='emulator', record_mode='once')" in message
    )
    assert "--kpn-" not in message


def test_a_request_a_once_cassette_lacks_names_new_episodes(project: Path) -> None:
    with kpn_notebook("things", cassette="mine", target="emulator", record_mode="once") as nb:
        nb.call("GET", "/api/devices", headers=ACCEPT)
    with (
        kpn_notebook("things", cassette="mine", target="emulator", record_mode="once") as nb,
        pytest.raises(CassetteError) as info,
    ):
        nb.call("GET", "/api/devices", params={"pageSize": 2}, headers=ACCEPT)
    message = str(info.value)
    assert "record_mode='new_episodes'" in message
    assert "--kpn-" not in message


def test_an_unknown_record_mode_is_refused(project: Path) -> None:
    with pytest.raises(Exception, match="unknown record mode 'sometimes'"):
        kpn_notebook("things", cassette="mine", target="emulator", record_mode="sometimes")
    assert not (project / "cassettes").exists()


def test_async_clients_record_and_replay_through_async_with(project: Path) -> None:
    async def explore(**options: Any) -> list[int]:
        async with kpn_notebook("things", cassette="async", **options) as nb:
            client = nb.async_client()
            pages = await asyncio.gather(*(client.get("/api/devices", headers=ACCEPT) for _ in range(3)))
            assert not nb.violations
        assert client.is_closed
        return [page.status_code for page in pages]

    assert asyncio.run(explore(target="emulator", record_mode="once")) == [200, 200, 200]
    assert asyncio.run(explore()) == [200, 200, 200]  # replayed


def test_a_closed_session_gives_no_async_client(project: Path) -> None:
    nb = kpn_notebook("things", cassette="mine")
    nb.close()
    with pytest.raises(UsageError, match="closed: start a new one with kpn_notebook"):
        nb.async_client()


def test_a_sync_close_in_a_running_loop_closes_async_clients_after_the_cell(project: Path) -> None:
    # A Jupyter cell runs inside the kernel's loop: `with kpn_notebook(...)` there cannot await.
    async def cell() -> tuple[bool, bool]:
        with kpn_notebook("things", cassette="jupyter", target="emulator", record_mode="once") as nb:
            client = nb.async_client()
            await client.get("/api/devices", headers=ACCEPT)
        closed_at_exit = client.is_closed
        for _ in range(10):  # the loop goes on after the cell; the close is one of its next tasks
            await asyncio.sleep(0)
        return closed_at_exit, client.is_closed

    assert asyncio.run(cell()) == (False, True)
    assert calls_cassette(project, "jupyter").exists()


# -- the README ----------------------------------------------------------------------------------


def readme_notebook_snippets() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Notebooks", 1)[1].split("\n## ", 1)[0]
    return [
        block for block in re.findall(r"```python\n(.*?)```", section, re.DOTALL) if "kpn_notebook" in block
    ]


def run_snippet(source: str) -> list[object]:
    """Run a README snippet as a Jupyter cell runs it: top-level ``await`` allowed, ``display`` defined."""
    shown: list[object] = []
    code = compile(source, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, {"display": lambda *values: shown.extend(values)})
    if inspect.iscoroutine(result):
        asyncio.run(result)
    return shown


def test_the_readme_has_a_sync_and_an_async_notebook_snippet() -> None:
    snippets = readme_notebook_snippets()
    assert len(snippets) == 2
    assert "with kpn_notebook(" in snippets[0]
    assert "await " in snippets[1]


@pytest.mark.parametrize("index", [0, 1], ids=["with", "async"])
def test_the_readme_notebook_snippet_records_then_replays(
    project: Path, monkeypatch: pytest.MonkeyPatch, index: int
) -> None:
    snippet = readme_notebook_snippets()[index]
    name = re.search(r'cassette="([^"]+)"', snippet)
    assert name is not None
    with monkeypatch.context() as recording:
        recording.setenv("KPN_TARGET", "emulator")
        recording.setenv("KPN_RECORD", "1")
        recorded = run_snippet(snippet)
    assert calls_cassette(project, name.group(1)).exists()
    replayed = run_snippet(snippet)  # offline, from what the first run wrote
    assert summary(replayed) == summary(recorded)
    tables = [value for value in replayed if isinstance(value, ViolationTable)]
    assert tables
    assert [len(table) for table in tables] == [0]


def summary(shown: list[object]) -> list[object]:
    """What must agree between recording and replay (a replayed token is the scrubbed placeholder)."""
    return [
        (type(value).__name__, getattr(value, "status", None), getattr(value, "conforms", None))
        if not isinstance(value, list)
        else value
        for value in shown
    ]
