"""Details of the round-2 rules beyond rule and severity: what is read, pointed at and said."""

from __future__ import annotations

from pathlib import Path

from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import Finding
from kpn_contract.drift.spec.specdiff import diff_specs

PAIRS = Path(__file__).resolve().parent / "pairs"


def _findings(rule_id: str, case: str) -> list[Finding]:
    folder = PAIRS / rule_id / case
    return diff_specs(load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml"))


def test_an_oauth_url_finding_points_at_the_flow_and_the_key() -> None:
    (finding,) = _findings("security.oauth-url.changed", "breaking--refresh-url-changed")
    assert finding.pointer == "/components/securitySchemes/OAuth/flows/authorizationCode/refreshUrl"
    assert (finding.old, finding.new) == (
        "https://example.test/oauth/refresh",
        "https://example.test/oauth/v2/refresh",
    )
    assert finding.affects == ("GET /devices",)


def test_a_swagger_implicit_flow_authorization_url_is_read_too() -> None:
    (finding,) = _findings("security.oauth-url.changed", "breaking--swagger-authorization-url-changed")
    assert finding.pointer.endswith("/flows/implicit/authorizationUrl")


def test_a_replaced_scope_is_one_finding_naming_both_scopes() -> None:
    (finding,) = _findings("security.scope.added", "breaking--one-operation-scope-replaced")
    assert finding.operation == "DELETE /devices"
    assert finding.message == "the token now needs the scope device.admin (instead of device.write)"


def test_a_scope_added_to_one_alternative_names_that_scope() -> None:
    (finding,) = _findings("security.scope.added", "breaking--scope-added-to-one-of-two-alternatives")
    assert "device.write" in finding.message


def test_a_mapping_target_in_another_file_is_still_compared_by_name(tmp_path: Path) -> None:
    case = PAIRS / "no-change" / "none--discriminator-target-renamed-request"
    base = (case / "base.yaml").read_text(encoding="utf-8")
    revision = (case / "revision.yaml").read_text(encoding="utf-8")
    # The mapping now names a schema of another file: it cannot be resolved here, so it is a change.
    revision = revision.replace("dog: '#/components/schemas/MyDog'", "dog: 'pets.yaml#/Dog'")
    assert "pets.yaml#/Dog" in revision
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "revision.yaml").write_text(revision, encoding="utf-8")
    findings = diff_specs(load_spec(tmp_path / "base.yaml"), load_spec(tmp_path / "revision.yaml"))
    assert [f.rule_id for f in findings] == ["request.discriminator.mapping-changed"]


def test_a_required_field_that_lost_read_only_is_named_at_its_pointer() -> None:
    (finding,) = _findings("request.property.read-only-removed", "breaking--required-id-no-longer-read-only")
    assert finding.pointer == "/requestBody/content/application~1json/schema/properties/id"
    assert "'id'" in finding.message


def test_x_stability_level_and_allow_empty_value_are_read_by_the_loader() -> None:
    folder = PAIRS / "operation.stability-lowered" / "warning--stability-level-lowered"
    assert load_spec(folder / "base.yaml").operations[0].stability == "stable"
    folder = (
        PAIRS / "request.parameter.empty-value-disallowed" / "breaking--swagger-allow-empty-value-removed"
    )
    (parameter,) = load_spec(folder / "base.yaml").operations[0].parameters
    assert parameter.allow_empty_value is True


def test_a_kept_old_shape_makes_the_one_of_wrap_a_warning_that_says_why() -> None:
    (finding,) = _findings("request.composition.wrapped-in-one-of", "warning--body-wrapped-original-kept")
    assert finding.severity == "warning"
    assert "more than one alternative" in finding.message
