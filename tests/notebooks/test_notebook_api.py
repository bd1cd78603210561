"""The notebook helpers without a kernel: session resolution, checked calls and the redacted views."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kpn_contract import notebook
from kpn_contract.contract.model import Violation
from kpn_contract.drift.findings import Finding
from kpn_contract.errors import ConfigError, UsageError
from kpn_contract.redact import register_secret

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}


def _replay(profile: str = "things", cassette: str = "02-explore-kpn-things") -> notebook.NotebookSession:
    return notebook.session(profile, cassette=cassette, start=REPO_ROOT / "notebooks", env={})


def test_replay_is_the_default_and_calls_get_a_verdict() -> None:
    with _replay() as nb:
        assert nb.target == "replay"
        page = nb.call("GET", "/api/devices", params={"pageSize": 5}, headers=ACCEPT)
        assert page.status == 200
        assert page.operation == "GET /api/devices"
        assert page.spec == "kpn-things-beta.yaml"
        assert page.conforms
        assert "keeps its contract" in page._repr_html_()
        assert len(page.json()["content"]) == 5


def test_a_302_is_shown_as_a_violation_with_its_meaning() -> None:
    # Replay ignores headers and plays one URL's recordings in order: in notebook 02 the plain
    # GET /api/devices answered the sub-customer (200), the wrong token (302), then no rights (403).
    with _replay() as nb:
        answers = [
            nb.call("GET", "/api/devices", headers=ACCEPT, authenticated=authenticated)
            for authenticated in (True, False, True)  # KPNAuth would renew the token on a 302
        ]
    assert [a.status for a in answers] == [200, 302, 403]
    wrong = answers[1]
    assert not wrong.conforms
    # The request went without credentials on purpose: the notebook says so, then judges the answer.
    assert [v.rule for v in wrong.violations] == ["request.security", "status.auth-failure"]
    assert "never follow" in wrong.meaning
    assert "(never followed)" in wrong._repr_html_()
    assert "access rights" in answers[2].meaning


def test_the_environment_chooses_the_target(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="unknown target 'nowhere'"):
        notebook.session("things", cassette="x", start=REPO_ROOT, env={"KPN_TARGET": "nowhere"})


def test_recording_needs_a_target_to_record_from() -> None:
    with pytest.raises(UsageError, match="KPN_TARGET=emulator"):
        notebook.session("things", cassette="x", start=REPO_ROOT, env={"KPN_RECORD": "1"})


def test_the_next_variant_is_not_live() -> None:
    with pytest.raises(UsageError, match="only in the emulator"):
        notebook.session("things", cassette="x", start=REPO_ROOT, target="live", variant="next", env={})


@pytest.mark.parametrize("name", ["../escape", "/abs/path", ""])
def test_cassette_names_stay_under_cassettes_notebooks(name: str) -> None:
    with pytest.raises(UsageError, match="cassette"):
        notebook.session("things", cassette=name, start=REPO_ROOT, env={})


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known profiles: .*sandbox"):
        notebook.session("nope", cassette="x", start=REPO_ROOT, env={})


def test_the_cassette_defaults_to_the_notebook_jupyter_names() -> None:
    with notebook.session(
        "things", start=REPO_ROOT, env={"JPY_SESSION_NAME": "/x/02-explore-kpn-things.ipynb"}
    ) as nb:
        assert nb.name == "02-explore-kpn-things"
    with pytest.raises(UsageError, match="name the notebook's cassette"):
        notebook.session("things", start=REPO_ROOT, env={})


def test_a_closed_session_says_so() -> None:
    nb = _replay()
    nb.close()
    nb.close()  # twice is fine
    with pytest.raises(UsageError, match="closed"):
        nb.client()


def test_views_redact_registered_secrets(clean_secret_registry: None) -> None:
    secret = "s3cr3t-value-for-the-view"
    register_secret(secret)
    violation = Violation(
        "body.schema", "listDevices", "specs/kpn-things/kpn-things-beta.yaml", "/x", "a string", secret
    )
    table = notebook.ViolationTable([violation])
    request = httpx.Request("GET", f"https://api.kpnthings.com/api/devices?search={secret}")
    response = httpx.Response(200, json={"name": secret}, request=request)
    checked = notebook.CheckedResponse(response, "GET /api/devices", "kpn-things-beta.yaml", "OK", table)
    for shown in (
        repr(table),
        table._repr_html_(),
        str(table.to_rows()),
        repr(checked),
        checked._repr_html_(),
    ):
        assert secret not in shown
        assert "REDACTED" in shown
    assert table.to_rows()[0]["spec"] == "kpn-things-beta.yaml"


def test_an_empty_violation_table_says_so() -> None:
    table = notebook.ViolationTable([])
    assert len(table) == 0
    assert "no contract violations" in table._repr_html_()
    assert repr(table) == "no contract violations"


def test_findings_are_counted_per_operation_and_severity_and_drawn() -> None:
    findings = [
        Finding("response.property.removed", "warning", "GET /api/devices", "/a", "x", None, "m", beta=True),
        Finding("response.property.added", "info", "GET /api/devices", "/b", None, "y", "m"),
        Finding("operation.removed", "breaking", "POST /x", "", "POST /x", None, "m"),
    ]
    table = notebook.FindingTable(findings)
    counts = table.counts()
    assert counts["GET /api/devices"] == {"warning": 1, "info": 1}
    assert counts["POST /x"] == {"breaking": 1}
    assert "warning (beta)" in table._repr_html_()
    png = notebook.FindingsChart(findings).png()
    assert png.startswith(b"\x89PNG")
