"""The drift rule pair corpus (``tests/unit/drift/pairs``, format in its README).

Each pair changes one thing; the spec diff must report exactly the rule and severity its folder
names (nothing for ``no-change``), and ``kpn-contract diff`` must exit 1 exactly on breaking pairs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpn_contract.cli.main import main
from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import RULES, SEVERITIES
from kpn_contract.drift.spec.specdiff import diff_specs

PAIRS = Path(__file__).resolve().parent / "pairs"
CASES = sorted(base.parent for base in PAIRS.glob("*/*/base.yaml"))
NO_CHANGE = "no-change"
_CASE_NAME = re.compile(r"^(breaking|warning|info|none)--[a-z0-9][a-z0-9-]*$")


def _expected(case: Path) -> list[tuple[str, str]]:
    rule_id = case.parent.name
    severity = case.name.split("--", 1)[0]
    return [] if rule_id == NO_CHANGE else [(rule_id, severity)]


def _case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def test_the_corpus_is_named_as_its_readme_says() -> None:
    assert len(CASES) >= 20, f"too few pairs under {PAIRS}"
    folders = {p.name for p in PAIRS.iterdir() if p.is_dir()}
    assert folders - set(RULES) - {NO_CHANGE} == set(), "a pair folder that names no rule"
    for case in CASES:
        assert _CASE_NAME.match(case.name), case
        severity = case.name.split("--", 1)[0]
        if case.parent.name == NO_CHANGE:
            assert severity == "none", case
        else:
            assert severity in SEVERITIES, case
        assert (case / "revision.yaml").is_file(), case
    # Every folder holds pairs only: a stray file would be silently skipped.
    stray = [p for p in PAIRS.glob("*/*") if not (p / "base.yaml").is_file()]
    assert stray == []


def test_every_rule_the_spec_diff_emits_has_a_pair() -> None:
    covered = {case.parent.name for case in CASES}
    missing = sorted(r.id for r in RULES.values() if r.source in ("diff", "both") and r.id not in covered)
    assert missing == []


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_a_pair_gives_exactly_its_rule_and_severity(case: Path) -> None:
    base, revision = load_spec(case / "base.yaml"), load_spec(case / "revision.yaml")
    assert (base.warnings, revision.warnings) == ([], [])
    findings = diff_specs(base, revision)
    assert [(f.rule_id, f.severity) for f in findings] == _expected(case), [f.message for f in findings]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_the_cli_exits_1_exactly_on_a_breaking_pair(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", str(case / "base.yaml"), str(case / "revision.yaml")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err == ""
    assert code == (1 if case.name.startswith("breaking--") else 0)


def test_a_file_without_an_openapi_or_swagger_key_is_a_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = next(iter(CASES)) / "base.yaml"
    keyless = tmp_path / "keyless.yaml"
    keyless.write_text("info:\n  title: no version key\npaths: {}\n", encoding="utf-8")
    assert main(["diff", str(base), str(keyless)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "keyless.yaml" in err
