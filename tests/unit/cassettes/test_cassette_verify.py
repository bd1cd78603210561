"""Offline verification of cassettes against the specs."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from kpn_contract.cassettes.store import Cassette, Interaction, save_cassette
from kpn_contract.cassettes.verify import verify
from kpn_contract.contract.model import Violation
from kpn_contract.errors import CassetteError


def _interaction(path: str, status: int, body: bytes) -> Interaction:
    return Interaction(
        "GET",
        f"https://api.kpnthings.com{path}",
        (),
        b"",
        status,
        "OK",
        (("content-type", "application/json"),),
        body,
    )


class _Planted:
    """Flags every 500 and calls /unknown an undeclared operation."""

    def validate(
        self, method: str, url: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[Violation]:
        assert headers["Content-Type"] == "application/json"
        if url.endswith("/unknown"):
            return [Violation("operation.unknown", f"{method} {url}", "", "", "a declared operation", "none")]
        if status == 500:
            return [Violation("status.undeclared", "GET /api/devices", "things.yaml", "", "200", "500")]
        return []

    def validate_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[Violation]:
        del method, headers, body
        if url.endswith("?sortBy=bogus"):
            return [
                Violation(
                    "request.parameter.schema",
                    "listDevices",
                    "things.yaml",
                    "query parameter sortBy",
                    "enum",
                    "bogus",
                )
            ]
        return []


def test_planted_violation_is_reported(tmp_path: Path) -> None:
    save_cassette(Cassette(tmp_path / "a" / "good.yaml", [_interaction("/api/devices", 200, b"{}")]))
    save_cassette(
        Cassette(
            tmp_path / "b.yaml",
            [
                _interaction("/api/devices", 200, b"{}"),
                _interaction("/api/devices", 500, b"{}"),
                _interaction("/unknown", 200, b"{}"),
            ],
        )
    )
    report = verify([tmp_path], _Planted())
    assert not report.ok
    assert report.exit_code == 1
    counts = {
        v.path.name: (v.interactions, v.conforming, v.violating, len(v.unknown)) for v in report.cassettes
    }
    assert counts == {"good.yaml": (1, 1, 0, 0), "b.yaml": (3, 1, 1, 1)}
    text = report.render_text()
    where = tmp_path / "b.yaml"
    assert (
        f"{where}: interaction 1 GET https://api.kpnthings.com/api/devices -> 500: status.undeclared" in text
    )
    assert "interaction 2 GET https://api.kpnthings.com/unknown: no spec declares it" in text
    assert "total" in text
    assert "1 violation(s)" in text


def test_all_conforming_exits_zero(tmp_path: Path) -> None:
    save_cassette(Cassette(tmp_path / "good.yaml", [_interaction("/api/devices", 200, b"{}")]))
    report = verify([tmp_path], _Planted())
    assert report.ok
    assert report.exit_code == 0
    assert "all interactions conform" in report.render_text()


def test_unreadable_input_raises(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="no such cassette"):
        verify([tmp_path / "missing"], _Planted())
    (tmp_path / "bad.yaml").write_text("version: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(CassetteError, match=r"bad\.yaml:1"):
        verify([tmp_path], _Planted())


SPEC = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Mini Things, version: 1.2.3}
    servers: [{url: https://api.kpnthings.com}]
    paths:
      /api/devices:
        get:
          responses:
            '200':
              description: ok
              content:
                application/json:
                  schema:
                    type: object
                    required: [content]
                    properties: {content: {type: array}}
    """
)


def test_with_the_real_validator(tmp_path: Path) -> None:
    from kpn_contract.contract.specs import SpecIndex, load_spec
    from kpn_contract.contract.validate import Validator

    spec = tmp_path / "mini.yaml"
    spec.write_text(SPEC)
    validator = Validator(SpecIndex([load_spec(spec)]), strict_unknown=True)
    save_cassette(
        Cassette(
            tmp_path / "cassettes" / "c.yaml",
            [
                _interaction("/api/devices", 200, b'{"content": []}'),
                _interaction("/api/devices", 200, b'{"contents": []}'),
                _interaction("/api/elsewhere", 200, b"{}"),
            ],
        )
    )
    report = verify([tmp_path / "cassettes"], validator)
    (verdict,) = report.cassettes
    assert (verdict.conforming, verdict.violating, len(verdict.unknown)) == (1, 1, 1)
    assert verdict.violations[0].index == 1
    assert "interaction 1" in report.render_text()


def test_violations_of_a_cassette_recorded_with_validation_off_are_expected(
    tmp_path: Path, repo_root: Path
) -> None:
    from kpn_contract.contract.specs import project_index
    from kpn_contract.contract.validate import Validator

    negative = (
        repo_root / "cassettes" / "contract" / "test_things" / "test_invalid_token_is_a_302_auth_failure.yaml"
    )
    text = negative.read_text()
    assert "validated: false" in text
    (tmp_path / "expected.yaml").write_text(text)
    report = verify([tmp_path], Validator(project_index()))
    assert report.ok
    assert report.exit_code == 0
    assert "1 expected in cassettes recorded with validation off" in report.render_text()
    # The same recording without the mark is a real violation.
    (tmp_path / "expected.yaml").write_text(text.replace("  validated: false\n", ""))
    report = verify([tmp_path], Validator(project_index()))
    assert not report.ok
    assert "status.auth-failure" in report.render_text()


def test_request_violations_are_reported_and_counted(tmp_path: Path) -> None:
    save_cassette(Cassette(tmp_path / "c.yaml", [_interaction("/api/devices?sortBy=bogus", 200, b"{}")]))
    report = verify([tmp_path], _Planted())
    (verdict,) = report.cassettes
    assert (verdict.conforming, verdict.violating) == (0, 1)
    assert not report.ok
    assert "request.parameter.schema at query parameter sortBy in listDevices" in report.render_text()


def test_request_violations_of_a_cassette_validating_only_responses_are_expected(
    tmp_path: Path, repo_root: Path
) -> None:
    from kpn_contract.contract.specs import project_index
    from kpn_contract.contract.validate import Validator

    negative = repo_root / "cassettes" / "contract" / "test_things" / "test_bad_query_parameter_is_a_400.yaml"
    text = negative.read_text()
    assert "validated: response" in text
    (tmp_path / "bad-request.yaml").write_text(text)
    report = verify([tmp_path], Validator(project_index()))
    assert report.ok
    assert "request.parameter.schema at query parameter currentPage" in report.render_text()
    assert "1 expected in cassettes recorded with validation off" in report.render_text()
    # Without the mark, the bad request is a real violation; with "request", only responses are excused.
    for mark in ("", "  validated: request\n"):
        (tmp_path / "bad-request.yaml").write_text(text.replace("  validated: response\n", mark))
        assert not verify([tmp_path], Validator(project_index())).ok


def test_the_table_shows_paths_below_the_working_folder_relative_and_counts_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cassettes" / "a-rather-long-folder-name-for-a-test-module"
    save_cassette(Cassette(folder / "test_devices.yaml", [_interaction("/api/devices", 500, b"{}")]))
    monkeypatch.chdir(tmp_path)
    text = verify([tmp_path / "cassettes"], _Planted()).render_text()
    lines = text.splitlines()
    assert lines[0] == "interactions  conforming  violations  unknown  cassette"
    assert lines[2].endswith("  cassettes/a-rather-long-folder-name-for-a-test-module/test_devices.yaml")
    assert "\ncassettes/a-rather-long-folder-name-for-a-test-module/test_devices.yaml: interaction 0" in text
    assert str(tmp_path) not in text
    assert len(lines[0]) < 60  # not padded to the longest cassette name
