"""The audit finds each kind of planted leak by file and line, and never prints the secret."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from kpn_contract.cassettes.audit import Finding, audit, environment_secrets, format_findings
from kpn_contract.errors import CassetteError


def test_each_kind_of_leak_is_found_with_file_and_line(tmp_path: Path, clean_secret_registry: None) -> None:
    env_secret = secrets.token_urlsafe(20)
    bearer = "eyJ" + secrets.token_urlsafe(40) + "1"
    basic = base64.b64encode(b"client:" + secrets.token_hex(8).encode()).decode()
    client_secret = secrets.token_urlsafe(16) + "9"
    access = secrets.token_urlsafe(24) + "7"
    refresh = secrets.token_hex(16)
    given = secrets.token_hex(12)

    cassette = tmp_path / "cassettes" / "leak.yaml"
    cassette.parent.mkdir()
    cassette.write_text(
        "interactions:\n- request:\n    headers:\n      Authorization:\n"
        f"      - Bearer {bearer}\n"
        f"    body: client_id=x&client_secret={client_secret}\n"
    )
    notebook = tmp_path / "explore.ipynb"
    notebook.write_text(
        json.dumps({"cells": [{"outputs": [{"text": [json.dumps({"access_token": access})]}]}]}, indent=1)
    )
    report = tmp_path / "report.md"
    report.write_text(f"# Report\n\nnothing here\n\n`{env_secret}` slipped in\nheader Basic {basic}\n")
    other = tmp_path / "out.json"
    other.write_text(f'{{"refresh_token": "{refresh}",\n "x": "{given}"}}')

    findings = audit(
        [tmp_path], secrets=[given], environ={"KPN_GRIP_CLIENT_SECRET": env_secret, "HOME": "/x"}
    )
    notebook_line = next(
        n for n, line in enumerate(notebook.read_text().splitlines(), 1) if "access_token" in line
    )
    expected = [
        Finding(str(notebook), notebook_line, "token in access_token field"),
        Finding(str(other), 1, "token in refresh_token field"),
        Finding(str(other), 2, "known secret value", "raw"),
        Finding(str(report), 5, "known secret value (environment variable KPN_GRIP_CLIENT_SECRET)", "raw"),
        Finding(str(report), 6, "unredacted Authorization credential (Basic)"),
        Finding(str(cassette), 5, "unredacted Authorization credential (Bearer)"),
        Finding(str(cassette), 6, "client_secret value"),
    ]
    assert sorted(findings) == sorted(expected)
    text = format_findings(findings)
    assert f"{cassette}:6: client_secret value" in text
    for value in (env_secret, bearer, basic, client_secret, access, refresh, given):
        assert value not in text
        assert all(value not in str(f) and value not in repr(f) for f in findings)


def test_scrubbed_and_placeholder_text_is_clean(tmp_path: Path, clean_secret_registry: None) -> None:
    clean = tmp_path / "clean.md"
    clean.write_text(
        "Authorization: Bearer REDACTED\n"
        "Calls use `Authorization: Bearer {access_token}` and Bearer authentication.\n"
        "client_secret=REDACTED&client_id=REDACTED\n"
        '{"access_token": "REDACTED", "refresh_token": "", "id_token": "abcd…(40 chars)"}\n'
        "token = fetch(client_secret=profile.client_secret, client_id=os.environ['KPN_X'])\n"
        "client_secret: ${KPN_SANDBOX_CLIENT_SECRET}\n"
    )
    assert audit([clean], environ={"KPN_SHORT_SECRET": "abc"}) == []
    assert format_findings([]) == "audit: no secrets found"


def test_environment_secrets_by_name() -> None:
    env = {"KPN_GRIP_CLIENT_ID": "id-123456", "KPN_SANDBOX_CLIENT_SECRET": "s" * 10, "OTHER_SECRET": "x" * 10}
    assert set(environment_secrets(env)) == {"KPN_GRIP_CLIENT_ID", "KPN_SANDBOX_CLIENT_SECRET"}


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="no such file"):
        audit([tmp_path / "absent"])
