"""Cassette files: safe loading, clear errors, atomic writes and the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpn_contract.cassettes.store import (
    Cassette,
    Interaction,
    iter_cassettes,
    load_cassette,
    save_cassette,
)
from kpn_contract.errors import CassetteError


def _interaction(n: int = 0, body: bytes = b'{"ok": true}') -> Interaction:
    return Interaction(
        method="GET",
        uri=f"https://api.kpnthings.com/api/devices?currentPage={n}",
        request_headers=(("accept", "application/json"),),
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=(("content-type", "application/json"), ("set-thing", "a"), ("set-thing", "b")),
        response_body=body,
    )


VALID = textwrap.dedent(
    """\
    interactions:
    - request:
        body: ''
        headers: {accept: ['*/*']}
        method: GET
        uri: https://api.kpnthings.com/api/devices
      response:
        body: {string: '{}'}
        headers: {content-type: [application/json]}
        status: {code: 200, message: OK}
    version: 1
    """
)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    binary = bytes(range(256))
    cassette = Cassette(
        tmp_path / "c.yaml",
        [_interaction(1), _interaction(2, body=binary)],
        {"target": "emulator", "profiles": ["sandbox"]},
    )
    save_cassette(cassette)
    loaded = load_cassette(tmp_path / "c.yaml")
    assert loaded.interactions == cassette.interactions
    assert loaded.meta == cassette.meta
    assert loaded.interactions[0].response_headers[1:] == (("set-thing", "a"), ("set-thing", "b"))


def test_loads_a_plain_vcrpy_cassette_without_metadata(tmp_path: Path) -> None:
    path = tmp_path / "vcr.yaml"
    path.write_text(VALID)
    cassette = load_cassette(path)
    assert cassette.meta == {}
    assert cassette.interactions[0].status == 200
    assert cassette.interactions[0].response_body == b"{}"


def test_planted_python_object_tag_never_executes(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"interactions: []\nversion: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert not marker.exists()
    assert info.value.path == str(path)
    assert info.value.line == 2
    assert "GHSA-rpj2-4hq8-938g" in str(info.value)


def test_corrupt_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.yaml"
    path.write_text(VALID.replace("method: GET", "method: [GET"))
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert info.value.path == str(path)
    assert info.value.line is not None
    assert 5 <= info.value.line <= 7
    assert f"{path}:{info.value.line}:" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ("version: 1", "version: 2", "version", 11),
        ("version: 1", "", "version", None),
        ("code: 200", "code: two hundred", "interactions[0].response.status.code", 10),
        ("method: GET", "method: [GET]", "interactions[0].request.method", 5),
        (
            "headers: {content-type: [application/json]}",
            "headers: [a]",
            "interactions[0].response.headers",
            9,
        ),
    ],
)
def test_wrong_structure_names_the_field(
    tmp_path: Path, old: str, new: str, field: str, line: int | None
) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(VALID.replace(old, new))
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert f"field {field!r}" in str(info.value)
    assert str(path) in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_not_a_mapping_missing_and_not_utf8(tmp_path: Path) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(CassetteError, match="expected a mapping"):
        load_cassette(listing)
    with pytest.raises(CassetteError, match="does not exist"):
        load_cassette(tmp_path / "absent.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"version: 1\ninteractions: []\n# caf\xe9\n")
    with pytest.raises(CassetteError) as info:
        load_cassette(latin)
    assert info.value.line == 3


def test_save_is_atomic_when_the_rename_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    save_cassette(Cassette(path, [_interaction(1)]))
    before = path.read_bytes()

    def broken_replace(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_cassette(Cassette(path, [_interaction(2)]))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".locks", "c.yaml"]  # the lock lives in .locks/


WRITER = textwrap.dedent(
    """\
    import sys
    from pathlib import Path
    from kpn_contract.cassettes.store import Cassette, Interaction, save_cassette
    path, tag = Path(sys.argv[1]), sys.argv[2]
    body = (tag * 20000).encode()
    for n in range(15):
        interactions = [
            Interaction("GET", f"https://h/{tag}/{n}/{i}", (), b"", 200, "OK", (), body) for i in range(20)
        ]
        save_cassette(Cassette(path, interactions, {"writer": tag}))
    """
)


def test_two_processes_writing_the_same_cassette_leave_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), tag]) for tag in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    cassette = load_cassette(path)
    writer = cassette.meta["writer"]
    assert len(cassette.interactions) == 20
    assert all(f"/{writer}/14/" in i.uri for i in cassette.interactions)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_iter_cassettes_finds_yaml_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/z.yaml", "a.yml", ".hidden.yaml", "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_cassettes([tmp_path])] == ["a.yml", "b/z.yaml"]
    assert list(iter_cassettes([tmp_path / "a.yml"])) == [tmp_path / "a.yml"]
    with pytest.raises(CassetteError, match="no such cassette"):
        list(iter_cassettes([tmp_path / "missing"]))


def _yamlish() -> st.SearchStrategy[str]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.binary(max_size=10))
    trees = st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(CASSETTE_KEYS), children, max_size=4),
        ),
        max_leaves=12,
    )
    return trees.map(lambda tree: yaml.safe_dump({"version": 1, "interactions": [tree]}))


CASSETTE_KEYS = [
    "request",
    "response",
    "method",
    "uri",
    "body",
    "headers",
    "status",
    "code",
    "message",
    "string",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(), _yamlish()))
def test_load_cassette_on_arbitrary_text_raises_only_cassette_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:
        failure: CassetteError | None = exc
    else:
        failure = None
        assert all(isinstance(i, Interaction) for i in cassette.interactions)
    if failure is not None:
        assert failure.path == str(path)


def test_dump_is_exactly_what_the_safe_dumper_writes(tmp_path: Path) -> None:
    from kpn_contract.cassettes.store import dump_cassette

    cassette = Cassette(
        tmp_path / "c.yaml", [_interaction(1), _interaction(2, body=b"\xff\x00bin")], {"k": [1]}
    )
    expected = {
        "kpn_contract": {"k": [1]},
        "interactions": [
            {
                "request": {
                    "body": "",
                    "headers": {"accept": ["application/json"]},
                    "method": "GET",
                    "uri": i.uri,
                },
                "response": {
                    "body": {"string": i.response_body.decode() if n == 0 else i.response_body},
                    "headers": {"content-type": ["application/json"], "set-thing": ["a", "b"]},
                    "status": {"code": 200, "message": "OK"},
                },
            }
            for n, i in enumerate(cassette.interactions)
        ],
        "version": 1,
    }
    assert dump_cassette(cassette) == yaml.dump(expected, Dumper=yaml.SafeDumper, sort_keys=False)
