"""The leniency pass kept in the parsed-file cache: the same spec as an uncached load, rebuilt when the
loader's code or the file changes, and never trusted beyond what it was written for."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kpn_contract.config import parsed_cache
from kpn_contract.config.parsed_cache import CACHE_DIR_NAME
from kpn_contract.contract.model import Spec
from kpn_contract.contract.specs import _LENIENT, bundled_spec_dir, lenient_document, load_spec, spec_files
from kpn_contract.errors import SpecError

# A media type written as "json": repaired to application/json, with its leniency named.
REPAIRED = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Repaired, version: "1"}
    paths:
      /things/{id}:
        get:
          responses:
            "200":
              description: ok
              content:
                json:
                  schema: {type: object, properties: {n: {type: integer}}}
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "kpn-contract.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPN_CONTRACT_CACHE", raising=False)
    return tmp_path


def _lenient_entries(project: Path) -> list[Path]:
    return sorted((project / CACHE_DIR_NAME).glob("spec-lenient-*.msgpack"))


def _refuse_to_repair(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make parsing and the leniency pass fail, so that a load can only succeed from the cache."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("read the definition again")

    monkeypatch.setattr("kpn_contract.contract.specs.read_leniently", refuse)
    monkeypatch.setattr("kpn_contract.contract._document.parse_yaml", refuse)


def _shape(spec: Spec) -> tuple[object, ...]:
    return (spec.title, spec.version, spec.format, spec.servers, spec.operations, spec.warnings, spec.raw)


def test_every_bundled_spec_loads_from_the_cache_as_it_loads_without(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = bundled_spec_dir()
    files = spec_files([folder])
    first = {f: _shape(load_spec(f, folder=folder)) for f in files}
    cache = parsed_cache.cache_dir_for(files[0], outside=True)  # the repository's, or this project's
    assert cache is not None
    cached = [
        f
        for f in files
        if (cache / f"spec-lenient-{parsed_cache._key(_LENIENT, f.read_bytes())}.msgpack").is_file()
    ]
    # Two hold YAML dates (an `example`), which would read back as strings: those are never cached.
    assert len(cached) >= len(files) - 2
    with monkeypatch.context() as patched:
        _refuse_to_repair(patched)
        again = {f: _shape(load_spec(f, folder=folder)) for f in cached}
    monkeypatch.setenv("KPN_CONTRACT_CACHE", "0")
    uncached = {f: _shape(load_spec(f, folder=folder)) for f in files}
    assert first == uncached
    assert again == {f: uncached[f] for f in cached}


def test_a_repaired_definition_loads_from_the_cache_with_its_repairs(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "spec.yaml"
    path.write_text(REPAIRED, encoding="utf-8")
    first = load_spec(path)
    assert len(_lenient_entries(project)) == 1
    _refuse_to_repair(monkeypatch)
    cached = load_spec(path)
    assert _shape(cached) == _shape(first)
    assert "[malformed-media-type]" in str(cached.warnings[0])
    (operation,) = cached.operations
    assert list(operation.responses["200"].content) == ["application/json"]


def test_a_changed_file_is_read_and_repaired_again(project: Path) -> None:
    path = project / "spec.yaml"
    path.write_text(REPAIRED, encoding="utf-8")
    load_spec(path)
    path.write_text(REPAIRED.replace("title: Repaired", "title: Changed"), encoding="utf-8")
    assert load_spec(path).title == "Changed"
    assert len(_lenient_entries(project)) == 2


def test_a_change_to_the_loaders_code_misses_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "spec.yaml"
    path.write_text(REPAIRED, encoding="utf-8")
    load_spec(path)
    (written,) = _lenient_entries(project)
    # The same toolkit version with other repair code (an editable install): another key, a new entry.
    monkeypatch.setattr(parsed_cache, "_code_digest", lambda packages: "other code")
    calls: list[object] = []
    real = load_spec.__globals__["read_leniently"]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr("kpn_contract.contract.specs.read_leniently", counted)
    load_spec(path)
    assert calls, "the leniency pass ran again"
    assert written in _lenient_entries(project)
    assert len(_lenient_entries(project)) == 2


def test_the_code_digest_follows_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "repairs_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "fix.py").write_text("ANSWER = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    parsed_cache._code_digest.cache_clear()
    before = parsed_cache._code_digest(("repairs_pkg",))
    (package / "fix.py").write_text("ANSWER = 2\n", encoding="utf-8")
    parsed_cache._code_digest.cache_clear()
    assert parsed_cache._code_digest(("repairs_pkg",)) != before
    parsed_cache._code_digest.cache_clear()


def test_an_entry_naming_an_unknown_repair_is_not_trusted(project: Path) -> None:
    path = project / "spec.yaml"
    path.write_text(REPAIRED, encoding="utf-8")
    expected = lenient_document(path)
    (entry,) = _lenient_entries(project)
    key = entry.stem.removeprefix("spec-lenient-")
    planted = [{"openapi": "3.0.3", "info": {"title": "Planted"}}, [["run-this", "/", "planted", None]]]
    payload = msgspec.msgpack.encode((key, msgspec.Raw(msgspec.msgpack.encode(planted))))
    entry.write_bytes(b"KPNCACHE1\n" + hashlib.blake2b(payload, digest_size=32).digest() + payload)
    assert lenient_document(path) == expected  # rebuilt from the file
    assert b"Planted" not in entry.read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "top level is a list, not a mapping: not an API definition"),
        ("openapi: 2.5.0\npaths: {}\n", "unsupported OpenAPI version '2.5.0' (3.0.x and 3.1.x are read)"),
        ("paths: {}\n", "no 'openapi' or 'swagger' version key: not an API definition"),
    ],
)
def test_a_file_refused_before_any_repair_is_refused_every_time_and_never_cached(
    project: Path, text: str, message: str
) -> None:
    path = project / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SpecError) as refused:
            load_spec(path)
        assert refused.value.message.endswith(f": {message}")
    assert _lenient_entries(project) == []
