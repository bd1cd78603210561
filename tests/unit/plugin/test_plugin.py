"""The pytest plugin, tested as users meet it: through throwaway test files run by pytester."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# pytester's in-process runs drop the modules first imported inside them. PyYAML's C extension
# cannot be imported twice, so a re-imported ``yaml`` would disagree with it: import it here, once.
import yaml  # noqa: F401

HEAVY = ("vcr", "schemathesis", "jsonschema", "jsonschema_rs", "nbclient", "uvicorn", "starlette")


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        import kpn_contract.pytest.plugin
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize(("configured", "loaded"), [(False, "False"), (True, "True")])
def test_start_up_checks_load_the_run_settings_only_for_a_configured_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, configured: bool, loaded: str
) -> None:
    # A project that installs kpn_contract without using it pays no httpx import at start-up.
    monkeypatch.delenv("KPN_TARGET", raising=False)
    if configured:
        pytester.makefile(".toml", pyproject="[tool.kpn_contract]\n")
    pytester.makeconftest(
        """
        import sys

        def pytest_sessionstart(session):
            print("run settings loaded:", "kpn_contract.config.run_settings" in sys.modules)
        """
    )
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([f"run settings loaded: {loaded}"])


def test_options_appear_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "kpn_contract: contract testing for KPN's APIs:",
            "*--kpn-target={replay,emulator,live}*",
            "*--kpn-record-mode={none,once,new_episodes,all,rewrite}*",
            "*--kpn-cassettes=DIR*",
            "*--kpn-emulator-url=URL*",
        ]
    )


def test_kpn_marker_is_declared_for_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="things")
        def test_marked(kpn_profile):
            assert kpn_profile == "things"

        def test_unmarked(kpn_profile):
            assert kpn_profile == "sandbox"
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_rejects_positional_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn("things")
        def test_marked(kpn_profile):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*the kpn marker takes keyword arguments only*"])
    assert result.ret != 0


@pytest.mark.parametrize(
    ("args", "ini", "config", "env", "expected"),
    [
        (["--kpn-target", "live"], "emulator", "emulator", "emulator", "live"),
        ([], "live", "emulator", "emulator", "live"),
        ([], None, "live", "emulator", "live"),
        ([], None, None, "live", "live"),
        ([], None, None, None, "replay"),
    ],
    ids=["cli-beats-ini", "ini-beats-config", "config-beats-env", "env-beats-default", "default"],
)
def test_target_precedence(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    ini: str | None,
    config: str | None,
    env: str | None,
    expected: str,
) -> None:
    lines = ["[tool.pytest.ini_options]"]
    if ini:
        lines.append(f'kpn_target = "{ini}"')
    lines.append("[tool.kpn_contract]")
    if config:
        lines.append(f'target = "{config}"')
    pytester.makefile(".toml", pyproject="\n".join(lines) + "\n")
    if env:
        monkeypatch.setenv("KPN_TARGET", env)
    else:
        monkeypatch.delenv("KPN_TARGET", raising=False)
    pytester.makepyfile(
        f"""
        def test_target(kpn_options):
            assert kpn_options.target == {expected!r}
        """
    )
    pytester.runpytest(*args).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "config", "needle"),
    [
        (["--kpn-record-mode", "all"], "", "record mode 'all' needs a target to record from"),
        (["--kpn-record-mode", "once"], "", "record mode 'once' needs a target to record from"),
        ([], 'target = "staging"\n', "unknown target 'staging'"),
        (
            ["--kpn-target", "emulator", "--kpn-emulator-url", "http://127.0.0.1:9"],
            "",
            "--emulator-url http://127.0.0.1:9: no emulator answers there",
        ),
    ],
    ids=["record-mode-without-target", "once-without-target", "bad-target-in-config", "unreachable-emulator"],
)
def test_bad_run_settings_are_one_error_at_start_up(
    pytester: pytest.Pytester, args: list[str], config: str, needle: str
) -> None:
    pytester.makefile(".toml", pyproject=f"[tool.kpn_contract]\n{config}")
    pytester.makepyfile(
        """
        def test_one(kpn_options):
            pass

        def test_two(kpn_options):
            pass
        """
    )
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [f"ERROR: kpn_contract: {errors[0].split('kpn_contract: ', 1)[1]}"]
    assert needle in errors[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_replay_refuses_a_request_without_a_recording(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from kpn_contract.errors import NetworkBlockedError

        @pytest.mark.kpn(profile="things")
        def test_goes_out(kpn_client):
            with pytest.raises(NetworkBlockedError) as info:
                kpn_client().get("/api/devices")
            # The first request that would go out is the GRIP token request; the error names it.
            assert "POST https://auth.grip-on-it.com/v2/" in str(info.value)
            assert "tokens/grip-auth.grip-on-it.com.yaml" in str(info.value)

        def test_raw_socket_is_refused(kpn_cassette):
            import socket
            with pytest.raises(NetworkBlockedError):
                socket.create_connection(("127.0.0.1", 9))
        """
    )
    pytester.runpytest("--kpn-cassettes", str(pytester.path / "empty")).assert_outcomes(passed=2)


