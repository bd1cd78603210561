"""Issue 13's command-line problems, each as a user met it: one line on stderr, the right exit code."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.cassettes.netblock import block_network
from kpn_contract.fuzz import spec_for_api
from kpn_contract.fuzz._schema import spec_by_name_or_path
from tests.cli_runner import run_cli

EXIT_USAGE = 2
PLANTED = "planted-adoption-secret-5b1e77c0"
REPO_CASSETTE = Path(__file__).resolve().parents[3] / "cassettes" / "contract" / "test_things"


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["emulate", "--port", "70000"], capsys)
    assert code == EXIT_USAGE
    assert "70000 is not a port: choose 0-65535" in one_line(err)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``--debug`` adds a stderr handler to process-wide loggers; take it away after the test."""
    names = ("kpn_contract", "httpx", "httpcore")
    saved = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level) for name in names}
    yield
    for name, (handlers, level) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_and_after_the_subcommand(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    argv = ["--debug", "verify", "empty"] if where == "before" else ["verify", "empty", "--debug"]
    code, _, err = run_cli(argv, capsys)
    assert code == EXIT_USAGE
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1] == "kpn-contract verify: nothing to verify: no cassettes under empty"


def test_access_rights_refuses_a_gateway_profile_before_sending_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with block_network():  # a connection attempt would fail differently, and be a leak of the token
        code, _, err = run_cli(["access-rights", "--profile", "sandbox", "--target", "live"], capsys)
    assert code == EXIT_USAGE
    assert "--profile sandbox is an api-store profile; access-rights needs a grip profile" in one_line(err)


@pytest.mark.parametrize("command", ["token", "access-rights", "fuzz"])
def test_an_unreachable_emulator_url_is_named(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    profile = "sandbox" if command == "token" else "things-subcustomer"
    code, _, err = run_cli([command, "--profile", profile, "--emulator-url", "http://127.0.0.1:9"], capsys)
    assert code == EXIT_USAGE
    line = one_line(err)
    assert "--emulator-url http://127.0.0.1:9: no emulator answers there" in line
    assert "api-prd.kpn.com" not in line
    assert "grip-on-it.com" not in line


def test_verify_of_an_empty_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run_cli(["verify", "empty"], capsys)
    assert code == EXIT_USAGE
    assert one_line(err) == "kpn-contract verify: nothing to verify: no cassettes under empty"
    assert out == ""


def test_verify_and_audit_read_the_configured_cassette_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kpn-contract.toml").write_text('cassette_dir = "recorded"\n', encoding="utf-8")
    shutil.copytree(REPO_CASSETTE, tmp_path / "recorded" / "things")
    count = len(list((tmp_path / "recorded").rglob("*.yaml")))
    code, out, _ = run_cli(["verify"], capsys)
    assert code == 0
    assert f"verify: {count} cassette(s)" in out
    code, out, _ = run_cli(["audit"], capsys)
    assert code == 0
    # audit also scans the parsed-file cache that verify filled: one entry per cassette read
    cached = len(list((tmp_path / ".kpn-contract-cache").glob("cassette-*")))
    assert cached == count
    assert f"no secrets found ({count + cached} file(s) scanned)" in out
    # A leak planted in the configured folder is found without naming any path.
    monkeypatch.setenv("KPN_SANDBOX_CLIENT_SECRET", PLANTED)
    (tmp_path / "recorded" / "leak.yaml").write_text(f"secret: {PLANTED}\n", encoding="utf-8")
    code, out, err = run_cli(["audit"], capsys)
    assert code == 1, out + err
    assert "leak.yaml" in out
    assert f"found in {count + cached + 1} file(s) scanned" in out
    assert PLANTED not in out + err


def test_verify_and_audit_with_nothing_configured_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["verify"], capsys)
    assert code == EXIT_USAGE
    assert "nothing to verify: no cassette folder" in one_line(err)
    code, _, err = run_cli(["audit"], capsys)
    assert code == EXIT_USAGE
    assert "nothing to audit: none of" in one_line(err)
    (tmp_path / "cassettes").mkdir()  # a folder with nothing to scan in it is still nothing
    code, _, err = run_cli(["audit"], capsys)
    assert code == EXIT_USAGE
    assert "nothing to audit: no cassette, notebook or report under" in one_line(err)


