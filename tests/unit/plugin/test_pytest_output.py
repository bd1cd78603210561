"""pytest's own sinks redacted by the plugin: caplog, live logs, collection errors, JUnit properties."""

from __future__ import annotations

import pytest

# pytester's in-process runs drop the modules first imported inside them; see test_plugin.py.
import yaml  # noqa: F401

SECRET = "planted-sink-secret-7e4d2a9c"
REGISTER = f"""
from kpn_contract.redact import register_secret
register_secret({SECRET!r})
"""


def test_caplog_sees_a_users_own_log_records_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTER)
    pytester.makepyfile(
        f"""
        import logging

        def test_logs(caplog):
            caplog.set_level(logging.DEBUG)
            logging.getLogger("my.app").debug("calling with %s", {SECRET!r})
            assert caplog.messages == ["calling with REDACTED"]
            assert {SECRET!r} not in caplog.text
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "log_cli=true", "--log-cli-level=DEBUG")
    result.assert_outcomes(passed=1)
    assert SECRET not in result.stdout.str()
    result.stdout.fnmatch_lines(["*calling with REDACTED*"])  # the live log line was written, redacted


def test_a_logged_traceback_is_redacted_in_the_log_file(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTER)
    pytester.makepyfile(
        f"""
        import logging

        def test_logs_an_exception():
            try:
                raise ValueError("bad value " + {SECRET!r})
            except ValueError:
                logging.getLogger("my.app").exception("failed")
        """
    )
    log_file = pytester.path / "run.log"
    result = pytester.runpytest("-p", "no:cacheprovider", f"--log-file={log_file}", "--log-file-level=DEBUG")
    result.assert_outcomes(passed=1)
    text = log_file.read_text(encoding="utf-8")
    assert "ValueError: bad value REDACTED" in text
    assert SECRET not in text


def test_a_collection_error_is_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTER)
    pytester.makepyfile(f"raise RuntimeError('cannot import with ' + {SECRET!r})\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*RuntimeError: cannot import with REDACTED*"])
    assert SECRET not in result.stdout.str()


def test_junit_properties_of_tests_and_of_the_suite_are_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTER)
    pytester.makepyfile(
        f"""
        def test_properties(record_property, record_testsuite_property):
            record_property("key", {SECRET!r})
            record_property("pair", ("id", {SECRET!r}))
            record_testsuite_property("suite", {SECRET!r})
        """
    )
    junit = pytester.path / "junit.xml"
    args = ("-p", "no:cacheprovider", f"--junitxml={junit}", "-o", "junit_family=xunit1")
    pytester.runpytest(*args).assert_outcomes(passed=1)
    xml = junit.read_text(encoding="utf-8")
    assert SECRET not in xml
    assert '<property name="key" value="REDACTED"' in xml
    assert '<property name="suite" value="REDACTED"' in xml


def test_an_unsafe_cassette_is_one_line_not_a_traceback(pytester: pytest.Pytester) -> None:
    cassette = pytester.path / "cassettes" / "test_one" / "test_x.yaml"
    cassette.parent.mkdir(parents=True)
    cassette.write_text("version: 1\ninteractions: &a []\n", encoding="utf-8")
    pytester.makepyfile(test_one="def test_x(kpn_cassette):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["CassetteError: *test_x.yaml:2: YAML anchors and aliases are refused*"])
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*site-packages*")


def test_showlocals_of_a_config_error_does_not_print_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a registered secret, so only structure can keep it out: no frame may hold os.environ.
    monkeypatch.setenv("SOME_OTHER_TOOLS_TOKEN", "unrelated-machine-secret-5b1f")
    monkeypatch.delenv("KPN_SANDBOX_CLIENT_SECRET", raising=False)
    pytester.makepyfile(
        """
        from kpn_contract.config.profiles import DEFAULT_PROFILES, resolve_credentials
        from kpn_contract.config.run_settings import options_from_sources
        from kpn_contract.config.profiles import load_config

        def test_missing_credential():
            options_from_sources(cli={}, ini={}, config=load_config())
            resolve_credentials(DEFAULT_PROFILES["sandbox"])
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--showlocals")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ConfigError*environment variable KPN_SANDBOX_CLIENT_*"])
    assert "unrelated-machine-secret-5b1f" not in result.stdout.str()
    assert "SOME_OTHER_TOOLS_TOKEN" not in result.stdout.str()


def test_showlocals_of_a_too_short_secret_does_not_print_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_OTHER_TOOLS_TOKEN", "unrelated-machine-secret-5b1f")
    pytester.makepyfile(
        """
        import pytest
        from kpn_contract.errors import ConfigError
        from kpn_contract.config.startup import register_startup_secrets

        def test_short_secret(monkeypatch):
            # Set after start-up, which would otherwise refuse it before any test runs.
            monkeypatch.setenv("KPN_SANDBOX_CLIENT_SECRET", "short")
            register_startup_secrets()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--showlocals")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ConfigError*KPN_SANDBOX_CLIENT_SECRET*"])
    assert "unrelated-machine-secret-5b1f" not in result.stdout.str()