def test_fixtures_work_against_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="things")
        def test_devices(kpn_client, kpn_token, kpn_emulator):
            assert kpn_token()
            page = kpn_client().get(
                "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
            )
            assert page.status_code == 200
            assert kpn_emulator.base_url.startswith("http://127.0.0.1:")
        """
    )
    pytester.runpytest("--kpn-target", "emulator").assert_outcomes(passed=1)


def test_validation_failure_reads_as_a_test_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="things", validate="response")  # the request lacks auth on purpose
        def test_not_authenticated(kpn_client):
            kpn_client(authenticated=False).get(
                "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
            )

        @pytest.mark.kpn(profile="things", validate=False)
        def test_validation_switched_off(kpn_client):
            response = kpn_client(authenticated=False).get(
                "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
            )
            assert response.status_code == 302
        """
    )
    result = pytester.runpytest("--kpn-target", "emulator")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ContractViolation*", "*302*"])


def test_marker_profile_beats_the_ini_default(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject='[tool.pytest.ini_options]\nkpn_profile = "project"\n')
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="things")
        def test_marked(kpn_profile):
            assert kpn_profile == "things"

        def test_unmarked(kpn_profile):
            assert kpn_profile == "project"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_shared_cassette_and_record_mode_write_where_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="sandbox", cassette="shared-token")
        def test_one(kpn_token):
            assert kpn_token()

        @pytest.mark.kpn(profile="sandbox", cassette="shared-token")
        def test_two(kpn_token):
            assert kpn_token()
        """
    )
    cassettes = pytester.path / "recorded"
    pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-record-mode", "rewrite", "--kpn-cassettes", str(cassettes)
    ).assert_outcomes(passed=2)
    token_cassettes = sorted(p.name for p in (cassettes / "tokens").glob("*.yaml"))
    assert len(token_cassettes) == 1
    assert token_cassettes[0] == "api-store-api-prd.kpn.com.yaml"
    text = (cassettes / "tokens" / token_cassettes[0]).read_text()
    assert "target: emulator" in text
    assert "emu-sandbox-client-secret" not in text  # the demo secret was scrubbed like any other
    # Replay from what was just written, with the network blocked.
    pytester.runpytest("--kpn-cassettes", str(cassettes)).assert_outcomes(passed=2)


def test_failure_text_and_junit_never_show_a_known_secret(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from kpn_contract.redact import register_secret

        def test_leaky():
            token = "planted-token-4f1e9a7c2b"
            register_secret(token)
            print("captured", token)
            assert token == "something else"
        """
    )
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest("-vv", "-rA", f"--junitxml={junit}")
    result.assert_outcomes(failed=1)
    assert "planted-token-4f1e9a7c2b" not in result.stdout.str()
    assert "planted-token-4f1e9a7c2b" not in junit.read_text()
    result.stdout.fnmatch_lines(["*assert 'REDACTED' == 'something else'*"])


def test_options_do_not_clash_with_pytest_recording(pytester: pytest.Pytester) -> None:
    # pytest-recording itself (a dev dependency) loads beside kpn_contract: both plugins side by side.
    assert pytester.parseconfig().pluginmanager.has_plugin("recording")
    pytester.makepyfile(
        """
        def test_both(pytestconfig, kpn_options):
            assert pytestconfig.getoption("--record-mode") == "none"
            assert kpn_options.record_mode == "none"
        """
    )
    pytester.runpytest("--record-mode", "none").assert_outcomes(passed=1)
