"""schemathesis finds the emulator's API Store seed products conformant, bad requests included.

The four seed product specs (Parley, WeSeeDo Personal, Number Insight, Number Verify) are fuzzed with
every default check, negative_data_rejection and missing_required_header included, in every phase
(stateful too, for use_after_free). The only checks left out are the documented per-operation
exclusions of kpn_contract.fuzz.OPERATION_EXCLUSIONS, each with its reason. The 30 other derived
products are fuzzed across the catalogue by benchmarks/catalogue.py --bundled, not here (sd-lan-sd-wan
alone, 344 operations, takes minutes), and a daily window of them by test_catalogue_rotation.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from kpn_contract.contract.specs import bundled_spec_dir, project_index
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.fuzz import API_SPECS, OPERATION_EXCLUSIONS, run_fuzz

PRODUCT_SPECS = sorted(
    spec.path
    for spec in project_index(bundled_spec_dir()).specs
    if spec.operations
    and any(urlsplit(server).hostname == "api-prd.kpn.com" for server in spec.servers)
    and not any("/oauth/" in op.path for op in spec.operations)
)
SEED_NAMES = ["number-insight", "number-verify", "parley", "weseedo-personal"]
PRODUCT_NAMES = sorted(
    name for name, file in API_SPECS.items() if str(bundled_spec_dir() / file) in PRODUCT_SPECS
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    # What `kpn-contract fuzz` starts for itself: deleted resources stay deleted.
    with EmulatorServer(EmulatorSettings(remember_deletions=True)) as server:
        yield server


def test_every_bundled_product_spec_has_a_short_name() -> None:
    # Every gateway product spec has a short name (FIAM Eneco and ELCIES are not on the gateway host).
    assert len(PRODUCT_NAMES) == len(PRODUCT_SPECS)
    assert set(SEED_NAMES) <= set(PRODUCT_NAMES)


def test_every_exclusion_names_a_served_operation_and_a_reason() -> None:
    operations = {
        (spec.path.rsplit("/", 1)[-1], op.key)
        for spec in project_index(bundled_spec_dir()).specs
        for op in spec.operations
    }
    for exclusion in OPERATION_EXCLUSIONS:
        assert (exclusion.spec, exclusion.operation) in operations
        assert len(exclusion.reason) > 40


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_check_passes_for_the_product(emulator: EmulatorServer, name: str) -> None:
    out = io.StringIO()
    rc = run_fuzz(
        "sandbox",
        spec=name,
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=5,
        seed=20261130,
        out=out,
    )
    text = out.getvalue()
    assert rc == 0, text
    assert "\n0 cases over" not in text  # the summary line starts with the count
    for check in ("negative_data_rejection", "missing_required_header", "unsupported_method"):
        assert f"  {check} " in text, text  # the check ran, and (rc 0) found nothing
    spec_file = API_SPECS[name]
    for exclusion in OPERATION_EXCLUSIONS:
        if exclusion.spec == spec_file:  # the banner names every exclusion with its reason
            assert f"excluded {exclusion.check} on {exclusion.operation}" in text
            assert exclusion.reason in text
