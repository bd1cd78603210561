"""Details of a few rule pairs beyond rule and severity: pointers, values, and 2020-12 views."""

from __future__ import annotations

from pathlib import Path

from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import Finding
from kpn_contract.drift.spec.schemaview import view_of
from kpn_contract.drift.spec.specdiff import diff_specs

PAIRS = Path(__file__).resolve().parent / "pairs"


def test_a_const_change_behind_a_defs_ref_is_found_at_the_field_that_uses_it() -> None:
    case = PAIRS / "response.const.changed" / "breaking--fixed-value-changed-behind-defs-ref"
    (finding,) = diff_specs(load_spec(case / "base.yaml"), load_spec(case / "revision.yaml"))
    assert finding.pointer == "/responses/200/content/application~1json/schema/properties/kind"
    assert (finding.old, finding.new) == ("device", "sensor")


def test_a_removed_required_response_field_carries_old_and_new() -> None:
    case = PAIRS / "response.property.removed" / "breaking--required-field-removed"
    (finding,) = diff_specs(load_spec(case / "base.yaml"), load_spec(case / "revision.yaml"))
    assert (finding.operation, finding.old, finding.new) == ("GET /devices/{deviceRef}", "required", None)
    assert finding.pointer == "/responses/200/content/application~1json/schema/properties/name"
    assert "name" in finding.message


def test_one_of_consts_compares_as_an_enum() -> None:
    view = view_of({"oneOf": [{"const": "a"}, {"const": "b"}, {"type": "null"}]})
    assert view.enum == frozenset({"a", "b"})
    assert view.nullable


def test_a_new_alternative_with_more_scopes_does_not_break_a_token_that_meets_the_old_one(
    tmp_path: Path,
) -> None:
    case = PAIRS / "security.scope.added" / "breaking--scope-added-to-requirement"
    base = (case / "base.yaml").read_text(encoding="utf-8")
    old_requirement = "      - BearerAuth:\n        - thing.read\n"
    assert old_requirement in base
    either = old_requirement + "      - BearerAuth:\n        - thing.read\n        - thing.audit\n"
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "revision.yaml").write_text(base.replace(old_requirement, either), encoding="utf-8")
    old, new = load_spec(tmp_path / "base.yaml"), load_spec(tmp_path / "revision.yaml")
    assert len(new.operations[0].security_requirements) == 2
    assert diff_specs(old, new) == []


def _only_finding(rule_id: str, case: str) -> Finding:
    folder = PAIRS / rule_id / case
    (finding,) = diff_specs(load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml"))
    return finding


def test_a_tightened_query_bound_names_the_parameter_and_both_bounds() -> None:
    finding = _only_finding("request.value-range.narrowed", "breaking--minimum-raised-query")
    assert (finding.operation, finding.pointer) == ("GET /things", "/parameters/query/filter/schema")
    assert (finding.old, finding.new) == ({"minimum": 0}, {"minimum": 1})
    assert finding.message == "request value tightened: minimum=0 → minimum=1"


def test_a_3_0_exclusive_maximum_compares_as_the_3_1_number() -> None:
    finding = _only_finding("request.value-range.narrowed", "breaking--maximum-became-exclusive-30-body")
    assert (finding.old, finding.new) == ({"maximum": 10}, {"exclusiveMaximum": 10})


def test_a_discriminator_finding_points_at_its_mapping() -> None:
    finding = _only_finding("response.discriminator.mapping-added", "warning--mapping-value-added")
    assert finding.pointer.endswith("/properties/value/discriminator/mapping")
    assert (finding.old, finding.new) == (["card"], ["card", "iban"])


def test_a_field_that_became_read_only_is_named_at_its_pointer() -> None:
    finding = _only_finding("request.property.became-read-only", "warning--field-became-read-only")
    assert finding.pointer == "/requestBody/content/application~1json/schema/properties/status"
    assert "'status'" in finding.message
