"""The emulator keeps its own response contracts, as schemathesis (an independent tool) confirms.

The response side of schemathesis's default checks, named with --checks, runs against the emulator
for KPN Things' beta and for Number Verify (whose per-operation exclusion must hold under --checks).
Every product runs every default check in test_emulator_products.py; KPN Things' request side runs
in test_run_fuzz.py and test_emulator_things_api.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

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
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


@pytest.mark.parametrize(
    ("profile", "spec_name"),
    [
        ("things", "kpn-things/kpn-things-beta.yaml"),
        # Every product runs every check in test_emulator_products.py; Number Verify stays here because
        # --checks names status_code_conformance, which its per-operation exclusion must keep off.
        ("sandbox", "kpn-number-verify.yaml"),
    ],
)
def test_emulator_keeps_its_response_contract(emulator: EmulatorServer, profile: str, spec_name: str) -> None:
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
    assert "\n0 cases over" not in text  # the summary line starts with the count
    assert rc == 0, text
