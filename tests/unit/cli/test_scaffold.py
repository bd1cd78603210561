"""``kpn-contract init``: what it writes, what it leaves alone, and the one-line error."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Final

import pytest

from kpn_contract.cli.main import main
from kpn_contract.config.profiles import load_config

WRITTEN = (
    "kpn-contract.toml",
    "tests/contract/test_kpn_smoke.py",
    ".gitignore",
    ".github/workflows/kpn-contract.yml",
    "schemathesis.toml",
)
REPOSITORY: Final = Path(__file__).resolve().parents[3]


def init(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["init", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_scaffolds_an_empty_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = init(tmp_path, capsys)
    assert code == 0
    for name in WRITTEN:
        assert (tmp_path / name).is_file(), name
        assert f"created   {name}" in out
    config = load_config(start=tmp_path)
    assert not config.problems
    kinds = {config.profile(name).kind for name in ("team-api-store", "team-things")}
    assert kinds == {"api-store", "grip"}
    assert config.profile("team-things").env_vars() == (
        "TEAM_GRIP_CLIENT_ID",
        "TEAM_GRIP_CLIENT_SECRET",
        "TEAM_GRIP_TENANT_ID",
    )
    smoke = (tmp_path / WRITTEN[1]).read_text(encoding="utf-8")
    assert '@pytest.mark.kpn(profile="team-api-store")' in smoke
    assert '@pytest.mark.kpn(profile="team-things")' in smoke
    compile(smoke, "test_kpn_smoke.py", "exec")
    workflow = (tmp_path / WRITTEN[3]).read_text(encoding="utf-8")
    assert "os: [ubuntu-latest, windows-latest, macos-latest]" in workflow
    assert "cassettes/**/.locks/" in (tmp_path / ".gitignore").read_text(encoding="utf-8")
    # Same bytes on every platform.
    assert b"\r\n" not in (tmp_path / WRITTEN[1]).read_bytes()
    # The repository's own stock schemathesis config, byte for byte (tests/unit/fuzz proves it works).
    assert (tmp_path / WRITTEN[4]).read_bytes() == (REPOSITORY / "schemathesis.toml").read_bytes()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_gitignore_keeps_what_runs_leave_behind_out_of_git_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(tmp_path, capsys)
    left_behind = [
        "tests/contract/__pycache__/test_kpn_smoke.cpython-311-pytest-9.0.pyc",
        "cassettes/.locks/test_x.yaml.0123456789ab.lock",
        "coverage.json",
        ".pytest_cache/v/cache/lastfailed",
        ".hypothesis/examples/x",
        ".schemathesis/crashes/x",
        "reports/drift.md",
    ]
    for name in left_behind:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    added = subprocess.run(
        ["git", "add", "--dry-run", "kpn-contract.toml", "tests/contract", "cassettes", ".gitignore", "."],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "test_kpn_smoke.py" in added
    assert [name for name in left_behind if name in added] == []


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(tmp_path, capsys)
    smoke = tmp_path / WRITTEN[1]
    smoke.write_text("# the team's own edits\n", encoding="utf-8")
    code, out, _ = init(tmp_path, capsys)
    assert code == 0
    assert smoke.read_text(encoding="utf-8") == "# the team's own edits\n"
    assert "created" not in out
    for name in (
        "kpn-contract.toml",
        "tests/contract/test_kpn_smoke.py",
        ".github/workflows/kpn-contract.yml",
        "schemathesis.toml",
    ):
        assert f"skipped   {name}  (exists)" in out
    assert "skipped   .gitignore  (has the lines already)" in out


def test_init_appends_to_an_existing_pyproject_and_gitignore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "team-app"\nversion = "1.0"', encoding="utf-8")
    (tmp_path / ".gitignore").write_text(".venv/\n.pytest_cache/\n", encoding="utf-8")
    code, out, _ = init(tmp_path, capsys)
    assert code == 0
    assert "appended  pyproject.toml  ([tool.kpn_contract] with two profiles)" in out
    assert not (tmp_path / "kpn-contract.toml").exists()
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert document["project"]["name"] == "team-app"
    assert set(document["tool"]["kpn_contract"]["profiles"]) == {"team-api-store", "team-things"}
    ignored = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ignored.count(".pytest_cache/") == 1
    assert ignored[:2] == [".venv/", ".pytest_cache/"]
    assert "cassettes/**/.locks/" in ignored
    # A pyproject that already configures kpn_contract is left alone.
    before = pyproject.read_text(encoding="utf-8")
    _, out, _ = init(tmp_path, capsys)
    assert pyproject.read_text(encoding="utf-8") == before
    assert "skipped   pyproject.toml  (already has [tool.kpn_contract])" in out


def test_init_of_something_that_is_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for target in (tmp_path / "missing", tmp_path / "file.txt"):
        if target.suffix:
            target.write_text("x", encoding="utf-8")
        code, out, err = init(target, capsys)
        assert code == 2
        assert err.splitlines() == [
            f"kpn-contract init: {target}: not a folder (init scaffolds an existing project)"
        ]
        assert out == ""
    assert not (tmp_path / "missing").exists()
