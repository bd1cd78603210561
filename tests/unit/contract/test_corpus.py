"""KPN's 34 published definitions: all load, every operation is indexed, each known wart is a warning."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kpn_contract.contract.model import Spec
from kpn_contract.contract.specs import HTTP_METHODS, SpecIndex, load_specs

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def corpus(kpn_specs_dir: Path) -> list[Spec]:
    return load_specs([kpn_specs_dir])


def count_operations_by_text(directory: Path) -> int:
    """An independent count: method keys at the operation indentation of a path item."""
    pattern = re.compile(rf"^    ({'|'.join(HTTP_METHODS)}):", re.MULTILINE)
    return sum(len(pattern.findall(p.read_text(encoding="utf-8"))) for p in sorted(directory.glob("*.yml")))


def test_all_34_load_and_every_operation_is_indexed(corpus: list[Spec], kpn_specs_dir: Path) -> None:
    assert len(corpus) == 34
    index = SpecIndex(corpus)
    # KPN-FACTS §3 says 666; the files hold 645 operations (get/put/post/delete/patch under paths),
    # which the independent text count below confirms.
    assert len(index.operations) == 645
    assert len(index.operations) == count_operations_by_text(kpn_specs_dir)
    assert Counter(s.format for s in corpus) == {"openapi-3.0": 27, "swagger-2.0": 6, "openapi-3.1": 1}
    for op in index.operations:
        found = index.find(op.method, _sample_url(corpus, op.spec_path, op.path))
        assert found is not None, op.key


def _sample_url(corpus: list[Spec], spec_path: str, template: str) -> str:
    spec = next(s for s in corpus if s.path == spec_path)
    return spec.servers[0].rstrip("/") + re.sub(r"\{[^}]+\}", "x1", template)


def warnings_of(corpus: list[Spec], name: str) -> list[tuple[str, str, str]]:
    spec = next(s for s in corpus if Path(s.path).name == name)
    return [(Path(w.path).name, w.pointer, w.message) for w in spec.warnings]


def test_integer_response_codes_warn_in_eleven_files(corpus: list[Spec]) -> None:
    files = {Path(s.path).name for s in corpus for w in s.warnings if "YAML integer" in w.message}
    assert len(files) == 11
    pointers = [p for _, p, m in warnings_of(corpus, "weseedo-personal-openapi.yml") if "YAML integer" in m]
    assert "/paths/~1personal~1meetings/get/responses/400" in pointers


def test_dangling_token_response_ref_in_kpn_match(corpus: list[Spec]) -> None:
    found = [w for w in warnings_of(corpus, "kpn-match-openapi.yml") if "TokenResponse" in w[2]]
    assert len(found) == 1
    name, pointer, message = found[0]
    assert name == "kpn-match-openapi.yml"
    assert pointer.startswith("/paths/")
    assert pointer.endswith("/schema")
    assert "dangling $ref '#/components/schemas/TokenResponse'" in message


def test_application_media_type_in_vonage_number_insight(corpus: list[Spec]) -> None:
    found = [w for w in warnings_of(corpus, "vonage-number-insight-openapi.yml") if "'application'" in w[2]]
    assert found
    assert all(re.fullmatch(r"/paths/.+/produces/\d+", p) for _, p, _ in found)


def test_flows_without_scopes_warn(corpus: list[Spec]) -> None:
    found = [w for s in corpus for w in s.warnings if "has no 'scopes'" in w.message]
    assert len({w.path for w in found}) >= 5
    ise = [w for w in found if w.path.endswith("kpn-ise-openapi.yml")]
    assert [w.pointer for w in ise] == ["/components/securitySchemes/oauth2/flows/clientCredentials"]


def test_number_verify_302_is_declared(corpus: list[Spec]) -> None:
    index = SpecIndex(corpus)
    op = index.find("GET", "https://api-prd.kpn.com/communication/kpn/numberverify/session/abc")
    assert op is not None
    assert op.responses["302"].headers.keys() == {"Location"}
