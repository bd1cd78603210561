"""Planted secrets for the leak corpus, and an emulator that accepts them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from kpn_contract.emulator import EmulatorServer, EmulatorSettings

# Every variable the four default profiles read: client IDs and secrets, the tenant, the sub-customer.
PLANTED_VARIABLES = (
    "KPN_SANDBOX_CLIENT_ID",
    "KPN_SANDBOX_CLIENT_SECRET",
    "KPN_PROJECT_CLIENT_ID",
    "KPN_PROJECT_CLIENT_SECRET",
    "KPN_GRIP_TENANT_ID",
    "KPN_GRIP_CLIENT_ID",
    "KPN_GRIP_CLIENT_SECRET",
    "KPN_THINGS_SUBCUSTOMER_ID",
)


def random_secret(label: str) -> str:
    # Random per run, so a hit can only come from this run; hex, so URL-encoding cannot disguise it.
    return f"{label}{secrets.token_hex(12)}"


@pytest.fixture(scope="module")
def planted() -> dict[str, str]:
    """Environment variable -> a fresh random value, for all four profiles."""
    return {name: random_secret("pl") for name in PLANTED_VARIABLES}


@pytest.fixture(scope="module")
def leak_emulator(planted: dict[str, str]) -> Iterator[EmulatorServer]:
    """An emulator that accepts exactly the planted credentials."""
    with EmulatorServer(EmulatorSettings.from_environment(planted)) as server:
        yield server


def issued_tokens(server: EmulatorServer) -> list[str]:
    """Every token the emulator has issued so far (its state keeps the table; there is no public view)."""
    return list(server.app.state.emulator._tokens)


def clean_environment(planted: Mapping[str, str], **extra: str) -> dict[str, str]:
    """This process's environment without KPN_* settings, plus the planted values and ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("KPN_")}
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.update(planted)
    env.update(extra)
    return env


def leaks(text: str, values: Mapping[str, str]) -> list[str]:
    """The labels (never the values) of the planted values that occur in ``text``."""
    return sorted(label for label, value in values.items() if value and value in text)


def leaks_in_files(files: Iterable[Path], values: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found.extend(f"{path.name}: {label}" for label in leaks(text, values))
    return found


def all_values(planted: Mapping[str, str], tokens: Iterable[str], **more: str) -> dict[str, str]:
    """Planted credentials, issued tokens and any extra planted value, labelled for messages."""
    values = dict(planted)
    values.update({f"issued token #{n}": token for n, token in enumerate(tokens)})
    values.update(more)
    return values
