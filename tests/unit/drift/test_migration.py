"""The migration report on the shipped KPN Things files: beta → new API through beta-to-new.yaml."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from kpn_contract.cli.main import main
from kpn_contract.contract.specs import load_spec, load_specs
from kpn_contract.drift.findings import Finding
from kpn_contract.drift.migration.maps import load_migration_map
from kpn_contract.drift.migration.migrate import migrate_specs
from kpn_contract.drift.report import run_migration

BETA = Path("specs/kpn-things/kpn-things-beta.yaml")
NEW = Path("specs/kpn-things")
MAP = Path("specs/kpn-things/migrations/beta-to-new.yaml")
CASSETTES = Path("cassettes/contract/test_things")
DEVICES = "GET /api/devices"
DOWNLINKS = "POST /api/actuator/downlinks"
CONTEXT_SWITCH = "POST /api/v1/lifecycle/clients/{customerId}/context-switch"
VENDOR_DEVICE = "application/vnd.kpnthings.device.v1.response+json"


@pytest.fixture(scope="module")
def findings(repo_root: Path) -> list[Finding]:
    old = load_spec(repo_root / BETA)
    new = [s for s in load_specs([repo_root / NEW]) if Path(s.path).name != BETA.name]
    return migrate_specs(old, new, load_migration_map(repo_root / MAP))


def _migration(findings: list[Finding], operation: str) -> set[tuple[str, str, str]]:
    return {
        (f.rule_id, json.dumps(f.old), json.dumps(f.new))
        for f in findings
        if f.operation == operation and f.rule_id.startswith("migration.")
    }


def test_get_devices_names_every_change_a_consumer_must_make(findings: list[Finding]) -> None:
    assert _migration(findings, DEVICES) == {
        ("migration.path.changed", '"GET /api/devices"', '"GET /devices"'),
        ("migration.paging.changed", '"currentPage"', '["cursor", "limit"]'),
        ("migration.paging.changed", '"pageSize"', '["cursor", "limit"]'),
        ("migration.sort.changed", '"sortBy"', '["sort"]'),
        ("migration.sort.changed", '"sortOrder"', '["sort"]'),
        ("migration.search.changed", '"search"', '["q"]'),
        ("migration.sub-customer.changed", '"x-client-id"', '["clientId"]'),
        ("migration.accept.changed", f'["{VENDOR_DEVICE}"]', '["application/json"]'),
        ("migration.field.renamed", '"uuid"', '"id"'),
        ("migration.field.renamed", '"deviceSpecificationUUID"', '"deviceSpecificationId"'),
        ("migration.auth-failure.changed", '["302", "403"]', '["401", "403"]'),
        (
            "migration.envelope.changed",
            json.dumps(
                [
                    "content",
                    "first",
                    "last",
                    "number",
                    "numberOfElements",
                    "size",
                    "sort",
                    "totalElements",
                    "totalPages",
                ]
            ),
            '["items", "links"]',
        ),
    }


def test_get_devices_now_needs_the_device_read_scope(findings: list[Finding]) -> None:
    (scope,) = [f for f in findings if f.operation == DEVICES and f.rule_id.startswith("security.")]
    assert (scope.rule_id, scope.severity, scope.old, scope.new) == (
        "security.scope.added",
        "breaking",
        [],
        ["device.read"],
    )


def test_field_renames_point_into_the_page_items_of_the_old_body(findings: list[Finding]) -> None:
    renamed = {f.old: f.pointer for f in findings if f.rule_id == "migration.field.renamed"}
    media = VENDOR_DEVICE.replace("/", "~1")
    base = f"/responses/200/content/{media}/schema/properties/content/items/properties"
    assert renamed == {"uuid": f"{base}/uuid", "deviceSpecificationUUID": f"{base}/deviceSpecificationUUID"}


def test_the_generic_findings_a_migration_finding_sums_up_are_not_repeated(findings: list[Finding]) -> None:
    mine = [f for f in findings if f.operation == DEVICES]
    # The replaced media type, the vanished 302 and the new 401, the page's top-level fields, the
    # replaced parameters: each is in one migration finding only.
    assert not [f for f in mine if f.rule_id.startswith("response.media-type.")]
    statuses = [f for f in mine if f.rule_id.startswith("response.status.")]
    # Only the 404 for a cursor of another query is news that no migration finding sums up.
    assert [(f.rule_id, f.new) for f in statuses] == [("response.status.added-error", "404")]
    assert not [f for f in mine if f.pointer.endswith(("/properties/totalElements", "/properties/links"))]
    assert not [f for f in mine if f.rule_id == "request.parameter.removed"]


def test_what_the_specs_alone_show_is_reported_by_the_spec_diff_rules(findings: list[Finding]) -> None:
    generic = {(f.rule_id, f.pointer.rsplit("/", 1)[-1]) for f in findings if f.operation == DEVICES}
    assert ("response.property.removed", "metadata") in generic  # no counterpart in the new Device
    assert ("response.property.became-nullable", "description") in generic
    assert ("response.property.added", "clientId") in generic


def test_the_downlink_moves_to_the_lora_downlinks(findings: list[Finding]) -> None:
    rules = Counter(f.rule_id for f in findings if f.operation == DOWNLINKS)
    assert _migration(findings, DOWNLINKS) >= {
        ("migration.path.changed", '"POST /api/actuator/downlinks"', '"POST /lora/downlinks"'),
        ("migration.sub-customer.changed", '"x-client-id"', "null"),
    }
    # SenML array → one object; port from the query into the body; 200 → 201.
    assert rules["request.property.type-changed"] == 1
    assert rules["request.parameter.removed"] == 2
    assert rules["response.status.removed"] == 1


def test_the_context_switch_has_no_counterpart_and_is_reported_removed(findings: list[Finding]) -> None:
    (removed,) = [f for f in findings if f.operation == CONTEXT_SWITCH]
    assert removed.rule_id == "operation.removed"
    assert removed.severity == "breaking"
    assert "clientId" in removed.message  # the map's note on the sub-customer mechanism


def test_the_new_stable_api_decides_severity_so_the_deprecated_beta_does_not_soften_it(
    findings: list[Finding],
) -> None:
    assert all(not f.beta for f in findings)
    assert {f.severity for f in findings if f.rule_id.startswith("migration.")} == {"breaking"}


def _summary(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {s: counts.get(s, 0) for s in ("breaking", "warning", "info")}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit"])
def test_every_format_reports_the_same_counts_and_exits_1(
    fmt: str, findings: list[Finding], repo_root: Path
) -> None:
    report, code = run_migration(repo_root / BETA, repo_root / NEW, repo_root / MAP, fmt=fmt)
    summary = _summary(findings)
    assert code == 1
    assert summary["breaking"] > 0
    if fmt == "json":
        document = json.loads(report)
        assert document["summary"] == summary
        assert len(document["findings"]) == len(findings)
    elif fmt == "junit":
        suite = ET.fromstring(report.split("?>", 1)[1])
        assert suite.get("findings") == str(len(findings))
        assert suite.get("failing-findings") == str(summary["breaking"])
        assert sorted(c.get("name", "") for c in suite.iter("testcase")) == sorted(
            [DEVICES, DOWNLINKS, CONTEXT_SWITCH]
        )
        assert suite.get("failures") == "3"
    elif fmt == "markdown":
        for severity, count in summary.items():
            assert f"| {severity} | {count} |" in report
        assert "`migration.path.changed`" in report
    else:
        first = report.splitlines()[0]
        assert first.endswith(", ".join(f"{n} {s}" for s, n in summary.items()))
        assert len(report.splitlines()) == len(findings) + 1


def test_used_by_the_beta_cassettes_keeps_what_they_call_and_read(repo_root: Path) -> None:
    report, code = run_migration(
        repo_root / BETA, repo_root / NEW, repo_root / MAP, fmt="json", used_by=[repo_root / CASSETTES]
    )
    kept = json.loads(report)["findings"]
    assert code == 1
    assert all(f["used"] for f in kept)
    keys = {(f["rule_id"], f["operation"], json.dumps(f["old"]).strip('"')) for f in kept}
    assert ("migration.paging.changed", DEVICES, "currentPage") in keys
    assert ("migration.field.renamed", DEVICES, "uuid") in keys
    assert ("operation.removed", CONTEXT_SWITCH, CONTEXT_SWITCH) in keys
    # The recorded downlinks never send x-client-id, so its replacement is left out.
    assert ("migration.sub-customer.changed", DOWNLINKS, "x-client-id") not in keys
    assert ("migration.sub-customer.changed", DEVICES, "x-client-id") in keys


def test_used_by_one_sorted_listing_keeps_only_the_sort_change_of_its_parameters(
    repo_root: Path, tmp_path: Path
) -> None:
    recordings = tmp_path / "cassettes"
    recordings.mkdir()
    shutil.copy(repo_root / CASSETTES / "test_list_devices_sorted_by_name-ASC.yaml", recordings)
    report, _ = run_migration(
        repo_root / BETA, repo_root / NEW, repo_root / MAP, fmt="json", used_by=[recordings]
    )
    kept = json.loads(report)["findings"]
    assert {f["operation"] for f in kept} == {DEVICES}
    parameter_rules = {f["old"] for f in kept if f["pointer"].startswith("/parameters/")}
    assert parameter_rules == {"sortBy", "sortOrder"}
    assert {"migration.path.changed", "migration.accept.changed", "migration.field.renamed"} <= {
        f["rule_id"] for f in kept
    }


def _cli(repo_root: Path, *extra: str, old: Path = BETA, new: Path = NEW, mapping: Path = MAP) -> int:
    return main(
        ["diff", str(repo_root / old), str(repo_root / new), "--map", str(repo_root / mapping), *extra]
    )


def test_cli_exits_1_on_the_shipped_files_and_names_the_devices_changes(
    repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(repo_root) == 1
    out = capsys.readouterr().out
    for words in (
        "call GET /devices instead of GET /api/devices",
        "'currentPage' is replaced by query 'cursor'",
    ):
        assert words in out
    assert "send Accept application/json" in out
    assert "'uuid' is now named 'id'" in out


def test_cli_exits_0_when_only_warnings_remain_below_the_threshold(
    repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same beta under another name: every operation finds itself, nothing changes.
    new = tmp_path / "same"
    new.mkdir()
    shutil.copy(repo_root / BETA, new / "copy.yaml")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("migration-map: 1\noperations: [{old: GET /api/devices, new: GET /api/devices}]\n")
    assert _cli(repo_root, new=new, mapping=mapping) == 0
    assert capsys.readouterr().out.startswith(
        "Migration kpn-things-beta.yaml → same (map map.yaml): 0 breaking"
    )


@pytest.mark.parametrize(
    ("argument", "words"),
    [("new", "new spec"), ("old", "old spec"), ("mapping", "migration map")],
)
def test_cli_exits_2_naming_a_missing_input(
    repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argument: str, words: str
) -> None:
    missing = tmp_path / "nothing-here"
    assert _cli(repo_root, **{argument: missing}) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"kpn-contract diff: {words} {str(missing)!r} does not exist"


def test_cli_exits_2_when_the_new_folder_holds_only_the_old_spec(
    repo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "only-old"
    folder.mkdir()
    old = folder / "beta.yaml"
    shutil.copy(repo_root / BETA, old)
    assert main(["diff", str(old), str(folder), "--map", str(repo_root / MAP)]) == 2
    assert "no new spec found" in capsys.readouterr().err
