"""run_fuzz against a real emulator: stats, safety, reports, scrubbed cassettes, bad input."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.config.profiles import DEFAULT_PROFILES, resolve_credentials
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.errors import ConfigError, UsageError
from kpn_contract.fuzz import run_fuzz
from kpn_contract.fuzz._auth import KPNSchemathesisAuth
from kpn_contract.fuzz._run import _configure, _execute
from kpn_contract.fuzz._schema import bind_schema, spec_for_api, token_transport
from kpn_contract.fuzz._traffic import TrafficLog
from kpn_contract.redact import register_secret

GRIP_TOKEN = "POST /v2/{tenantId}/oidc/idp/c1/token"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


def _api_calls(stats: dict[str, dict[str, int]]) -> int:
    return sum(n for key, n in stats["requests"].items() if key.split()[1].startswith("/api/"))


def test_done_when_figure_at_least_25_calls_and_one_token_fetch(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    out = io.StringIO()
    run_fuzz(
        "things",
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=25,
        report_dir=tmp_path,
        out=out,
    )
    stats = emulator.stats()
    assert _api_calls(stats) >= 25
    token_fetches = {key: n for key, n in stats["requests"].items() if "token" in key}
    assert token_fetches == {GRIP_TOKEN: 1}
    assert "1 token fetch(es)" in out.getvalue()


def test_done_when_figure_passes(emulator: EmulatorServer, tmp_path: Path) -> None:
    out = io.StringIO()
    rc = run_fuzz(
        "things", target="emulator", emulator_url=emulator.base_url, max_examples=25, seed=20261123, out=out
    )
    assert rc == 0, out.getvalue()


def test_starts_its_own_emulator_and_writes_parseable_junit(tmp_path: Path) -> None:
    out = io.StringIO()
    rc = run_fuzz(
        "things",
        target="emulator",
        max_examples=3,
        checks=["not_a_server_error"],
        report_dir=tmp_path,
        out=out,
    )
    assert rc == 0, out.getvalue()
    root = ET.parse(tmp_path / "junit.xml").getroot()
    names = {case.get("name") for case in root.iter("testcase")}
    assert "GET /api/devices" in names
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0"
    text = out.getvalue()
    assert "GET /api/devices:" in text
    assert "case(s)" in text
    assert "not_a_server_error" in text
    assert "PASSED" in text


def test_failures_give_exit_1_and_junit_failures(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorSettings()) as server:
        server.add_fault_rule("GET /api/devices=503")  # a server error the default checks must catch
        rc = run_fuzz(
            "things",
            target="emulator",
            emulator_url=server.base_url,
            max_examples=5,
            checks=["not_a_server_error"],
            report_dir=tmp_path,
            out=io.StringIO(),
        )
    assert rc == 1
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "")) >= 1


def test_cassette_holds_live_urls_and_no_planted_secret(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_secret_registry: None
) -> None:
    planted = "planted-grip-secret-7f3a9c"
    env = {
        "KPN_GRIP_CLIENT_ID": "planted-grip-key-id-51",
        "KPN_GRIP_CLIENT_SECRET": planted,
        "KPN_GRIP_TENANT_ID": "planted-tenant-0451",
    }
    with EmulatorServer(EmulatorSettings.from_environment(env)) as server:
        rc = run_fuzz(
            "things",
            target="emulator",
            emulator_url=server.base_url,
            max_examples=3,
            checks=["not_a_server_error"],
            report_dir=tmp_path,
            out=io.StringIO(),
            env=env,
        )
    assert rc == 0
    cassettes = list((tmp_path / "cassettes").glob("*.yaml"))
    assert len(cassettes) == 1
    text = cassettes[0].read_text()
    assert "https://api.kpnthings.com/api/devices" in text
    assert "127.0.0.1" not in text
    for value in (planted, "planted-grip-key-id-51", "planted-tenant-0451"):
        assert value not in text
    assert "REDACTED" in text


def test_banner_names_target_and_profile_before_anything_is_sent(emulator: EmulatorServer) -> None:
    class Recorder(io.StringIO):
        requests_at_first_write: int | None = None

        def write(self, text: str) -> int:
            if self.requests_at_first_write is None:
                self.requests_at_first_write = sum(emulator.stats()["requests"].values())
            return super().write(text)

    before = sum(emulator.stats()["requests"].values())
    out = Recorder()
    run_fuzz(
        "things",
        target="emulator",
        emulator_url=emulator.base_url,
        max_examples=2,
        checks=["not_a_server_error"],
        out=out,
    )
    assert out.requests_at_first_write == before  # stats() itself is not counted as a request
    first_lines = out.getvalue().splitlines()[:4]
    assert any(f"target EMULATOR {emulator.base_url}" in line for line in first_lines)
    assert any("profile  things" in line for line in first_lines)


def test_safe_mode_sends_only_get_and_head(emulator: EmulatorServer) -> None:
    profile = DEFAULT_PROFILES["things"]
    credentials = resolve_credentials(profile, {}, demo_fallback=True)
    transport = token_transport("emulator", emulator.base_url)
    auth = KPNSchemathesisAuth.for_profile(profile, credentials, transport=transport)
    try:
        bound = bind_schema(spec_for_api("things"), auth, target="emulator", emulator_url=emulator.base_url)
        schema = _configure(bound, max_examples=3, checks=None, rate_limit=None, safe_only=True)
        summary = _execute(schema, TrafficLog(emulator.base_url, "https://api.kpnthings.com"), io.StringIO())
    finally:
        auth.close()
        transport.close()
    assert summary.total_cases > 0
    assert set(summary.cases) == {"GET /api/devices"}
    api_methods = {key.split()[0] for key in emulator.stats()["requests"] if " /api/" in key}
    assert api_methods <= {"GET", "HEAD"}


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"max_examples": 0}, UsageError, "--max-examples"),
        ({"checks": ["no_such_check"]}, UsageError, "unknown check 'no_such_check'"),
        ({"checks": ["missing_required_header"]}, UsageError, "excluded for this profile"),
        ({"spec": Path("/nonexistent/spec.yaml")}, UsageError, "/nonexistent/spec.yaml"),
        ({"rate_limit": "fast"}, UsageError, "--rate-limit 'fast'"),
        ({"target": "replay"}, UsageError, "fuzz target 'replay'"),
        ({"target": "live", "emulator_url": "http://127.0.0.1:9"}, UsageError, "--emulator-url"),
    ],
)
def test_bad_input_is_a_one_line_error_before_anything_is_sent(
    kwargs: dict[str, Any], error: type[Exception], needle: str, clean_secret_registry: None
) -> None:
    register_secret("emu-grip-key-secret-0000")
    out = io.StringIO()
    with pytest.raises(error) as info:
        run_fuzz("things", out=out, **kwargs)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message
    assert "emu-grip-key-secret-0000" not in message
    assert out.getvalue() == ""  # no banner: nothing was about to be sent


def test_unknown_profile_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        run_fuzz("no-such-profile", out=io.StringIO())
    assert "no-such-profile" in str(info.value)
    assert "things" in str(info.value)  # lists the known profiles


def test_api_store_profile_needs_a_spec() -> None:
    with pytest.raises(UsageError, match="--spec"):
        run_fuzz("sandbox", out=io.StringIO())
