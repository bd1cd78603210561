"""The migration map loader: the shipped map loads; a bad input is a one-line error naming file and field."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.cli.main import main
from kpn_contract.drift.migration.maps import load_migration_map
from kpn_contract.errors import ConfigError
from kpn_contract.redact import forget_secrets

SHIPPED_MAP = Path("specs/kpn-things/migrations/beta-to-new.yaml")
BETA = Path("specs/kpn-things/kpn-things-beta.yaml")
NEW = Path("specs/kpn-things")

GOOD_PAIR = "operations:\n  - {old: GET /api/devices, new: GET /devices}\n"


def _group(group: str) -> str:
    """A map pairing GET /api/devices with GET /devices through one parameter group."""
    return (
        "migration-map: 1\noperations:\n  - old: GET /api/devices\n    new: GET /devices\n"
        f"    parameters: [{group}]\n"
    )


def test_the_shipped_map_loads_with_its_pairs(repo_root: Path) -> None:
    mapping = load_migration_map(repo_root / SHIPPED_MAP)
    assert [(p.old, p.new) for p in mapping.operations] == [
        ("GET /api/devices", "GET /devices"),
        ("POST /api/actuator/downlinks", "POST /lora/downlinks"),
        ("POST /api/v1/lifecycle/clients/{customerId}/context-switch", None),
    ]
    assert mapping.fields == {"uuid": "id", "deviceSpecificationUUID": "deviceSpecificationId"}
    paging = mapping.operations[0].parameters[0]
    assert (paging.concern, paging.old, paging.new) == (
        "paging",
        ("currentPage", "pageSize"),
        ("cursor", "limit"),
    )


# (id, map text, the field the error must name, words the error must hold)
BAD_MAPS = [
    ("not-yaml", "migration-map: 1\noperations: [\n", None, "invalid YAML at line"),
    ("not-a-mapping", "- just\n- a list\n", None, "must be a YAML mapping"),
    ("no-version", GOOD_PAIR, "migration-map", "must be 1"),
    ("wrong-version", "migration-map: 2\n" + GOOD_PAIR, "migration-map", "must be 1"),
    ("unknown-top-key", "migration-map: 1\nextra: 1\n" + GOOD_PAIR, "(top level)", "unknown key 'extra'"),
    ("no-operations", "migration-map: 1\n", "operations", "non-empty list"),
    (
        "operation-not-mapping",
        "migration-map: 1\noperations: [GET /x]\n",
        "operations[0]",
        "must be a mapping",
    ),
    (
        "old-missing",
        "migration-map: 1\noperations: [{new: GET /devices}]\n",
        "operations[0].old",
        "is missing",
    ),
    (
        "new-missing",
        "migration-map: 1\noperations: [{old: GET /api/devices}]\n",
        "operations[0].new",
        "new: null",
    ),
    (
        "old-not-an-operation",
        "migration-map: 1\noperations: [{old: FETCH /api/devices, new: null}]\n",
        "operations[0].old",
        "is not 'METHOD /path'",
    ),
    (
        "new-without-slash",
        "migration-map: 1\noperations: [{old: GET /api/devices, new: GET devices}]\n",
        "operations[0].new",
        "is not 'METHOD /path'",
    ),
    (
        "unknown-pair-key",
        "migration-map: 1\noperations: [{old: GET /api/devices, new: null, renames: {}}]\n",
        "operations[0]",
        "unknown key 'renames'",
    ),
    (
        "duplicate-old",
        (
            "migration-map: 1\noperations:\n  - {old: GET /api/devices, new: null}\n"
            "  - {old: get /api/devices/, new: null}\n"
        ),
        "operations[1].old",
        "already paired in operations[0]",
    ),
    (
        "fields-not-mapping",
        "migration-map: 1\nfields: [uuid]\n" + GOOD_PAIR,
        "fields",
        "mapping of old field name",
    ),
    (
        "field-target-empty",
        "migration-map: 1\nfields: {uuid: ''}\n" + GOOD_PAIR,
        "fields.uuid",
        "non-empty string",
    ),
    (
        "parameters-not-list",
        "migration-map: 1\noperations: [{old: GET /api/devices, new: GET /devices, parameters: {a: b}}]\n",
        "operations[0].parameters",
        "must be a list",
    ),
    (
        "unknown-concern",
        _group("{concern: paiging, old: [currentPage], new: [cursor]}"),
        "operations[0].parameters[0].concern",
        "'paiging' is not one of paging",
    ),
    (
        "group-without-new",
        _group("{concern: paging, old: [currentPage]}"),
        "operations[0].parameters[0].new",
        "is missing",
    ),
    (
        "group-old-empty",
        _group("{concern: paging, old: [], new: [cursor]}"),
        "operations[0].parameters[0].old",
        "at least one parameter",
    ),
    (
        "group-names-not-strings",
        _group("{concern: paging, old: [1], new: [cursor]}"),
        "operations[0].parameters[0].old",
        "list of parameter names",
    ),
    ("notes-not-mapping", "migration-map: 1\nnotes: [a]\n" + GOOD_PAIR, "notes", "mapping of concern"),
    (
        "note-unknown-concern",
        "migration-map: 1\nnotes: {speed: fast}\n" + GOOD_PAIR,
        "notes.speed",
        "not one of",
    ),
    (
        "pair-note-empty",
        "migration-map: 1\noperations: [{old: GET /api/devices, new: null, note: ''}]\n",
        "operations[0].note",
        "non-empty string",
    ),
]


@pytest.mark.parametrize(("text", "field", "words"), [p[1:] for p in BAD_MAPS], ids=[p[0] for p in BAD_MAPS])
def test_a_bad_map_is_a_one_line_error_naming_file_and_field(
    tmp_path: Path, text: str, field: str | None, words: str
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_migration_map(path)
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith(str(path))
    if field is not None:
        assert f"field {field!r}" in message
    assert words in message


def test_a_missing_map_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"map\.yaml: migration map does not exist$"):
        load_migration_map(tmp_path / "map.yaml")


# Problems the loader cannot see alone: the map names what the specs do not declare.
SPEC_MISMATCHES = [
    (
        "unknown-old",
        "{old: GET /api/gadgets, new: null}",
        "operations[0].old",
        "not an operation of kpn-things-beta",
    ),
    (
        "unknown-new",
        "{old: GET /api/devices, new: GET /gadgets}",
        "operations[0].new",
        "not an operation of the new",
    ),
    (
        "unknown-old-parameter",
        (
            "{old: GET /api/devices, new: GET /devices,"
            " parameters: [{concern: paging, old: [page], new: [cursor]}]}"
        ),
        "operations[0].parameters[0].old[0]",
        "GET /api/devices has no parameter 'page'",
    ),
    (
        "unknown-new-parameter",
        (
            "{old: GET /api/devices, new: GET /devices,"
            " parameters: [{concern: paging, old: [pageSize], new: [size]}]}"
        ),
        "operations[0].parameters[0].new[0]",
        "GET /devices has no parameter 'size'",
    ),
    (
        "unknown-old-field",
        "{old: GET /api/devices, new: GET /devices, fields: {guid: id}}",
        "operations[0].fields.guid",
        "GET /api/devices has no field 'guid'",
    ),
    (
        "unknown-new-field",
        "{old: GET /api/devices, new: GET /devices, fields: {uuid: deviceId}}",
        "operations[0].fields.uuid",
        "GET /devices has no field 'deviceId'",
    ),
]


@pytest.mark.parametrize(
    ("pair", "field", "words"), [p[1:] for p in SPEC_MISMATCHES], ids=[p[0] for p in SPEC_MISMATCHES]
)
def test_a_map_naming_what_the_specs_lack_exits_2_with_one_line(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str], pair: str, field: str, words: str
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(f"migration-map: 1\noperations:\n  - {pair}\n", encoding="utf-8")
    output = tmp_path / "report.txt"
    code = main(
        ["diff", str(repo_root / BETA), str(repo_root / NEW), "--map", str(path), "--output", str(output)]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert not output.exists()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"kpn-contract diff: {path}, field {field!r}: ")
    assert words in line


def test_a_bad_map_through_the_cli_exits_2_with_one_line(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("migration-map: 1\noperations: {}\n", encoding="utf-8")
    code = main(["diff", str(repo_root / BETA), str(repo_root / NEW), "--map", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == [
        f"kpn-contract diff: {path}, field 'operations': must be a non-empty list of {{old, new}} pairs"
    ]


@pytest.fixture
def planted_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    secret = "planted-" + secrets.token_urlsafe(24)
    monkeypatch.setenv("KPN_GRIP_CLIENT_SECRET", secret)
    yield secret
    forget_secrets()


def test_a_secret_pasted_into_a_map_does_not_reach_the_error(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str], planted_secret: str
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(f"migration-map: 1\noperations: [{{old: GET /api/devices, new: {planted_secret}}}]\n")
    code = main(["diff", str(repo_root / BETA), str(repo_root / NEW), "--map", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert "is not 'METHOD /path'" in captured.err
    assert planted_secret not in captured.err + captured.out


def test_a_secret_in_a_map_note_does_not_reach_the_report(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str], planted_secret: str
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(
        "migration-map: 1\noperations:\n"
        f"  - {{old: GET /api/devices, new: GET /devices, note: 'ask {planted_secret}'}}\n",
        encoding="utf-8",
    )
    output = tmp_path / "report.md"
    code = main(
        [
            *("diff", str(repo_root / BETA), str(repo_root / NEW), "--map", str(path)),
            *("--format", "markdown", "--output", str(output)),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "ask " in output.read_text(encoding="utf-8")
    assert planted_secret not in captured.out + captured.err + output.read_text(encoding="utf-8")
