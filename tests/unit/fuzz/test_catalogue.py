"""``kpn-contract fuzz --all`` / ``--spec FOLDER``: a line per product, a total; no silent skips."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from kpn_contract.errors import UsageError
from kpn_contract.fuzz._catalogue import catalogue_specs, run_fuzz_catalogue
from kpn_contract.fuzz._schema import excluded_operation_checks
from tests.cli_runner import run_cli

# A product as published with defects: a path parameter its template lacks, and no error status.
PUBLISHED = {
    "openapi": "3.0.1",
    "info": {"title": "Published product", "version": "1"},
    "servers": [{"url": "https://api-prd.kpn.com/published/product"}],
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    {"name": "ghost", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": {"type": "string"}}}
                        },
                    }
                },
            }
        }
    },
}
ELSEWHERE = {
    "openapi": "3.0.1",
    "info": {"title": "Elsewhere", "version": "1"},
    "servers": [{"url": "https://api.kpnthings.com"}],  # KPN Things, by the rule table
    "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "published.yaml").write_text(yaml.safe_dump(PUBLISHED), encoding="utf-8")
    (tmp_path / "elsewhere.yaml").write_text(yaml.safe_dump(ELSEWHERE), encoding="utf-8")
    return tmp_path


def test_a_folder_is_fuzzed_product_by_product_with_its_exclusions_in_the_banner(folder: Path) -> None:
    out = io.StringIO()
    code = run_fuzz_catalogue("sandbox", folder, out=out, target="emulator", max_examples=2, seed=7)
    text = out.getvalue()
    assert code == 0, text
    assert "not fuzzed elsewhere.yaml: not an API Store product" in text
    assert (
        "excluded in published.yaml: status_code_conformance (undeclared-error-status) on 1 operation(s)"
        in text
    )
    assert "\nok   published.yaml" in text
    assert "total: 1 of 1 product(s) passed" in text


def test_the_exclusion_names_the_published_defect(folder: Path) -> None:
    (exclusion,) = excluded_operation_checks(folder / "published.yaml")
    assert (exclusion.operation, exclusion.check) == ("GET /things", "status_code_conformance")
    assert exclusion.reason.startswith("[undeclared-error-status] GET /things declares no 4xx response")


def test_a_folder_without_products_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.yaml").write_text(yaml.safe_dump(ELSEWHERE), encoding="utf-8")
    with pytest.raises(UsageError, match="holds no API Store product spec"):
        run_fuzz_catalogue("sandbox", tmp_path, out=io.StringIO())


def test_all_and_spec_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["fuzz", "--profile", "sandbox", "--all", "--spec", "parley"], capsys)
    assert code == 2
    assert "--all or --spec, not both" in err


def test_a_body_on_204_leaves_the_two_body_checks_out(tmp_path: Path) -> None:
    body = {"application/json": {"schema": {"type": "object"}}}
    doc = {
        **PUBLISHED,
        "paths": {
            "/things/{id}": {
                "delete": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "204": {"description": "gone", "content": body},
                        "404": {"description": "no"},
                    },
                }
            }
        },
    }
    spec = tmp_path / "voice.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    found = {(e.check, e.reason.split("]")[0]) for e in excluded_operation_checks(spec)}
    assert ("content_type_conformance", "[body-on-204") in found
    assert ("response_schema_conformance", "[body-on-204") in found


def test_a_product_on_its_own_host_is_one_of_the_catalogue(folder: Path) -> None:
    # FIAM Eneco's only server is Eneco's own host: the emulator serves it there, so it is fuzzed.
    own = {
        **ELSEWHERE,
        "servers": [{"url": "https://api-acc.enecogroup.com/"}],
        "info": {"title": "Own", "version": "1"},
    }
    (folder / "own-host.yaml").write_text(yaml.safe_dump(own), encoding="utf-8")
    products, left_out = catalogue_specs(folder)
    assert sorted(p.name for p in products) == ["own-host.yaml", "published.yaml"]
    assert left_out[folder / "elsewhere.yaml"].startswith("not an API Store product")
