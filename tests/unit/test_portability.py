"""Windows and macOS points that cannot run here, held by tests that can: a busy port stays refused,
a cassette replace waits for a reader, a junction is a link, and no test kills with a POSIX-only signal."""

from __future__ import annotations

import ast
import os
import socket
import stat
import types
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.cassettes import paths
from kpn_contract.cassettes.paths import is_link, replace_file, safe_destination, write_atomically
from kpn_contract.emulator import _server
from kpn_contract.errors import CassetteError
from tests.source_trees import parsed

REPO = Path(__file__).resolve().parents[2]


def test_windows_gets_exclusive_address_use_and_never_reuseaddr() -> None:
    # On Windows SO_REUSEADDR lets a second socket bind a port another one is listening on.
    assert _server._address_options("win32") == (_server._SO_EXCLUSIVEADDRUSE,)
    assert socket.SO_REUSEADDR not in _server._address_options("win32")
    assert getattr(socket, "SO_EXCLUSIVEADDRUSE", -5) == _server._SO_EXCLUSIVEADDRUSE


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_posix_keeps_reuseaddr_for_ports_in_time_wait(platform: str) -> None:
    assert _server._address_options(platform) == (socket.SO_REUSEADDR,)


# --------------------------------------------------------------------------------------------------
# Junctions


def test_a_junction_is_refused_like_a_symbolic_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junction = tmp_path / "cassettes" / "contract"
    junction.mkdir(parents=True)
    monkeypatch.setattr(os.path, "isjunction", lambda path: Path(path) == junction, raising=False)
    with pytest.raises(CassetteError, match="refused to write through the symbolic link"):
        safe_destination(junction / "test_x.yaml", tmp_path / "cassettes")
    assert is_link(junction)
    assert not is_link(tmp_path / "cassettes")


def test_before_python_3_12_a_junction_is_found_by_its_reparse_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junction = tmp_path / "junction"
    junction.mkdir()
    real_lstat = os.lstat

    def lstat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path) == junction:
            return types.SimpleNamespace(
                st_mode=stat.S_IFDIR, st_reparse_tag=paths._IO_REPARSE_TAG_MOUNT_POINT
            )
        return real_lstat(path, *args, **kwargs)

    monkeypatch.delattr(os.path, "isjunction", raising=False)
    monkeypatch.setattr(paths, "_WINDOWS", True)
    monkeypatch.setattr(os, "lstat", lstat)
    assert is_link(junction)
    assert not is_link(tmp_path)


# --------------------------------------------------------------------------------------------------
# Replacing a cassette a reader holds open


class _Busy:
    """``Path.replace`` refusing the first ``times`` calls as Windows does while a reader holds the file."""

    def __init__(self, times: int) -> None:
        self.times, self.calls = times, 0
        self.real = Path.replace

    def method(self) -> Any:
        def replace(source: Path, target: Any) -> Path:
            return self(source, target)

        return replace

    def __call__(self, source: Path, target: Any) -> Path:
        self.calls += 1
        if self.calls <= self.times:
            raise PermissionError(13, "The process cannot access the file because it is being used")
        return self.real(source, target)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("kpn_contract.cassettes.paths.time.sleep", slept.append)
    return slept


def test_on_windows_a_replace_waits_for_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    busy = _Busy(times=2)
    monkeypatch.setattr(paths, "_WINDOWS", True)
    monkeypatch.setattr(Path, "replace", busy.method())
    cassette = tmp_path / "cassettes" / "x.yaml"
    cassette.parent.mkdir()
    cassette.write_text("old\n", encoding="utf-8")
    write_atomically(cassette, b"new\n", root=tmp_path / "cassettes")
    assert cassette.read_bytes() == b"new\n"
    assert busy.calls == 3
    assert no_sleep == list(paths._REPLACE_DELAYS[:2])


def test_on_windows_a_reader_that_never_lets_go_is_an_error_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    busy = _Busy(times=1000)
    monkeypatch.setattr(paths, "_WINDOWS", True)
    monkeypatch.setattr(Path, "replace", busy.method())
    cassette = tmp_path / "x.yaml"
    cassette.write_text("old\n", encoding="utf-8")
    with pytest.raises(PermissionError):
        write_atomically(cassette, b"new\n", root=tmp_path)
    assert busy.calls == len(paths._REPLACE_DELAYS) + 1
    assert sum(no_sleep) < 2  # a short wait, not a hang
    assert cassette.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.yaml"]


def test_on_posix_a_permission_error_is_raised_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]
) -> None:
    busy = _Busy(times=1)
    monkeypatch.setattr(paths, "_WINDOWS", False)
    monkeypatch.setattr(Path, "replace", busy.method())
    with pytest.raises(PermissionError):
        replace_file(tmp_path / "a", tmp_path / "b")
    assert (busy.calls, no_sleep) == (1, [])


# --------------------------------------------------------------------------------------------------
# Signals


def _posix_only_signal_uses(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "SIGKILL":
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "signal":
            lines.extend(node.lineno for alias in node.names if alias.name == "SIGKILL")
    return lines


def test_no_module_uses_sigkill_unguarded() -> None:
    """``signal.SIGKILL`` does not exist on Windows: kill with ``Popen.kill()``, read it with getattr."""
    found = []
    for folder in ("kpn_contract", "tests", "benchmarks"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = parsed(path)
            found += [f"{path.relative_to(REPO)}:{line}" for line in _posix_only_signal_uses(tree)]
    assert found == []


def test_the_scan_finds_an_unguarded_use() -> None:
    tree = ast.parse("import signal\nfrom signal import SIGKILL\nos.kill(1, signal.SIGKILL)\n")
    assert _posix_only_signal_uses(tree) == [2, 3]
    assert _posix_only_signal_uses(ast.parse("getattr(signal, 'SIGKILL', None)\n")) == []
