"""End to end: record the same calls against the emulator's ``current`` and ``next`` variants, then
``drift_recordings`` must find exactly the changes the emulator documents in NEXT_VARIANT_CHANGES."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from kpn_contract.cassettes.store import Interaction, load_cassette
from kpn_contract.config import _demo
from kpn_contract.contract.specs import project_index
from kpn_contract.contract.validate import Validator
from kpn_contract.drift.findings import Finding, StabilityPolicy
from kpn_contract.drift.recordings.shapes import drift_recordings
from kpn_contract.emulator import NEXT_VARIANT_CHANGES, EmulatorServer, EmulatorSettings
from kpn_contract.emulator._settings import Variant
from kpn_contract.redact import redact

from .conftest import write_cassette

THINGS = "https://api.kpnthings.com"
GRIP = "https://auth.grip-on-it.com"
DEVICE_MEDIA = "application/vnd.kpnthings.device.v1.response+json"
ACTUATOR_MEDIA = "application/vnd.kpnthings.actuator.v1.response+json"


class _Recorder:
    """Sends to the emulator and keeps each exchange as a cassette would: the canonical live URL,
    no Authorization header, tokens redacted."""

    def __init__(self, base_url: str, client: httpx.Client) -> None:
        self.origin = urlsplit(base_url)[:2]
        self.client = client
        self.interactions: list[Interaction] = []

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, urlunsplit(self.origin + urlsplit(url)[2:]), **kwargs)
        request = response.request
        self.interactions.append(
            Interaction(
                method=method,
                uri=url,
                request_headers=tuple(
                    (k, v) for k, v in request.headers.items() if k.lower() != "authorization"
                ),
                request_body=redact(request.content.decode()).encode(),
                status=response.status_code,
                reason=response.reason_phrase,
                response_headers=tuple(response.headers.items()),
                response_body=redact(response.text).encode(),
            )
        )
        return response


def _session(variant: Variant) -> list[Interaction]:
    with EmulatorServer(EmulatorSettings(variant=variant)) as server, httpx.Client(timeout=10) as client:
        recorder = _Recorder(server.base_url, client)
        token = recorder.call(
            "POST",
            f"{GRIP}/v2/{_demo.GRIP_TENANT_ID}/oidc/idp/c1/token",
            json={
                "grant_type": "client_credentials",
                "audience": _demo.KPN_THINGS_APPLICATION_ID,
                "client_id": _demo.GRIP_CLIENT_ID,
                "client_secret": _demo.GRIP_CLIENT_SECRET,
            },
        )
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for page in range(3):  # 45 seeded devices: pages of 20, 20 and 5
            recorder.call(
                "GET",
                f"{THINGS}/api/devices?currentPage={page}&pageSize=20",
                headers={**auth, "Accept": DEVICE_MEDIA},
            )
        recorder.call(
            "POST",
            f"{THINGS}/api/v1/lifecycle/clients/{_demo.THINGS_SUBCUSTOMER_ID}/context-switch",
            headers=auth,
        )
        recorder.call(
            "POST",
            f"{THINGS}/api/actuator/downlinks?port=1&externalReference=drift-test",
            headers={**auth, "Accept": ACTUATOR_MEDIA},
            json=[{"bn": "urn:dev:DEVEUI:0123456789ABCDEF:", "n": "payloadHex", "vs": "0a0b"}],
        )
        return recorder.interactions


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("emulator-drift")
    write_cassette(root / "current", "things", _session("current"))
    write_cassette(root / "next", "things", _session("next"))
    return root / "current", root / "next"


def _expected() -> set[tuple[str, str, str, str]]:
    """(rule, operation, pointer, severity with beta breaks failing) for each documented change."""
    expected = set()
    for change in NEXT_VARIANT_CHANGES:
        op, pointer, kind = change["operation"], change["pointer"], change["kind"]
        if kind == "field-renamed":
            expected.add(("response.property.removed", op, pointer, "breaking"))
            renamed = pointer.rsplit("/", 1)[0] + "/" + change["new"]
            expected.add(("response.property.added", op, renamed, "info"))
        elif kind == "type-changed":
            expected.add(("response.property.type-changed", op, pointer, "breaking"))
        elif kind == "field-added":
            expected.add(("response.property.added", op, pointer, "info"))
        elif kind == "status-changed":
            expected.add(("response.status.changed", op, pointer, "breaking"))
        else:
            pytest.fail(f"the emulator documents a change of kind {kind!r} this test does not know")
    return expected


def _seen(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.rule_id, f.operation, f.pointer, f.severity) for f in findings}


def test_the_two_variants_were_recorded_with_the_same_calls(recordings: tuple[Path, Path]) -> None:
    current, new = (load_cassette(d / "things.yaml") for d in recordings)
    assert [i.uri for i in current.interactions] == [i.uri for i in new.interactions]
    assert all(i.status < 400 for i in current.interactions + new.interactions)
    token_body = json.loads(current.interactions[0].response_body)
    assert token_body["access_token"] == "REDACTED"


def test_drift_finds_exactly_the_planted_changes(recordings: tuple[Path, Path]) -> None:
    strict = StabilityPolicy(beta_breaking_severity="breaking")
    findings = drift_recordings([recordings[0]], [recordings[1]], index=project_index(), policy=strict)
    assert _seen(findings) == _expected()
    assert all(f.beta for f in findings)


def test_by_default_the_beta_breaks_only_warn(recordings: tuple[Path, Path]) -> None:
    findings = drift_recordings([recordings[0]], [recordings[1]], index=project_index())
    downgraded = {(r, o, p, "warning" if s == "breaking" else s) for r, o, p, s in _expected()}
    assert _seen(findings) == downgraded


def test_current_against_itself_has_no_drift(recordings: tuple[Path, Path]) -> None:
    assert drift_recordings([recordings[0]], [recordings[0]], index=project_index()) == []


def test_spec_violations_point_at_the_changed_operations_only(recordings: tuple[Path, Path]) -> None:
    index = project_index()
    findings = drift_recordings([recordings[0]], [recordings[1]], index=index, validator=Validator(index))
    violations = [f for f in findings if f.rule_id == "response.spec-violation"]
    changed = {change["operation"] for change in NEXT_VARIANT_CHANGES}
    assert {f.operation for f in violations} <= changed
    assert any(f.pointer == "/totalElements" for f in violations)
    # The current variant keeps its own contract.
    baseline = drift_recordings([recordings[0]], [recordings[0]], index=index, validator=Validator(index))
    assert baseline == []
