"""Severity a team can align: ``[tool.kpn_contract.diff] severity`` and ``--severity RULE=LEVEL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kpn_contract.cli.main import main
from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import parse_severity_options, policy_from_config
from kpn_contract.drift.spec.specdiff import diff_specs

PAIRS = Path(__file__).resolve().parent / "pairs"
# One warning (a new response enum value) and one breaking finding (a required field removed).
WARNING_PAIR = PAIRS / "response.enum.value-added" / "warning--new-enum-value"
BREAKING_PAIR = PAIRS / "response.property.removed" / "breaking--required-field-removed"


def _diff(case: Path, *options: str, config: Path | None = None) -> int:
    head = ["--config", str(config)] if config else []
    return main([*head, "diff", str(case / "base.yaml"), str(case / "revision.yaml"), *options])


def test_the_pairs_used_here_give_what_their_folders_say() -> None:
    assert _diff(WARNING_PAIR) == 0
    assert _diff(BREAKING_PAIR) == 1


def test_off_drops_a_rule_s_findings() -> None:
    old, new = load_spec(BREAKING_PAIR / "base.yaml"), load_spec(BREAKING_PAIR / "revision.yaml")
    assert diff_specs(old, new, severities={"response.property.removed": "off"}) == []


def test_severity_option_raises_and_lowers_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert _diff(WARNING_PAIR, "--severity", "response.enum.value-added=breaking") == 1
    assert _diff(BREAKING_PAIR, "--severity", "response.property.removed=info") == 0
    assert _diff(BREAKING_PAIR, "--severity", "response.property.removed=off") == 0
    assert "0 breaking, 0 warning, 0 info" in capsys.readouterr().out


def test_the_last_severity_option_for_a_rule_wins() -> None:
    options = ["response.property.removed=off", "response.property.removed=breaking"]
    assert parse_severity_options(options) == {"response.property.removed": "breaking"}


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kpn-contract.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_diff_table_sets_levels_and_the_option_wins_over_it(tmp_path: Path) -> None:
    config = _config(tmp_path, '[diff]\nseverity = { "response.enum.value-added" = "breaking" }\n')
    assert _diff(WARNING_PAIR, config=config) == 1
    assert _diff(WARNING_PAIR, "--severity", "response.enum.value-added=info", config=config) == 0


def test_the_diff_table_wins_over_the_older_drift_table() -> None:
    table: dict[str, Any] = {
        "drift": {"severity": {"response.property.added": "warning", "response.status.added-error": "info"}},
        "diff": {"severity": {"response.property.added": "off"}},
    }
    severities, _ = policy_from_config(table)
    assert severities == {"response.property.added": "off", "response.status.added-error": "info"}


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        pytest.param(
            "response.enum.value-add=breaking",
            "--severity: unknown rule id 'response.enum.value-add'"
            " (did you mean 'response.enum.value-added'?)",
            id="unknown-rule-did-you-mean",
        ),
        pytest.param(
            "no.such.rule=info", "unknown rule id 'no.such.rule' (see docs/drift-rules.md)", id="unknown-rule"
        ),
        pytest.param(
            "response.enum.value-added=fatal",
            "'fatal' is not one of breaking, warning, info, off",
            id="unknown-level",
        ),
        pytest.param("response.enum.value-added", "expected RULE=LEVEL", id="no-equals"),
        pytest.param("=breaking", "expected RULE=LEVEL", id="no-rule"),
    ],
)
def test_a_bad_severity_option_is_one_line_and_exit_2(
    option: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _diff(WARNING_PAIR, "--severity", option) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert expected in err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            '[diff]\nseverity = { "response.enum.valu-added" = "off" }\n',
            "[tool.kpn_contract.diff] severity: unknown rule id 'response.enum.valu-added' (did you mean",
            id="unknown-rule",
        ),
        pytest.param(
            '[diff]\nseverity = { "response.enum.value-added" = "loud" }\n',
            "'loud' is not one of breaking, warning, info, off",
            id="unknown-level",
        ),
        pytest.param(
            '[diff]\nseverity = "breaking"\n', "must be a table of rule id = level", id="not-a-table"
        ),
        pytest.param("[diff]\nfail_on = 'warning'\n", "unknown key 'fail_on'", id="unknown-key"),
        pytest.param("diff = 3\n", "[tool.kpn_contract.diff] must be a table", id="diff-not-a-table"),
    ],
)
def test_a_bad_diff_table_is_one_line_and_exit_2(
    tmp_path: Path, body: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _diff(WARNING_PAIR, config=_config(tmp_path, body)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert expected in err


def test_drift_takes_the_severity_option_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    code = main(["drift", str(tmp_path / "a"), str(tmp_path / "b"), "--severity", "nope=info"])
    assert code == 2
    assert "unknown rule id 'nope'" in capsys.readouterr().err
