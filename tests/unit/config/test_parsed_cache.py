"""The parsed-file cache: hits when the file is unchanged, never trusts an entry, stays in its project."""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec
import pytest

from kpn_contract.cassettes import audit
from kpn_contract.cassettes.store import Cassette, Interaction, load_cassette, save_cassette
from kpn_contract.cli.main import main
from kpn_contract.config import parsed_cache
from kpn_contract.config.parsed_cache import CACHE_DIR_NAME, cache_dir_for, clear_cache
from kpn_contract.contract._document import read_document
from kpn_contract.errors import CassetteError

SECRET = "s3cr3t-value-for-the-cache-audit"


def _interaction(uri: str, body: bytes = b'{"ok": true}') -> Interaction:
    return Interaction(
        "GET",
        uri,
        (("Accept", "application/json"),),
        b"",
        200,
        "OK",
        (("Content-Type", "application/json"),),
        body,
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "kpn-contract.toml").write_text('cassette_dir = "cassettes"\n', encoding="utf-8")
    (tmp_path / "cassettes").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPN_CONTRACT_CACHE", raising=False)
    return tmp_path


def _entries(project: Path) -> list[Path]:
    return sorted((project / CACHE_DIR_NAME).glob("*.msgpack"))


def _write(path: Path, *uris: str, meta: dict[str, object] | None = None) -> Cassette:
    cassette = Cassette(path, [_interaction(u) for u in uris], dict(meta or {"target": "emulator"}))
    save_cassette(cassette)
    return cassette


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any YAML parse fail, so that a load can only succeed from the cache."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed the YAML again")

    monkeypatch.setattr("kpn_contract.cassettes.store.load_untrusted", refuse)
    monkeypatch.setattr("yaml.load", refuse)


def test_an_unchanged_cassette_loads_from_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "cassettes" / "a.yaml"
    written = _write(path, "https://api.example.test/a", "https://api.example.test/b")
    first = load_cassette(path)
    (entry,) = _entries(project)
    assert (project / CACHE_DIR_NAME / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    _no_yaml(monkeypatch)
    second = load_cassette(path)
    assert second.interactions == first.interactions == written.interactions
    assert second.meta == written.meta
    assert entry.exists()


def test_a_changed_cassette_is_parsed_again(project: Path) -> None:
    path = project / "cassettes" / "a.yaml"
    _write(path, "https://api.example.test/a")
    load_cassette(path)
    _write(path, "https://api.example.test/changed")
    assert [i.uri for i in load_cassette(path).interactions] == ["https://api.example.test/changed"]
    assert len(_entries(project)) == 2


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda blob: blob[:-3], id="truncated"),
        pytest.param(lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]), id="a flipped bit"),
        pytest.param(lambda blob: b"not an entry", id="garbage"),
        pytest.param(lambda blob: b"", id="empty"),
    ],
)
def test_a_corrupt_entry_is_ignored_and_rebuilt(project: Path, spoil: object) -> None:
    path = project / "cassettes" / "a.yaml"
    written = _write(path, "https://api.example.test/a")
    load_cassette(path)
    (entry,) = _entries(project)
    sound = entry.read_bytes()
    entry.write_bytes(spoil(sound))  # type: ignore[operator]
    assert load_cassette(path).interactions == written.interactions
    assert entry.read_bytes() == sound  # rebuilt


def _forge(entry: Path, key: str, value: object) -> None:
    """An entry with a sound digest but a payload of the forger's choosing."""
    payload = msgspec.msgpack.encode((key, msgspec.Raw(msgspec.msgpack.encode(value))))
    digest = hashlib.blake2b(payload, digest_size=32).digest()
    entry.write_bytes(b"KPNCACHE1\n" + digest + payload)


def test_a_well_formed_entry_of_the_wrong_shape_or_key_is_not_trusted(project: Path) -> None:
    path = project / "cassettes" / "a.yaml"
    written = _write(path, "https://api.example.test/a")
    load_cassette(path)
    (entry,) = _entries(project)
    key = entry.stem.removeprefix("cassette-")
    row = ["GET", "https://evil.test/", [], b"", 200, "OK", [], b"planted"]
    for forged_key, value in (
        (key, [[["GET", 200]], {}]),  # a row of the wrong shape
        (key, [[[*row[:4], 42, *row[5:]]], {}]),  # not an HTTP status
        ("0" * 64, [[row], {}]),  # written for another file's bytes
    ):
        _forge(entry, forged_key, value)
        assert load_cassette(path).interactions == written.interactions


