"""Every operation of the 34 derived products in specs/ passes fuzz, window by window, seed by seed.

Fuzzing the whole catalogue takes minutes (sd-lan-sd-wan alone has 344 operations), so each run
fuzzes a window of the catalogue's operations (every product's "METHOD /path", in a fixed order)
chosen by the seed. ``make test`` runs a fixed seed, so a change is judged the same way every run
(offline and deterministic); the scheduled CI job sets ``KPN_FUZZ_SEED`` to the day number, so the
whole catalogue, sd-lan-sd-wan included, comes round every few weeks, each time with another seed and
example count. The seed, the example count and the window are printed in a failure;
``KPN_FUZZ_SEED=N`` repeats that run. ``benchmarks/catalogue.py
--bundled`` fuzzes everything at once. The four seed products also run at a fixed seed with every
check named in tests/unit/fuzz/test_emulator_products.py.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterator

import pytest

from kpn_contract.contract.specs import bundled_spec_dir, load_spec
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.fuzz import API_SPECS, run_fuzz

WINDOW = 24  # operations per run, split over the slots below (about 20 s of fuzzing under load)
SLOTS = 2  # one per xdist worker


FIXED_SEED = 0  # make test's: the same window, seed and example count on every run


def seed() -> int:
    """``KPN_FUZZ_SEED`` (the scheduled job's day number, or a failure's to repeat it), else the fixed one."""
    given = os.environ.get("KPN_FUZZ_SEED")
    return int(given) if given else FIXED_SEED


@functools.cache
def catalogue_operations() -> tuple[tuple[str, str], ...]:
    """(product, "METHOD /path") for every operation of the 34 derived products, in a fixed order."""
    return tuple(
        (name, operation.key)
        for name in sorted(API_SPECS)
        if name != "things"
        for operation in load_spec(bundled_spec_dir() / API_SPECS[name]).operations
    )


def window(day: int, slot: int) -> dict[str, list[str]]:
    """The operations slot ``slot`` fuzzes on day ``day``, by product."""
    everything = catalogue_operations()
    start = day * WINDOW + slot * (WINDOW // SLOTS)
    chosen: dict[str, list[str]] = {}
    for index in range(start, start + WINDOW // SLOTS):
        product, operation = everything[index % len(everything)]
        chosen.setdefault(product, []).append(operation)
    return chosen


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    # What `kpn-contract fuzz` starts for itself: deleted resources stay deleted.
    with EmulatorServer(EmulatorSettings(remember_deletions=True)) as server:
        yield server


def test_the_windows_come_round_to_every_operation() -> None:
    everything = catalogue_operations()
    assert len({product for product, _ in everything}) == 34
    days = -(-len(everything) // WINDOW)  # ceiling
    covered = {
        (product, operation)
        for day in range(days)
        for slot in range(SLOTS)
        for product, operations in window(day, slot).items()
        for operation in operations
    }
    assert covered == set(everything)


@pytest.mark.slow
@pytest.mark.parametrize("slot", range(SLOTS))
def test_the_seeds_window_of_the_catalogue_passes_fuzz(emulator: EmulatorServer, slot: int) -> None:
    day = seed()
    max_examples = 1 + day % 3
    failed: list[str] = []
    for product, operations in window(day, slot).items():
        out = io.StringIO()
        code = run_fuzz(
            "sandbox",
            spec=product,
            target="emulator",
            emulator_url=emulator.base_url,
            max_examples=max_examples,
            seed=day,
            operations=operations,
            out=out,
        )
        said = f"KPN_FUZZ_SEED={day}: {product} {operations} at {max_examples} example(s)"
        if code != 0 or "\n0 cases over" in out.getvalue():  # every product of the window, then the verdict
            failed.append(f"{said}\n{out.getvalue()}")
    assert not failed, "\n".join(failed)
