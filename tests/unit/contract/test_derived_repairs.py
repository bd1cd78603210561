"""Repairs derive_published.py writes into the derived contracts for stock tools, while the published
files are still read as published (each defect a named leniency)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpn_contract.contract.leniency import operation_leniencies
from kpn_contract.contract.specs import bundled_spec_dir, load_spec

REPLIES = "POST /results/{resultId}/replies"


def test_the_derived_tracebuzz_reply_declares_no_content_type_header() -> None:
    spec = load_spec(bundled_spec_dir() / "tracebuzz-social-media-webcare.yaml")
    (reply,) = [op for op in spec.operations if op.key == REPLIES]
    assert [(p.location, p.name) for p in reply.parameters] == [("path", "resultId")]
    assert (
        "which OpenAPI says SHALL be ignored, was published on " + REPLIES in spec.raw["info"]["description"]
    )
    assert spec.warnings == []


def test_the_derived_vonage_verify_produces_json() -> None:
    spec = load_spec(bundled_spec_dir() / "vonage-verify.yaml")
    assert spec.raw["produces"] == ["application/json"]
    assert spec.warnings == []


@pytest.mark.parametrize(
    ("derived", "operation", "name"),
    [
        ("kpn-wholesale-wba.yaml", "GET /carriers", "requested-address"),
        ("kpn-wholesale-wba.yaml", "GET /functional-products", "requested-address"),
        ("kpn-ise.yaml", "PUT /internaluser/", "id"),
    ],
)
def test_a_derived_path_parameter_outside_its_template_is_left_out(
    derived: str, operation: str, name: str
) -> None:
    spec = load_spec(bundled_spec_dir() / derived)
    (found,) = [op for op in spec.operations if op.key == operation]
    assert name not in {p.name for p in found.parameters}
    assert "path template does not contain" in spec.raw["info"]["description"]
    assert not [w for w in spec.warnings if "[path-parameter-not-in-template]" in w.message]


def test_a_derived_204_declares_no_body() -> None:
    spec = load_spec(bundled_spec_dir() / "vonage-voice.yaml")
    no_content = [op.responses["204"] for op in spec.operations if "204" in op.responses]
    assert no_content
    assert all(not answer.content for answer in no_content)
    assert not [i for i in operation_leniencies(spec.operations) if i.name == "body-on-204"]
    assert (
        "which HTTP forbids, was published on DELETE /applications/{uuid}" in spec.raw["info"]["description"]
    )


def test_a_derived_parameter_schema_is_a_schema() -> None:
    spec = load_spec(bundled_spec_dir() / "xdroid-speech-to-text.yaml")
    (job,) = [op for op in spec.operations if op.key == "GET /job/{job_id}"]
    assert [(p.name, p.schema) for p in job.parameters] == [("job_id", {"type": "string"})]
    assert spec.warnings == []


def test_a_derived_enum_keeps_no_type_none_of_its_values_has() -> None:
    spec = load_spec(bundled_spec_dir() / "kpn-fiam-eneco-data-products.yaml")
    binding = spec.raw["components"]["schemas"]["BusinessUnitBinding"]
    assert "type" not in binding
    assert binding["enum"]
    assert spec.warnings == []


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("published", "leniency"),
    [
        ("tracebuzz-social-media-webcare-openapi.yml", "[ignored-header-parameter]"),
        ("vonage-verify-openapi.yml", "[malformed-media-type]"),
        ("kpn-wholesale-wba-openapi.yml", "[path-parameter-not-in-template]"),
        ("kpn-ise-openapi.yml", "[path-parameter-not-in-template]"),
        ("xdroid-speech-to-text-openapi.yml", "[schema-is-a-parameter]"),
        ("kpn-fiam-eneco-data-products-openapi.yml", "[unsatisfiable-type]"),
    ],
)
def test_the_published_file_keeps_its_defect(
    kpn_specs_dir: Path, tmp_path: Path, published: str, leniency: str
) -> None:
    copy_ = tmp_path / published
    shutil.copyfile(kpn_specs_dir / published, copy_)
    assert any(leniency in warning.message for warning in load_spec(copy_).warnings)


@pytest.mark.corpus
def test_the_published_vonage_voice_keeps_its_204_body(kpn_specs_dir: Path, tmp_path: Path) -> None:
    copy_ = tmp_path / "vonage-voice-openapi.yml"
    shutil.copyfile(kpn_specs_dir / copy_.name, copy_)
    found = [i for i in operation_leniencies(load_spec(copy_).operations) if i.name == "body-on-204"]
    assert [i.operation for i in found] == ["DELETE /applications/{uuid}"]


def test_a_derived_dangling_schema_ref_is_declared_as_any_value(kpn_specs_dir: Path) -> None:
    # KPN Match refers to four schemas it never declares: stock schemathesis skipped both bodies.
    derived = load_spec(bundled_spec_dir() / "kpn-match.yaml")
    assert not [w for w in derived.warnings if "dangling $ref" in w.message]
    schemas = derived.raw["components"]["schemas"]
    assert all(
        schemas[name] == {}
        for name in ("TokenRequest", "TokenResponse", "InsightsRequest", "InsightsResponse")
    )
    assert "a $ref to a schema the file does not declare" in derived.raw["info"]["description"]
    published = load_spec(kpn_specs_dir / "kpn-match-openapi.yml")  # read as published: warned
    assert len([w for w in published.warnings if "dangling $ref" in w.message]) == 4
