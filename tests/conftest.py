"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import functools
import gc
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

# Imported before any pytester run: an in-process pytester run drops the modules first imported inside
# it, and a re-imported httpcore raises classes that httpx no longer maps to its own exceptions
# (a test after it would see httpcore.ReadTimeout where httpx.ReadTimeout is caught).
import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest

from kpn_contract.redact import forget_secrets
from tests.inner_pytest import LEAN_PLUGINS

pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SPECS = REPO_ROOT.parent / "shared" / "kpn-specs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules holding a ``slow`` test run first, each module still whole and in its own order.

    pytest-xdist hands tests out in this order (``make test`` runs ``--dist worksteal``: an idle
    worker takes half of the other's queue), so the minutes-long subprocess runs (the parallel
    replay and recording matrices, the wheel, the notebooks) start early and on both workers,
    instead of one of them running alone at the end. Nothing is skipped or changed, only the order.
    """
    slow_files = {item.nodeid.partition("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: 0 if item.nodeid.partition("::")[0] in slow_files else 1)


def pytest_collection_finish() -> None:
    """Keep the cyclic garbage collector off what lives for the whole run.

    A worker of ``make test`` holds up to 900,000 objects that the collector walks in every full
    collection: the collected items, the modules, and what the tests cache for the run (loaded
    specs, hypothesis and schemathesis state). Measured with ``gc.callbacks`` over one run, its three
    workers spent 29 s in full collections. Everything alive once collection ends stays to the end
    of the run, so it is frozen out of every later collection, and a full collection waits for 100
    younger ones, not 10 (Python's default): 7 s. Nothing a test creates is frozen: what it leaves
    behind is still collected and finalised (ResourceWarnings included), only in fewer, later passes.
    """
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def kpn_specs_dir() -> Path:
    """KPN's 34 published definitions; tests that need them skip cleanly where the folder is absent."""
    if not SHARED_SPECS.is_dir():
        pytest.skip(f"{SHARED_SPECS} is absent: the published-definitions corpus is not next to this clone")
    return SHARED_SPECS


@pytest.fixture
def clean_secret_registry() -> Iterator[None]:
    """Isolate tests that plant secrets from each other."""
    forget_secrets()
    yield
    forget_secrets()


@functools.cache
def _import_schemathesis_engine() -> None:
    """Import schemathesis's engine whole before pytester snapshots sys.modules, as httpx above.

    An inner run may import schemathesis (its plugin when a test turns it back on, or
    ``kpn_contract.fuzz``), and its engine imports its parts lazily: parts first imported inside an inner
    run are dropped after it, and a later fuzz run in this process then gets events of classes
    ``kpn_contract.fuzz`` no longer recognises (0 cases, reported as passed).
    """
    try:
        import schemathesis.engine
    except ImportError:  # the fuzz extra is not installed: nothing to keep
        return
    for module in pkgutil.walk_packages(schemathesis.engine.__path__, "schemathesis.engine."):
        importlib.import_module(module.name)


@pytest.fixture(autouse=True)
def _inner_pytest_settings(request: pytest.FixtureRequest) -> None:
    """Give pytester's throwaway projects this repository's pytest-asyncio setting and the lean plugins.

    Without the setting pytest-asyncio warns in each inner run; tests/inner_pytest.py says why the
    inner runs leave schemathesis's and hypothesis's plugins out. pytester clears PYTEST_ADDOPTS when
    it starts, so this sets it afterwards.
    """
    if "pytester" not in request.fixturenames:
        return
    _import_schemathesis_engine()
    request.getfixturevalue("pytester")
    monkeypatch = request.getfixturevalue("monkeypatch")
    settings = ("-o", "asyncio_default_fixture_loop_scope=function", *LEAN_PLUGINS)
    monkeypatch.setenv("PYTEST_ADDOPTS", " ".join(settings))
