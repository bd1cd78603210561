"""Report formats, exit codes, redaction, and the CLI entry points run_diff / run_drift."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.drift.findings import Finding
from kpn_contract.drift.report import FailOn, exit_code, render, run_diff, run_drift
from kpn_contract.errors import SpecError, UsageError
from kpn_contract.redact import register_secret

from .conftest import interaction, write_cassette, write_raw

FINDINGS = [
    Finding(
        "operation.removed", "breaking", "DELETE /devices/{id}", "", "DELETE /devices/{id}", None, "removed"
    ),
    Finding(
        "response.enum.value-added",
        "warning",
        "GET /devices",
        "/responses/200/content/application~1json/schema/properties/state",
        ["A", "B"],
        ["A", "B", "C|D <x>"],
        "enum gained C|D <x>",
        beta=True,
    ),
    Finding(
        "response.property.added", "info", "GET /devices", "/responses/200", None, "lastSeen", "new field"
    ),
]


def test_text_has_one_line_per_finding_and_a_summary() -> None:
    lines = render(FINDINGS, "text", title="T").splitlines()
    assert lines[0] == "T: 1 breaking, 1 warning, 1 info"
    assert len(lines) == 4
    assert lines[1].startswith("BREAKING operation.removed DELETE /devices/{id}")
    assert "[beta]" in lines[2]


def test_json_parses_with_findings_and_summary() -> None:
    document = json.loads(render(FINDINGS, "json", title="T"))
    assert document["summary"] == {"breaking": 1, "warning": 1, "info": 1}
    assert [f["rule_id"] for f in document["findings"]] == [f.rule_id for f in FINDINGS]
    assert document["findings"][1]["beta"] is True
    assert document["findings"][1]["new"] == ["A", "B", "C|D <x>"]


def test_markdown_has_summary_and_findings_tables_with_escaped_pipes() -> None:
    text = render(FINDINGS, "markdown", title="Nightly drift")
    assert text.startswith("## Nightly drift\n")
    assert "| Severity | Count |" in text
    assert "| breaking | 1 |" in text
    assert "| Severity | Rule | Operation | Location | Old | New | Message |" in text
    row = next(line for line in text.splitlines() if "response.enum.value-added" in line)
    assert "C\\|D" in row
    assert row.count(" | ") == 6  # the pipe in the value did not add a column
    assert "warning (beta)" in row


def test_markdown_without_findings() -> None:
    assert "No changes found." in render([], "markdown", title="T")


@pytest.mark.parametrize(("fail_on", "failures"), [("breaking", 1), ("warning", 2)])
def test_junit_has_one_testcase_per_operation_and_failures_at_threshold(
    fail_on: FailOn, failures: int
) -> None:
    root = ET.fromstring(render(FINDINGS, "junit", title="drift <&>", fail_on=fail_on))
    assert root.tag == "testsuite"
    assert root.get("name") == "drift <&>"
    cases = root.findall("testcase")
    assert sorted(c.get("name", "") for c in cases) == ["DELETE /devices/{id}", "GET /devices"]
    assert len(root.findall("testcase/failure")) == failures
    assert root.get("failures") == str(failures)


def test_junit_without_findings_has_one_passing_case() -> None:
    root = ET.fromstring(render([], "junit", title="T"))
    assert [c.get("name") for c in root.findall("testcase")] == ["no changes"]
    assert root.findall("testcase/failure") == []


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="'yaml'"):
        render(FINDINGS, "yaml", title="T")


@pytest.mark.parametrize(
    ("fail_on", "findings", "code"),
    [
        ("breaking", FINDINGS, 1),
        ("breaking", FINDINGS[1:], 0),
        ("warning", FINDINGS[1:], 1),
        ("warning", FINDINGS[2:], 0),
        ("breaking", [], 0),
    ],
)
def test_exit_code(fail_on: str, findings: list[Finding], code: int) -> None:
    assert exit_code(findings, fail_on) == code


def test_bad_fail_on_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="fail-on"):
        exit_code(FINDINGS, "info")


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Demo", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "parameters": [
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"state": {"type": "string", "enum": ["on", "off"]}},
                                },
                                "example": {"state": "on"},
                            }
                        },
                    }
                },
            }
        }
    },
}


@pytest.mark.usefixtures("clean_secret_registry")
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit"])
def test_planted_secret_in_enum_and_example_never_reaches_a_report(tmp_path: Path, fmt: str) -> None:
    secret = "s3cr3t-client-secret-value-42"
    register_secret(secret)
    new = json.loads(json.dumps(SPEC))
    media = new["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]
    media["schema"]["properties"]["state"]["enum"].append(secret)
    media["example"] = {"state": secret}
    new["paths"]["/items"]["get"]["parameters"][0]["schema"]["enum"] = [secret]
    old_path, new_path = write_raw(tmp_path / "old.yml", SPEC), write_raw(tmp_path / "new.yml", new)
    report, code = run_diff(old_path, new_path, fmt=fmt)
    assert code == 1  # the request enum lost "a" and "b"
    assert "response.enum.value-added" in report
    assert secret not in report
    assert "REDACTED" in report


def test_run_diff_reports_and_exits(tmp_path: Path) -> None:
    new = json.loads(json.dumps(SPEC))
    del new["paths"]["/items"]["get"]["parameters"]
    old_path, new_path = write_raw(tmp_path / "old.yml", SPEC), write_raw(tmp_path / "new.yml", new)
    report, code = run_diff(old_path, new_path, fmt="json")
    assert code == 1
    assert [f["rule_id"] for f in json.loads(report)["findings"]] == ["request.parameter.removed"]
    report, code = run_diff(old_path, old_path, fmt="text", fail_on="warning")
    assert code == 0
    assert report.startswith("Spec diff old.yml → old.yml: 0 breaking, 0 warning, 0 info")


def test_run_diff_used_by_limits_findings(tmp_path: Path) -> None:
    new = json.loads(json.dumps(SPEC))
    del new["paths"]["/items"]["get"]["parameters"]
    old_path, new_path = write_raw(tmp_path / "old.yml", SPEC), write_raw(tmp_path / "new.yml", new)
    without_kind = tmp_path / "quiet"
    write_cassette(without_kind, "c", [interaction("GET", "https://x.example/items", 200, {"state": "on"})])
    report, code = run_diff(old_path, new_path, used_by=[without_kind], fmt="json")
    assert (json.loads(report)["findings"], code) == ([], 0)
    with_kind = tmp_path / "loud"
    write_cassette(
        with_kind, "c", [interaction("GET", "https://x.example/items?kind=a", 200, {"state": "on"})]
    )
    report, code = run_diff(old_path, new_path, used_by=[with_kind], fmt="json")
    [finding] = json.loads(report)["findings"]
    assert (finding["rule_id"], finding["used"], code) == ("request.parameter.removed", True, 1)


def test_run_diff_input_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"missing\.yml"):
        run_diff(tmp_path / "missing.yml", tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("just a string\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken\.yml"):
        run_diff(broken, broken)
    good = write_raw(tmp_path / "good.yml", SPEC)
    with pytest.raises(UsageError, match="format"):
        run_diff(good, good, fmt="html")
    with pytest.raises(UsageError, match="no-such-dir"):
        run_diff(good, good, used_by=[tmp_path / "no-such-dir"])


def test_run_drift_reports_and_exits(tmp_path: Path) -> None:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    write_raw(spec_dir / "demo.yml", SPEC)
    base, new = tmp_path / "base", tmp_path / "new"
    write_cassette(base, "c", [interaction("GET", "https://x.example/items", 200, {"state": "on", "n": 1})])
    write_cassette(new, "c", [interaction("GET", "https://x.example/items", 200, {"state": "on"})])
    report, code = run_drift([base], [new], spec_dirs=[spec_dir], validate=False, fmt="json")
    [finding] = json.loads(report)["findings"]
    assert (finding["rule_id"], finding["operation"], finding["pointer"], code) == (
        "response.property.removed",
        "GET /items",
        "/n",
        1,
    )
    with pytest.raises(UsageError, match="nowhere"):
        run_drift([tmp_path / "nowhere"], [new], spec_dirs=[spec_dir])