def test_a_hostile_cassette_is_refused_every_time_and_never_cached(project: Path) -> None:
    path = project / "cassettes" / "bomb.yaml"
    path.write_text('a: &a ["x"]\nb: [*a, *a]\nversion: 1\ninteractions: []\n', encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CassetteError, match="anchors and aliases"):
            load_cassette(path)
    assert _entries(project) == []


def test_outside_a_project_or_switched_off_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.yaml"
    _write(path, "https://api.example.test/a")
    assert cache_dir_for(path) is None
    load_cassette(path)
    assert not (tmp_path / CACHE_DIR_NAME).exists()
    (tmp_path / "kpn-contract.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("KPN_CONTRACT_CACHE", "0")
    assert cache_dir_for(path) is None


def test_a_file_outside_the_project_is_cached_in_the_current_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("shared") / "spec.yaml"
    elsewhere.write_text("openapi: 3.1.0\npaths: {}\n", encoding="utf-8")
    assert cache_dir_for(elsewhere, outside=True) == project / CACHE_DIR_NAME
    assert cache_dir_for(elsewhere) is None  # a cassette there is not cached
    assert read_document(elsewhere) == {"openapi": "3.1.0", "paths": {}}
    assert [e.name.split("-")[0] for e in _entries(project)] == ["spec"]


def test_a_spec_loads_from_the_cache_with_its_integer_keys(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n"
    )
    first = read_document(path)
    _no_yaml(monkeypatch)
    assert read_document(path) == first
    assert 200 in read_document(path)["paths"]["/a"]["get"]["responses"]


def test_a_spec_that_would_not_read_back_the_same_is_not_cached(project: Path) -> None:
    path = project / "spec.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {x-released: 2020-01-31}\npaths: {}\n", encoding="utf-8")
    first = read_document(path)
    assert _entries(project) == []  # msgpack would give the date back as a string
    assert read_document(path) == first
    assert type(read_document(path)["info"]["x-released"]).__name__ == "date"


def test_cache_clear_removes_the_projects_entries(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "cassettes" / "a.yaml"
    _write(path, "https://api.example.test/a")
    load_cassette(path)
    assert len(_entries(project)) == 1
    assert main(["cache", "clear"]) == 0
    assert "removed 1 cached entry" in capsys.readouterr().out
    assert _entries(project) == []
    assert clear_cache(project / "nowhere") == 0


def test_audit_scans_the_cache(project: Path) -> None:
    path = project / "cassettes" / "a.yaml"
    _write(path, "https://api.example.test/a", meta={"target": "emulator", "note": SECRET})
    load_cassette(path)
    path.unlink()  # only the cache entry still holds the value
    findings = audit.audit([project], secrets=[SECRET])
    assert [f.path for f in findings] == [str(_entries(project)[0])]


def test_audit_reads_a_cache_entry_as_it_reads_a_cassette(project: Path) -> None:
    path = project / "cassettes" / "a.yaml"
    leak = Interaction(
        "POST",
        "https://api.example.test/token",
        (),
        b"client_id=x&client_secret=REDACTED",
        200,
        "OK",
        (),
        b"",
    )
    save_cassette(Cassette(path, [leak], {}))
    load_cassette(path)
    assert audit.audit([project]) == []  # REDACTED is a placeholder, here as in the YAML
    leak = Interaction(
        "POST",
        "https://api.example.test/token",
        (),
        b"client_id=x&client_secret=Zq8vR2pLk9Tw4",
        200,
        "OK",
        (),
        b"",
    )
    save_cassette(Cassette(path, [leak], {}))
    load_cassette(path)
    path.unlink()
    assert {(Path(f.path).parent.name, f.kind) for f in audit.audit([project])} == {
        (CACHE_DIR_NAME, "client_secret value")
    }


def test_entries_past_the_limit_are_pruned(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsed_cache, "MAX_ENTRIES", 4)
    for n in range(6):
        path = project / "cassettes" / f"c{n}.yaml"
        _write(path, f"https://api.example.test/{n}")
        load_cassette(path)
    assert 2 <= len(_entries(project)) <= 4
