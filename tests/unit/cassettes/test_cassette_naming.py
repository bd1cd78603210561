"""Cassette names from node ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.cassettes import cassette_path
from kpn_contract.cassettes.naming import MAX_NAME_LENGTH
from kpn_contract.errors import UsageError


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/contract/test_things.py::test_list[page-2]", "contract/test_things/test_list-page-2.yaml"),
        ("tests/contract/test_things.py::test_list", "contract/test_things/test_list.yaml"),
        ("tests/contract/test_x.py::TestTokens::test_ok", "contract/test_x/TestTokens.test_ok.yaml"),
        ("test_root.py::test_a", "test_root/test_a.yaml"),
    ],
)
def test_names_follow_module_and_test(nodeid: str, expected: str) -> None:
    assert cassette_path(Path("cas"), nodeid) == Path("cas", expected)


def test_lossy_and_long_names_get_a_stable_hash() -> None:
    a = cassette_path(Path("c"), "tests/t.py::test[a/b]").name
    b = cassette_path(Path("c"), "tests/t.py::test[a:b]").name
    assert a != b
    assert a.startswith("test-a-b-")
    assert a == cassette_path(Path("c"), "tests/t.py::test[a/b]").name
    long_one = cassette_path(Path("c"), "tests/t.py::test[" + "x" * 300 + "1]").name
    long_two = cassette_path(Path("c"), "tests/t.py::test[" + "x" * 300 + "2]").name
    assert long_one != long_two
    assert len(long_one) <= MAX_NAME_LENGTH + len(".yaml")
    for name in (a, b, long_one):
        assert all(ch.isalnum() or ch in "._-" for ch in name)


def test_marker_name_shares_a_cassette_and_stays_inside() -> None:
    assert cassette_path(Path("c"), "tests/a.py::t", "tokens") == Path("c/tokens.yaml")
    assert cassette_path(Path("c"), "tests/a.py::t", "things/shared.yml") == Path("c/things/shared.yml")
    for bad in ("../escape", "/etc/passwd", " "):
        with pytest.raises(UsageError, match="relative name"):
            cassette_path(Path("c"), "tests/a.py::t", bad)
    with pytest.raises(UsageError, match="does not name a test"):
        cassette_path(Path("c"), "tests/a.py")


def test_a_base_anchors_the_name_at_the_config_folder_whatever_the_rootdir(tmp_path: Path) -> None:
    test_file = tmp_path / "team" / "tests" / "contract" / "test_smoke.py"
    expected = tmp_path / "c" / "contract" / "test_smoke" / "test_one.yaml"
    # rootdir = tests/contract (pytest run inside it), or the folder above the project.
    for nodeid in ("test_smoke.py::test_one", "team/tests/contract/test_smoke.py::test_one"):
        assert cassette_path(tmp_path / "c", nodeid, test_file=test_file, base=tmp_path / "team") == expected
    # A test outside the config's folder keeps its rootdir-relative name.
    outside = cassette_path(tmp_path / "c", "x/test_y.py::test_z", test_file=tmp_path / "x" / "test_y.py",
                            base=tmp_path / "team")  # fmt: skip
    assert outside == tmp_path / "c" / "x" / "test_y" / "test_z.yaml"
