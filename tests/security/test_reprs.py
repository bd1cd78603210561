"""Reprs of every public object hold no secret; sessions keep only the environment variables profiles name.

The objects are built from planted values with awkward characters, then the registry is cleared
before any repr is taken: a repr must mask by construction, not by relying on redaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from kpn_contract.auth.httpx_auth import KPNAuth
from kpn_contract.auth.tokens import Token
from kpn_contract.config.profiles import load_config
from kpn_contract.config.run_settings import SessionOptions
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.redact import forget_secrets
from kpn_contract.secrets import REGISTRY, encoded_forms
from kpn_contract.session.kpn_session import KPNSession

from .conftest import PLANTED_VARIABLES

AWKWARD = " +/=&%\"'\\é"


@pytest.fixture
def awkward() -> dict[str, str]:
    return {name: f"{name.lower()}{AWKWARD}{index}" for index, name in enumerate(PLANTED_VARIABLES)}


def _own_forms(value: str) -> set[str]:
    """Encodings computed here, independently of the detector, so the check cannot be vacuous."""
    return {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
    }


def _forms(value: str) -> set[str]:
    return _own_forms(value) | set(encoded_forms(value))


def _public_objects(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, object]]:
    config = load_config(start=tmp_path)
    session = KPNSession(
        config, SessionOptions(target="emulator", emulator_url="http://127.0.0.1:9"), env=env
    )
    yield "session", session
    yield "options", session.options
    yield "config", config
    for name in config.profiles:
        yield f"profile {name}", session.profile(name)
        yield f"credentials {name}", session.credentials(name)
        provider = session.provider(name)
        yield f"provider {name}", provider
        subcustomer = session.credentials(name).subcustomer_id
        yield f"auth {name}", KPNAuth(provider, session.cache, subcustomer_id=subcustomer)
    token = Token(env["KPN_GRIP_CLIENT_SECRET"] + "-as-token", "Bearer", 3600, time.monotonic())
    session.cache.get("planted", lambda: token)
    yield "token", token
    yield "token cache", session.cache
    yield "scrubber", session.scrubber()
    settings = EmulatorSettings.from_environment(env)
    yield "emulator settings", settings
    for key_id, key in settings.grip_keys.items():
        yield f"grip key {key_id[:4]}", key
    yield "emulator server", EmulatorServer(settings)
    yield "secret registry", REGISTRY
    yield "client", session.client("things-subcustomer")


def test_no_public_object_shows_a_secret_in_its_repr(
    awkward: dict[str, str], tmp_path: Path, clean_secret_registry: None
) -> None:
    objects = list(_public_objects(awkward, tmp_path))
    assert len(objects) > 20
    forget_secrets()  # from here on nothing is redacted: masking must be structural
    leaks: list[str] = []
    for label, obj in objects:
        shown = repr(obj) + "\n" + str(obj)
        leaks.extend(
            f"{label}: {name}" for name, value in awkward.items() if any(f in shown for f in _forms(value))
        )
    assert leaks == []
    for label, obj in objects:
        if isinstance(obj, httpx.Client):
            obj.close()
        del label


def test_the_check_itself_finds_a_planted_value_in_each_own_form(awkward: dict[str, str]) -> None:
    value = awkward["KPN_GRIP_TENANT_ID"]
    for form in _own_forms(value):
        assert any(f in f"x{form}y" for f in _forms(value))
    assert repr(value)[1:-1] != value  # the repr form really differs (quotes and backslash escaped)


def test_a_session_keeps_only_the_variables_profiles_name(awkward: dict[str, str], tmp_path: Path) -> None:
    env = {**awkward, "UNRELATED_TOKEN": "elsewhere-secret-value-123", "HOME": "/home/someone"}
    session = KPNSession(load_config(start=tmp_path), SessionOptions(), env=env)
    held = {name: value for name, value in vars(session).items() if isinstance(value, dict)}
    for name, value in held.items():
        assert "UNRELATED_TOKEN" not in value, name
        assert "elsewhere-secret-value-123" not in repr(value), name
    assert set(session._env) == set(awkward)
