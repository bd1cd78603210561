"""schemathesis finds the emulator conformant to KPN Things' new API (specs/kpn-things/*.yaml).

Every default check runs except missing_required_header for grip profiles (see
kpn_contract.fuzz.EXCLUDED_CHECKS). positive_data_acceptance runs: the specs give a cursor its form
(a pattern) and declare the 404 for a cursor of another query or a body naming no device or client.

The stateful phase is left to ``kpn-contract fuzz`` (README): it needs many more cases to mean much.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from kpn_contract.contract.specs import bundled_spec_dir
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.fuzz import run_fuzz

CHECKS = [
    "not_a_server_error",
    "positive_data_acceptance",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
    "allow_header_conformance",
    "unsupported_method",
]
NEW_API = sorted(p.name for p in (bundled_spec_dir() / "kpn-things").glob("*.yaml") if "beta" not in p.name)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


def test_every_new_api_spec_is_fuzzed() -> None:
    assert len(NEW_API) == 9


@pytest.mark.parametrize(
    "spec_name",
    NEW_API,
)
def test_emulator_conforms_to_the_new_api(emulator: EmulatorServer, spec_name: str) -> None:
    out = io.StringIO()
    rc = run_fuzz(
        "things",
        spec=bundled_spec_dir() / "kpn-things" / spec_name,
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=5,
        checks=CHECKS,
        phases=["examples", "coverage", "fuzzing"],
        seed=20261130,
        out=out,
    )
    text = out.getvalue()
    assert "\n0 cases over" not in text  # the summary line starts with the count
    assert rc == 0, text
