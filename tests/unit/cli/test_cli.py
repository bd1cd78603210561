"""The ``kpn-contract`` command as a user runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kpn_contract.cli.main import main

KPN_CONTRACT = str(
    Path(sys.executable).with_name("kpn-contract.exe" if sys.platform == "win32" else "kpn-contract")
)


@pytest.mark.skipif(sys.platform == "win32", reason="Popen.send_signal cannot send SIGINT on Windows")
def test_emulate_on_port_zero_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with subprocess.Popen(
        [KPN_CONTRACT, "emulate", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
            assert match, first
            url = match.group(0)
            assert int(match.group(1)) > 0
            token = httpx.post(
                f"{url}/oauth/client_credential/accesstoken",
                params={"grant_type": "client_credentials"},
                data={
                    "client_id": "emu-sandbox-client-id",
                    "client_secret": "emu-sandbox-client-secret-0000",
                },
            )
            assert token.status_code == 200
            stats = httpx.get(f"{url}/_emulator/stats").json()
            assert stats["requests"] == {"POST /oauth/client_credential/accesstoken": 1}
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=10)
    assert process.returncode in (0, 130)


def test_token_against_a_running_emulator(kpn_emulator_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["token", "--profile", "things", "--emulator-url", kpn_emulator_url])
    out = capsys.readouterr().out
    assert code == 0
    assert "profile:    things (grip)" in out
    assert "response:   matches its schema" in out
    assert re.search(r"token:\s+\S{4}…\(\d+ chars\)", out)


def test_access_rights_for_the_subcustomer_profile(
    kpn_emulator_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["access-rights", "--emulator-url", kpn_emulator_url]) == 0
    assert "access rights granted: HTTP 200" in capsys.readouterr().out


def test_specs_json_lists_every_shipped_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["specs"]
    titles = {spec["title"] for spec in listed}
    assert "KPN Things API (beta)" in titles
    assert all({"path", "title", "version", "format", "operations", "warnings"} <= set(s) for s in listed)
    base_urls = {spec["title"]: spec["base_urls"] for spec in listed}
    assert base_urls["Number Verify - KPN"][0] == "https://api-prd.kpn.com/communication/kpn/numberverify"
    assert base_urls["Device API"] == ["https://api.kpnthings.com"]


def test_specs_text_shows_each_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs"]) == 0
    out = capsys.readouterr().out
    assert "  base URL: https://api-prd.kpn.com/communication/parley/secure-messenger\n" in out


def test_profiles_shows_which_products_each_profile_reaches(capsys: pytest.CaptureFixture[str]) -> None:
    main(["profiles"])
    reach = {
        line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("  https")
    }
    assert "(things, things-project-reader, things-subcustomer)" in reach["https://api.kpnthings.com"]
    assert "Device API" in reach["https://api.kpnthings.com"]
    assert "Number Verify - KPN" not in reach["https://api.kpnthings.com"]
    assert "Number Verify - KPN" in reach["https://api-prd.kpn.com"]


def test_verify_and_audit_pass_on_the_shipped_cassettes(repo_root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPN_")}
    for command in (["verify"], ["audit"]):
        result = subprocess.run(
            [KPN_CONTRACT, *command], cwd=repo_root, capture_output=True, text=True, env=env, check=False
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    verify = subprocess.run(
        [KPN_CONTRACT, "verify", "cassettes/contract"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "all interactions conform" in verify.stdout


def test_diff_exit_code_follows_fail_on(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = repo_root / "specs" / "kpn-things" / "kpn-things-beta.yaml"
    new = tmp_path / "things.yaml"
    # A new error status is a warning: it passes --fail-on breaking and fails --fail-on warning.
    new.write_text(
        old.read_text().replace("'403':", "'409':\n          description: Conflict.\n        '403':", 1)
    )
    assert main(["diff", str(old), str(new)]) == 0
    assert main(["diff", str(old), str(new), "--fail-on", "warning"]) == 1
    assert "response.status.added-error" in capsys.readouterr().out
