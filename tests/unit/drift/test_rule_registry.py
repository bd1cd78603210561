"""The rule registry: assembled from its families, the generated docs in step, every emitted id known."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kpn_contract.drift import findings
from kpn_contract.drift.spec.rules import FAMILIES, FAMILY_NAMES, FAMILY_OF, RULES, Rule, _load
from kpn_contract.drift.spec.rules.__main__ import main as rules_main
from kpn_contract.drift.spec.rules.docs import BEGIN, END, family_counts, render_tables, update_document

DRIFT = Path(findings.__file__).resolve().parent
_RULE_ID = re.compile(r"^(?:path|operation|server|request|response|security|migration|webhook)\.[a-z.\-]+$")


def test_findings_re_exports_the_one_registry() -> None:
    assert findings.RULES is RULES
    assert findings.Rule is Rule


def test_every_rule_belongs_to_one_family_and_has_a_reason() -> None:
    assert set(FAMILY_OF) == set(RULES)
    assert sum(family_counts().values()) == len(RULES)
    for rule in RULES.values():
        assert _RULE_ID.match(rule.id), rule.id
        assert rule.summary, rule.id
        assert rule.rationale, rule.id
        assert rule.id in {r.id for r in FAMILIES[FAMILY_OF[rule.id]].RULES}


def test_the_registry_is_every_family_in_order() -> None:
    families, rules, family_of = _load(FAMILY_NAMES)
    assert list(families) == list(FAMILY_NAMES)
    assert (rules, family_of) == (RULES, FAMILY_OF)


def test_a_rule_declared_by_two_families_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'path.removed' is declared by both 'structure' and 'structure'"):
        _load(("structure", "structure"))


def test_a_family_module_without_a_rules_tuple_is_refused() -> None:
    with pytest.raises(TypeError, match="rule family 'docs' must declare RULES"):
        _load(("docs",))


def test_a_rule_with_an_unknown_severity_or_source_is_refused() -> None:
    with pytest.raises(ValueError, match="fatal"):
        Rule("x.y", "fatal", "diff", "s", "r")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="spec"):
        Rule("x.y", "info", "spec", "s", "r")  # type: ignore[arg-type]


def test_the_committed_rule_doc_is_the_generated_one(repo_root: Path) -> None:
    path = repo_root / "docs" / "drift-rules.md"
    text = path.read_text(encoding="utf-8")
    assert update_document(text) == text, (
        "run: python -m kpn_contract.drift.spec.rules --write docs/drift-rules.md"
    )
    assert rules_main(["--check", str(path)]) == 0


def test_the_doc_has_a_row_per_rule_with_its_default_severity(repo_root: Path) -> None:
    text = (repo_root / "docs" / "drift-rules.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z][a-z0-9.\-]+)` \| ([a-z /]+?) \|", text, flags=re.MULTILINE))
    assert set(rows) == set(RULES)
    for rule_id, severity in rows.items():
        assert severity.split(" / ")[0] == RULES[rule_id].severity, rule_id


def test_a_stale_doc_fails_the_check_and_write_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "rules.md"
    stale.write_text(f"# Rules\n\n{BEGIN}\nold table\n{END}\n\nafter\n", encoding="utf-8")
    assert rules_main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert rules_main(["--write", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == f"# Rules\n\n{BEGIN}\n{render_tables()}{END}\n\nafter\n"
    assert rules_main(["--check", str(stale)]) == 0


def test_a_doc_without_markers_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain.md"
    plain.write_text("# no markers\n", encoding="utf-8")
    assert rules_main(["--check", str(plain)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "markers" in err


def _emitted_rule_ids() -> set[str]:
    """Every rule id literal in the drift modules, except the ids a ``Rule(...)`` declares."""
    ids: set[str] = set()
    for module in DRIFT.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        declared = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Rule"
            and node.args
        }
        ids.update(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _RULE_ID.match(node.value)
            and id(node) not in declared
        )
    return ids


def test_every_rule_id_the_code_names_is_in_the_registry() -> None:
    emitted = _emitted_rule_ids()
    assert len(emitted) > 30
    assert emitted - set(RULES) == set()