def test_fuzz_without_schemathesis_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # `import schemathesis` now fails
    code, _, err = run_cli(["fuzz", "--profile", "things"], capsys)
    assert code == EXIT_USAGE
    assert one_line(err) == "kpn-contract fuzz: fuzz needs schemathesis: pip install 'kpn-contract[fuzz]'"


def test_fuzz_spec_takes_a_bundled_name_like_kpn_schema(
    kpn_emulator_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert spec_by_name_or_path("parley") == spec_for_api("parley")
    argv = ["fuzz", "--profile", "sandbox", "--spec", "parley", "--emulator-url", kpn_emulator_url]
    code, out, err = run_cli([*argv, "--max-examples", "1", "--phases", "fuzzing"], capsys)
    assert code == 0, err
    assert f"spec     {spec_for_api('parley')}" in out
    code, _, err = run_cli(["fuzz", "--profile", "sandbox", "--spec", "nope"], capsys)
    assert code == EXIT_USAGE
    assert "neither a spec file nor a bundled spec name (things, apidaze-voice" in one_line(err)
    assert "parley" in one_line(err)


def test_profiles_lists_kinds_variables_and_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kpn-contract.toml").write_text(
        '[profiles.acme]\nkind = "grip"\ntenant_id_env = "ACME_T"\nclient_id_env = "ACME_I"\n'
        'client_secret_env = "ACME_S"\n'
        f'[profiles.pasted]\nkind = "api-store"\nclient_id_env = "A"\nclient_secret_env = "{PLANTED}!"\n'
        '[profiles.tls]\nkind = "grip"\ntenant_id_env = "T"\nclient_id_env = "I"\nclient_secret_env = "S"\n'
        'verify = "missing.pem"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(["profiles"], capsys)
    assert code == EXIT_USAGE, "a profile with a problem makes the listing fail"
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert rows["acme"].split()[1] == "grip"
    assert "ACME_I, ACME_S, ACME_T" in rows["acme"]
    assert "KPN_SANDBOX_CLIENT_ID, KPN_SANDBOX_CLIENT_SECRET" in rows["sandbox"]
    assert "field 'client_secret_env': is not an environment-variable name" in rows["pasted"]
    assert "field 'verify': CA bundle" in rows["tls"]
    assert "2 with a problem" in out
    assert PLANTED not in out + err
    # The bad profiles do not stop the good ones from being used.
    code, _, err = run_cli(["access-rights", "--profile", "pasted"], capsys)
    assert code == EXIT_USAGE
    assert "profile 'pasted', field 'client_secret_env'" in one_line(err)


def test_a_token_error_with_a_hint_is_still_one_line(
    kpn_emulator_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KPN_SANDBOX_CLIENT_SECRET", "a-wrong-secret-for-the-emulator")
    code, _, err = run_cli(["token", "--profile", "sandbox", "--emulator-url", kpn_emulator_url], capsys)
    assert code == 1
    assert "hint:" in one_line(err)


def test_an_emulator_url_with_a_password_is_named_without_it(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://user:{PLANTED}@127.0.0.1:9"
    code, out, err = run_cli(["token", "--profile", "sandbox", "--emulator-url", url], capsys)
    assert code == EXIT_USAGE
    assert "--emulator-url http://127.0.0.1:9: no emulator answers there" in one_line(err)
    assert PLANTED not in out + err


def test_something_that_answers_but_is_no_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    import http.server
    import threading

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
            pass

    # A bare HTTP server on loopback: it answers every GET with 501, as no emulator would.
    with http.server.HTTPServer(("127.0.0.1", 0), Quiet) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            code, _, err = run_cli(["token", "--profile", "sandbox", "--emulator-url", url], capsys)
        finally:
            server.shutdown()
    assert code == EXIT_USAGE
    assert f"--emulator-url {url}: it answered 501, not as an emulator does" in one_line(err)
