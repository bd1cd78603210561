"""``kpn-contract coverage`` over cassettes: every served operation, the shipped figures, bad inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.specs import project_index
from tests.cli_runner import run_cli

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "cassettes"
BETA = SHIPPED / "contract" / "test_things" / "test_bad_query_parameter_is_a_400.yaml"
PLANTED = "planted-coverage-secret-3e90aa51"


def operations(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operation"]: op for spec in report["specs"] for op in spec["operations"]}


def test_json_lists_every_served_operation_with_calls_and_statuses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(["coverage", str(SHIPPED), "--format", "json"], capsys)
    assert code == 0
    report = json.loads(out)
    listed = [(spec["title"], op["operation"]) for spec in report["specs"] for op in spec["operations"]]
    assert listed == [(op.spec_title, op.key) for op in project_index().operations]
    devices = operations(report)["GET /api/devices"]
    assert {"200", "400", "302", "403"} <= set(devices["statuses_seen"])
    assert devices["calls"] == sum(devices["statuses_seen"].values())
    totals = report["totals"]
    assert totals["operations_declared"] == len(listed)
    called = [op for spec in report["specs"] for op in spec["operations"] if op["calls"]]
    assert totals["operations_called"] == len(called)
    assert totals["calls"] == sum(op["calls"] for op in called)
    assert totals["unmatched_calls"] == 0


def test_every_api_store_product_is_listed_and_called(capsys: pytest.CaptureFixture[str]) -> None:
    """All 34 products are listed; each one's recorded example (tests/contract/test_catalogue.py) counts."""
    from kpn_contract.fuzz import API_SPECS
    from tests.contract.test_catalogue import KNOWN_DEFECTS

    code, out, _ = run_cli(["coverage", str(SHIPPED), "--format", "json"], capsys)
    assert code == 0
    report = json.loads(out)
    by_file = {Path(spec["file"]).name: spec for spec in report["specs"]}
    products = {name: file for name, file in API_SPECS.items() if name != "things"}
    assert len(products) == 34
    assert set(products.values()) <= set(by_file)
    # Every product is called; a known defect's recording (FIAM Eneco's 404) holds no success.
    assert all(any(op["calls"] for op in by_file[file]["operations"]) for file in products.values())
    without_success = {
        name
        for name, file in products.items()
        if not any(
            status.startswith("2") for op in by_file[file]["operations"] for status in op["statuses_seen"]
        )
    }
    assert without_success == set(KNOWN_DEFECTS)


def test_the_default_folder_is_the_projects_cassettes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    _, named, _ = run_cli(["coverage", str(SHIPPED), "--format", "json"], capsys)
    code, default, _ = run_cli(["coverage", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(default) == json.loads(named)


@pytest.mark.parametrize(("fmt", "expected"), [("text", "total: "), ("markdown", "| `GET /api/devices` |")])
def test_text_and_markdown_show_each_spec(
    fmt: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["coverage", str(SHIPPED), "--format", fmt], capsys)
    assert code == 0
    assert expected in out
    for spec in project_index().specs:
        assert spec.title in out


def test_a_planted_secret_in_a_query_value_reaches_no_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BETA.read_text(encoding="utf-8").replace(
        "currentPage=first", f"currentPage=first&search={PLANTED}"
    )
    assert PLANTED in text
    (tmp_path / "planted.yaml").write_text(text, encoding="utf-8")
    for fmt in ("text", "json", "markdown", "html"):
        code, out, err = run_cli(["coverage", str(tmp_path), "--format", fmt], capsys)
        assert code == 0
        assert PLANTED not in out + err
    _, out, _ = run_cli(["coverage", str(tmp_path), "--format", "json"], capsys)
    report = json.loads(out)
    assert "query search" in operations(report)["GET /api/devices"]["parameters_exercised"]


def test_output_writes_the_report_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "coverage.html"
    code, out, _ = run_cli(
        ["coverage", str(SHIPPED / "contract"), "--format", "html", "--output", str(target)], capsys
    )
    assert code == 0
    assert out.strip() == f"coverage: html report written to {target}"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["coverage", "{tmp}/missing"], "no such cassette file or directory"),
        (["coverage", "{tmp}"], "nothing to cover: no cassettes under"),
        (["coverage", "{corrupt}"], "bad.yaml"),
        (["coverage", str(SHIPPED), "--format", "pdf"], "invalid choice: 'pdf'"),
        (["coverage", str(SHIPPED), "--specs", "{tmp}/nospecs"], "nospecs"),
    ],
    ids=["missing-folder", "empty-folder", "corrupt-cassette", "unknown-format", "missing-specs"],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "bad.yaml").write_text("interactions: [unclosed\n", encoding="utf-8")
    filled = [arg.replace("{tmp}", str(empty)).replace("{corrupt}", str(corrupt)) for arg in argv]
    code, out, err = run_cli(filled, capsys)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert message in err


def test_a_cassette_copy_counts_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(BETA, tmp_path / "a.yaml")
    shutil.copy(BETA, tmp_path / "b.yaml")
    code, out, _ = run_cli(["coverage", str(tmp_path), "--format", "json"], capsys)
    assert code == 0
    assert operations(json.loads(out))["GET /api/devices"]["statuses_seen"] == {"400": 2}
