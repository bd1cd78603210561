"""`audit` knows example values: fuzz's own report is clean unless it holds a registered value."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.cassettes.audit import audit, audited_files
from tests.cli_runner import run_cli


def test_audit_of_a_fuzz_report_exits_0_and_finds_a_registered_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_secret_registry: None
) -> None:
    report = tmp_path / "reports"
    fuzz = ["fuzz", "--profile", "sandbox", "--spec", "number-verify", "--target", "emulator"]
    code, out, err = run_cli([*fuzz, "--max-examples", "3", "--report", str(report)], capsys)
    assert code == 0, out + err
    cassette = next(report.rglob("*.yaml"))
    assert "client_id=your+client+id" in cassette.read_text(encoding="utf-8")  # Number Verify's example
    code, out, _ = run_cli(["audit", str(report)], capsys)
    files = len(audited_files([report]))  # the report's cassette and JUnit file
    assert (code, out.strip()) == (0, f"no secrets found ({files} file(s) scanned)")
    # A registered value is still found, in the same file.
    from kpn_contract.redact import register_secret

    leaked = report / "leaked.yaml"
    leaked.write_text(cassette.read_text(encoding="utf-8") + "# team-secret-value-4242\n", encoding="utf-8")
    register_secret("team-secret-value-4242")
    code, out, _ = run_cli(["audit", str(report)], capsys)
    assert code == 1
    assert "leaked.yaml" in out
    assert "known secret value" in out


def test_an_empty_field_at_the_end_of_a_line_is_no_secret(tmp_path: Path) -> None:
    text = "body: grant_type=client_credentials&client_secret=\n    headers: {}\nclient_id:\n  - somewhere\n"
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    assert audit([tmp_path], environ={}) == []


def test_an_example_value_is_no_finding_but_the_same_field_with_a_real_value_is(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("body: client_id=your+client+id\n", encoding="utf-8")
    assert audit([tmp_path], environ={}, examples={"your client id"}) == []
    assert [f.kind for f in audit([tmp_path], environ={})] == ["client_id value"]
    (tmp_path / "c.yaml").write_text("body: client_id=a1b2c3d4e5f6g7\n", encoding="utf-8")
    assert [f.kind for f in audit([tmp_path], environ={}, examples={"your client id"})] == ["client_id value"]
