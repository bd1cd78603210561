"""Per-rule spec pairs (``tests/data/drift/<rule-id>/base.yaml|revision.yaml``), OpenAPI 3.1 style.

Each pair changes one thing; the diff must report it under the folder's rule id with the rule's
default severity, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import RULES
from kpn_contract.drift.specdiff import diff_specs

PAIRS = Path(__file__).resolve().parents[2] / "data" / "drift"
RULE_DIRS = sorted(p for p in PAIRS.iterdir() if p.is_dir())


def _diff(folder: Path, *, reverse: bool = False) -> list[tuple[str, str, str]]:
    base, revision = load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml")
    assert base.warnings == []
    assert revision.warnings == []
    old, new = (revision, base) if reverse else (base, revision)
    return [(f.rule_id, f.severity, f.operation) for f in diff_specs(old, new)]


def test_every_pair_folder_is_a_known_rule() -> None:
    assert RULE_DIRS, f"no rule pairs under {PAIRS}"
    assert {p.name for p in RULE_DIRS} - set(RULES) == set()


@pytest.mark.parametrize("folder", RULE_DIRS, ids=[p.name for p in RULE_DIRS])
def test_a_pair_reports_its_rule_once_with_the_default_severity(folder: Path) -> None:
    findings = _diff(folder)
    assert [(rule, severity) for rule, severity, _ in findings] == [
        (folder.name, RULES[folder.name].severity)
    ]


@pytest.mark.parametrize(
    "rule_id",
    [
        # null removed from a response value: the consumer sees fewer values.
        "response.property.became-nullable",
        # null newly allowed in a request value: what the consumer sends still fits.
        "request.property.type-changed",
    ],
)
def test_the_harmless_direction_of_a_null_type_array_change_is_not_reported(rule_id: str) -> None:
    assert _diff(PAIRS / rule_id, reverse=True) == []


def test_a_const_change_behind_a_defs_ref_is_found_at_the_field_that_uses_it() -> None:
    base = load_spec(PAIRS / "response.const.changed" / "base.yaml")
    revision = load_spec(PAIRS / "response.const.changed" / "revision.yaml")
    (finding,) = diff_specs(base, revision)
    assert finding.pointer == "/responses/200/content/application~1json/schema/properties/kind"
    assert (finding.old, finding.new) == ("device", "sensor")


def test_one_of_consts_compares_as_an_enum() -> None:
    from kpn_contract.drift.schemaview import view_of

    view = view_of({"oneOf": [{"const": "a"}, {"const": "b"}, {"type": "null"}]})
    assert view.enum == frozenset({"a", "b"})
    assert view.nullable


def test_a_new_alternative_with_more_scopes_does_not_break_a_token_that_meets_the_old_one(
    tmp_path: Path,
) -> None:
    base = (PAIRS / "security.scope.added" / "base.yaml").read_text(encoding="utf-8")
    old_requirement = "      - BearerAuth:\n        - thing.read\n"
    assert old_requirement in base
    either = old_requirement + "      - BearerAuth:\n        - thing.read\n        - thing.audit\n"
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "revision.yaml").write_text(base.replace(old_requirement, either), encoding="utf-8")
    old, new = load_spec(tmp_path / "base.yaml"), load_spec(tmp_path / "revision.yaml")
    assert len(new.operations[0].security_requirements) == 2
    assert diff_specs(old, new) == []
