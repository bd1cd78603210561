"""The emulator keeps its own response contracts, as schemathesis (an independent tool) confirms.

The response side of schemathesis's default checks runs against the emulator for KPN Things' beta
and for each product mock served from specs/. The request side (negative_data_rejection,
missing_required_header, unsupported_method, use_after_free, ...) runs in test_emulator_products.py
for the products and test_run_fuzz.py / test_emulator_things_api.py for KPN Things. Per-operation
exclusions (kpn_contract.fuzz.OPERATION_EXCLUSIONS) apply here too.
"""

from __future__ import annotations

import io

import pytest

from kpn_contract.contract.specs import bundled_spec_dir
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.fuzz import run_fuzz

RESPONSE_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


@pytest.mark.parametrize(
    ("profile", "spec_name"),
    [
        ("things", "kpn-things/kpn-things-beta.yaml"),
        ("sandbox", "parley-secure-messenger.yaml"),
        ("sandbox", "weseedo-personal.yaml"),
        ("sandbox", "vonage-number-insight.yaml"),
        ("sandbox", "kpn-number-verify.yaml"),
    ],
)
def test_emulator_keeps_its_response_contract(emulator, profile, spec_name):
    out = io.StringIO()
    rc = run_fuzz(
        profile,
        spec=bundled_spec_dir() / spec_name,
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=5,
        checks=RESPONSE_CHECKS,
        phases=["examples", "fuzzing"],
        seed=20261123,  # the same cases every run
        out=out,
    )
    text = out.getvalue()
    assert " 0 cases over" not in text
    assert rc == 0, text
