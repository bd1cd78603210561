"""Hostile cassettes: aliases, anchors, oversize and deep files, links leading out of the cassette dir."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from kpn_contract.cassettes import safe_yaml
from kpn_contract.cassettes.paths import LOCK_DIR_NAME, cassette_lock, lock_file
from kpn_contract.cassettes.record import RecordingTransport
from kpn_contract.cassettes.store import Cassette, Interaction, load_cassette, save_cassette
from kpn_contract.errors import CassetteError
from tests.hostile_inputs import alias_bomb


def _interaction(body: bytes = b"{}") -> Interaction:
    return Interaction("GET", "https://api.kpnthings.com/api/devices", (), b"", 200, "OK", (), body)


def test_an_alias_bomb_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    assert bomb.stat().st_size >= 125_000
    with pytest.raises(CassetteError) as info:
        load_cassette(bomb)
    message = str(info.value)
    assert message.startswith(f"{bomb}:4: ")
    assert "anchors and aliases are refused" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\ninteractions: []\nkpn_contract: &meta {}\n",  # an anchor alone
        "version: 1\ninteractions: []\nkpn_contract: {a: &x 1, b: *x}\n",  # flow style
        "&top\nversion: 1\ninteractions: []\n",  # the root node
    ],
    ids=["anchor", "flow-alias", "root-anchor"],
)
def test_any_anchor_or_alias_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError, match="anchors and aliases are refused"):
        load_cassette(path)


def test_stars_and_ampersands_inside_text_still_load(tmp_path: Path) -> None:
    # The quick scan flags these; the exact (event) check must then let them through.
    body = b'{"note": "a *b* & c", "q": "x &y", "list": "* item"}'
    cassette = Cassette(tmp_path / "c.yaml", [_interaction(body)], {"comment": "* & &a *b"})
    save_cassette(cassette)
    loaded = load_cassette(cassette.path)
    assert loaded.interactions[0].response_body == body
    assert loaded.meta == {"comment": "* & &a *b"}


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(safe_yaml.MAX_CASSETTE_BYTES + 1)
    with pytest.raises(CassetteError, match=r"the limit is 33,554,432 bytes") as info:
        load_cassette(huge)
    assert str(info.value).startswith(f"{huge}: ")


@pytest.mark.parametrize("star", ["", " *"], ids=["quick-path", "exact-path"])
def test_nesting_deeper_than_the_limit_is_refused(tmp_path: Path, star: str) -> None:
    depth = safe_yaml.MAX_NESTING_DEPTH
    ok = tmp_path / "ok.yaml"
    # The root mapping is level 1 and kpn_contract's value level 2: depth - 2 more lists fit.
    fits = depth - 2
    ok.write_text(
        f"version: 1\ninteractions: []\nkpn_contract: {{x: '{star}', y: {'[' * fits}{']' * fits}}}\n"
    )
    assert load_cassette(ok).meta["x"] == star
    deep = tmp_path / "deep.yaml"
    deep.write_text(
        f"version: 1\ninteractions: []\nkpn_contract: {{x: '{star}', y: {'[' * depth}{']' * depth}}}\n"
    )
    with pytest.raises(CassetteError, match=f"nested deeper than {depth} levels"):
        load_cassette(deep)


# -- writes stay inside the cassette directory ---------------------------------------------------


def _outside(tmp_path: Path) -> tuple[Path, Path]:
    root, elsewhere = tmp_path / "cassettes", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    try:  # Windows allows symbolic links only in developer mode or with a privilege
        (tmp_path / "probe").symlink_to(elsewhere, target_is_directory=True)
    except OSError:
        pytest.skip("this platform does not let the test create symbolic links")
    (tmp_path / "probe").unlink()
    return root, elsewhere


def test_a_symlinked_folder_inside_the_cassette_dir_does_not_carry_recordings_out(tmp_path: Path) -> None:
    root, elsewhere = _outside(tmp_path)
    (root / "contract").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CassetteError, match="refused to write through the symbolic link") as info:
        save_cassette(Cassette(root / "contract" / "t.yaml", [_interaction()]), root=root)
    assert "\n" not in str(info.value)
    assert list(elsewhere.iterdir()) == []


def test_the_recorder_refuses_a_link_on_the_way_and_writes_nothing_outside(tmp_path: Path) -> None:
    root, elsewhere = _outside(tmp_path)
    (root / "contract").symlink_to(elsewhere, target_is_directory=True)
    recorder = RecordingTransport(
        httpx.MockTransport(lambda request: httpx.Response(200, json={})),
        root / "contract" / "deeper" / "t.yaml",
        mode="all",
        root=root,
    )
    client = httpx.Client(transport=recorder)
    client.get("https://api.kpnthings.com/api/devices")
    with pytest.raises(CassetteError, match="symbolic link"):
        client.close()  # the recorder writes here
    assert list(elsewhere.iterdir()) == []


def test_a_cassette_file_that_is_a_link_is_not_written_through(tmp_path: Path) -> None:
    root, elsewhere = _outside(tmp_path)
    (root / "t.yaml").symlink_to(elsewhere / "stolen.yaml")
    with pytest.raises(CassetteError, match="symbolic link"):
        save_cassette(Cassette(root / "t.yaml", [_interaction()]), root=root)
    assert not (elsewhere / "stolen.yaml").exists()


def test_planted_lock_links_never_create_a_file_at_their_target(tmp_path: Path) -> None:
    root, elsewhere = _outside(tmp_path)
    # The old place of lock files, beside the cassette: no longer opened at all.
    (root / ".t.yaml.lock").symlink_to(elsewhere / "old-style.lock")
    save_cassette(Cassette(root / "t.yaml", [_interaction()]), root=root)
    assert load_cassette(root / "t.yaml").interactions
    # A link where the lock itself goes is refused, and nothing appears at its target.
    planted = lock_file(root / "u.yaml", root)
    planted.symlink_to(elsewhere / "new-style.lock")
    with pytest.raises(CassetteError, match="symbolic link"), cassette_lock(root / "u.yaml", root):
        pass
    assert list(elsewhere.iterdir()) == []


def test_a_locks_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    root, elsewhere = _outside(tmp_path)
    (root / LOCK_DIR_NAME).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CassetteError, match="symbolic link"):
        save_cassette(Cassette(root / "t.yaml", [_interaction()]), root=root)
    assert list(elsewhere.iterdir()) == []


def test_locks_live_in_one_ignored_folder_not_beside_cassettes(tmp_path: Path) -> None:
    root = tmp_path / "cassettes"
    locks = [lock_file(root / name, root) for name in ("a/t.yaml", "b/t.yaml", "c.yaml")]
    assert len(set(locks)) == 3  # same name, two folders: two locks
    assert all(lock.parent == root / LOCK_DIR_NAME for lock in locks)
    assert (root / LOCK_DIR_NAME / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_lock_files_are_removed_after_use(tmp_path: Path) -> None:
    root = tmp_path / "cassettes"
    for name in ("a/t.yaml", "b/t.yaml", "c.yaml"):
        save_cassette(Cassette(root / name, [_interaction()]), root=root)
    with cassette_lock(root / "c.yaml", root):
        assert lock_file(root / "c.yaml", root).exists()  # held while the cassette is written
    assert not list(root.rglob("*.lock"))
    assert [p.name for p in (root / LOCK_DIR_NAME).iterdir()] == [".gitignore"]


def test_cassettes_are_written_as_utf8_with_unix_newlines(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(Cassette(path, [_interaction('{"naam": "Zoë"}'.encode())]))
    raw = path.read_bytes()
    assert b"\r\n" not in raw
    raw.decode("utf-8")
    assert load_cassette(path).interactions[0].response_body == '{"naam": "Zoë"}'.encode()


# -- portability ----------------------------------------------------------------------------------

NO_FCNTL = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoFcntl(importlib.abc.MetaPathFinder):
        # As on Windows: there is no fcntl module.
        def find_spec(self, name, path=None, target=None):
            if name == "fcntl":
                raise ImportError("No module named 'fcntl' (blocked as on Windows)")
            return None

    sys.modules.pop("fcntl", None)
    sys.meta_path.insert(0, NoFcntl())
    import kpn_contract, kpn_contract.pytest.plugin, kpn_contract.cassettes.store, kpn_contract.cassettes
    try:
        import fcntl
    except ImportError:
        print("fcntl blocked; kpn_contract imported")
    """
)


def test_the_package_imports_without_fcntl() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_FCNTL], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "fcntl blocked; kpn_contract imported"
