"""Every kind of bad input to the ``kpn-contract`` command: one clear line, exit code 2, no traceback.

Each case runs ``kpn_contract.cli.main.main`` in-process; a few also run the installed
``.venv/bin/kpn-contract`` as a real subprocess. A planted secret sits in the bad config file and in
the environment of every case and must appear in no output, not even the ``--debug`` traceback.

Decisions recorded here:

* a dangling ``$ref`` is a *warning* of the lenient spec loader, not an error: ``specs`` exits 0
  and prints one warning line naming the file and the JSON pointer (the spec stays usable);
* ``audit`` is a text scan by design (it must find a leaked secret even in a corrupt file), so a
  corrupt or hostile cassette is scanned, never parsed: it exits 0, or 1 when it holds a secret;
  ``verify`` and ``drift``, which parse cassettes, exit 2 naming the file and line.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpn_contract.cli.main import main
from tests.cli_runner import run_cli

PLANTED_SECRET = "planted-bad-input-secret-7d41c2e9"
PLANTED_ENV_SECRET = "planted-bad-input-env-secret-51aa90"
MISSING_VARIABLE = "KPN_RELIABILITY_UNSET_CLIENT_ID"
EXIT_USAGE = 2


@dataclass(frozen=True)
class BadInput:
    argv: Callable[[Path], list[str]]  # built from the case's tmp folder
    must_name: Callable[[Path], list[str]]  # texts the one stderr line must contain (file, field...)
    parsed_by_argparse: bool = False  # argparse errors have no traceback, with or without --debug


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _config(tmp: Path, text: str) -> list[str]:
    return [
        "--config",
        str(_write(tmp / "kpn-contract.toml", text)),
        "token",
        "--profile",
        "x",
        "--target",
        "live",
    ]


def _spec(tmp: Path, text: str, name: str = "spec.yaml") -> list[str]:
    return ["specs", str(_write(tmp / name, text))]


def _cassette(tmp: Path, text: str, command: str = "verify") -> list[str]:
    _write(tmp / "cassettes" / "bad.yaml", text)
    return [command, str(tmp / "cassettes")]


GOOD_PROFILE = 'kind = "api-store"\nclient_id_env = "KPN_X_ID"\nclient_secret_env = "KPN_X_SECRET"\n'
PWNED = "pwned-marker"
PYTHON_TAG = "interactions: !!python/object/apply:os.system ['touch {marker}']\nversion: 1\n"
CASSETTE_FILE = ["cassettes/bad.yaml"]

CASES: dict[str, BadInput] = {
    # -- config ------------------------------------------------------------------------------------
    "config-unknown-kind": BadInput(
        lambda t: _config(t, "[profiles.x]\n" + GOOD_PROFILE.replace('"api-store"', '"soap"')),
        lambda t: ["kpn-contract.toml", "'kind'", "profile 'x'"],
    ),
    "config-secret-in-file": BadInput(
        lambda t: _config(t, f'[profiles.x]\n{GOOD_PROFILE}client_secret = "{PLANTED_SECRET}"\n'),
        lambda t: ["kpn-contract.toml", "'client_secret'", "client_secret_env"],
    ),
    "config-missing-env-var": BadInput(
        lambda t: _config(t, "[profiles.x]\n" + GOOD_PROFILE.replace("KPN_X_ID", MISSING_VARIABLE)),
        lambda t: ["kpn-contract.toml", "'client_id_env'", MISSING_VARIABLE],
    ),
    "config-broken-toml": BadInput(
        lambda t: _config(t, f'[profiles.x\nclient_secret = "{PLANTED_SECRET}"\n'),
        lambda t: ["kpn-contract.toml", "broken TOML", "line 1"],
    ),
    "config-unknown-field": BadInput(
        lambda t: _config(t, "[profiles.x]\n" + GOOD_PROFILE + "colour = 'blue'\n"),
        lambda t: ["kpn-contract.toml", "'colour'"],
    ),
    "config-file-missing": BadInput(
        lambda t: ["--config", str(t / "absent.toml"), "token", "--profile", "sandbox"],
        lambda t: ["absent.toml", "not found"],
    ),
    "config-unknown-profile": BadInput(
        lambda t: ["--config", str(_write(t / "kpn-contract.toml", "")), "token", "--profile", "nope"],
        lambda t: ["kpn-contract.toml", "profile 'nope'", "known profiles"],
    ),
    # -- spec ----------------------------------------------------------------------------------------
    "spec-invalid-yaml": BadInput(
        lambda t: _spec(t, "openapi: 3.0.0\ninfo: {title: t, version: '1'\npaths: {}\n"),
        lambda t: ["spec.yaml", "invalid YAML", "line 3"],
    ),
    "spec-unsupported-version": BadInput(
        lambda t: _spec(t, "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"),
        lambda t: ["spec.yaml#/openapi", "unsupported OpenAPI version"],
    ),
    "spec-swagger-1": BadInput(
        lambda t: _spec(t, "swagger: '1.2'\ninfo: {title: t, version: '1'}\npaths: {}\n"),
        lambda t: ["spec.yaml#/swagger", "unsupported Swagger version"],
    ),
    "spec-missing-file": BadInput(
        lambda t: ["specs", str(t / "absent.yaml")], lambda t: ["absent.yaml", "not found"]
    ),
    "spec-not-a-mapping": BadInput(
        lambda t: _spec(t, "- openapi\n- 3.0.0\n"), lambda t: ["spec.yaml", "not a mapping"]
    ),
    "spec-invalid-json": BadInput(
        lambda t: _spec(t, '{"openapi": "3.0.0",', name="spec.json"), lambda t: ["spec.json", "invalid JSON"]
    ),
    "diff-invalid-old-spec": BadInput(
        lambda t: ["diff", _spec(t, "openapi: [", name="old.yaml")[1], _spec(t, "openapi: 3.0.0\n")[1]],
        lambda t: ["old.yaml", "invalid YAML"],
    ),
    # -- cassette -----------------------------------------------------------------------------------
    "cassette-corrupt-yaml": BadInput(
        lambda t: _cassette(t, "interactions:\n- request: {method: GET\n  bad\n"),
        lambda t: [*CASSETTE_FILE, "corrupt YAML"],
    ),
    "cassette-python-tag": BadInput(
        lambda t: _cassette(t, PYTHON_TAG.format(marker=t / PWNED)),
        lambda t: ["cassettes/bad.yaml:1", "unsafe or unknown YAML tag"],
    ),
    "cassette-python-tag-drift": BadInput(
        lambda t: ["drift", _cassette(t, PYTHON_TAG.format(marker=t / PWNED))[1], str(t / "cassettes")],
        lambda t: [*CASSETTE_FILE, "unsafe or unknown YAML tag"],
    ),
    "cassette-wrong-structure": BadInput(
        lambda t: _cassette(t, "interactions:\n- request: 5\n  response: {}\nversion: 1\n"),
        lambda t: ["cassettes/bad.yaml:2", "'interactions[0].request'"],
    ),
    "cassette-wrong-version": BadInput(
        lambda t: _cassette(t, "interactions: []\nversion: 7\n"),
        lambda t: ["cassettes/bad.yaml:2", "'version'", "unsupported cassette format version"],
    ),
    "cassette-not-a-mapping": BadInput(
        lambda t: _cassette(t, "- just\n- a list\n"), lambda t: [*CASSETTE_FILE, "mapping"]
    ),
    "audit-missing-path": BadInput(
        lambda t: ["audit", str(t / "nowhere")], lambda t: ["nowhere", "no such file"]
    ),
    # -- command line --------------------------------------------------------------------------------
    "cli-no-subcommand": BadInput(lambda t: [], lambda t: ["required"], parsed_by_argparse=True),
    "cli-unknown-subcommand": BadInput(
        lambda t: ["frobnicate"], lambda t: ["invalid choice", "'frobnicate'"], parsed_by_argparse=True
    ),
    "cli-missing-required": BadInput(
        lambda t: ["token"], lambda t: ["--profile", "required"], parsed_by_argparse=True
    ),
    "cli-bad-int": BadInput(
        lambda t: ["emulate", "--port", "eighty"], lambda t: ["--port", "'eighty'"], parsed_by_argparse=True
    ),
    "cli-bad-choice": BadInput(
        lambda t: ["token", "--profile", "sandbox", "--target", "mars"],
        lambda t: ["--target", "'mars'"],
        parsed_by_argparse=True,
    ),
    "cli-unknown-option": BadInput(
        lambda t: ["specs", "--colour"],
        lambda t: ["unrecognized arguments", "--colour"],
        parsed_by_argparse=True,
    ),
    "cli-bad-fault-rule": BadInput(
        lambda t: ["emulate", "--port", "0", "--fault", "GET /api/devices=explode"],
        lambda t: ["'explode'", "unknown fault"],
    ),
}


@pytest.fixture(autouse=True)
def planted_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A planted secret in the environment of every case, no credentials otherwise, and a clean cwd."""
    for name in list(os.environ):
        if name.startswith("KPN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KPN_X_SECRET", PLANTED_ENV_SECRET)
    monkeypatch.setenv("KPN_X_ID", "bad-input-client-id")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``--debug`` adds a stderr handler to process-wide loggers; take it away again after the test."""
    names = ("kpn_contract", "httpx", "httpcore")
    saved = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level) for name in names}
    yield
    for name, (handlers, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)


def assert_no_secret(*outputs: str) -> None:
    for text in outputs:
        assert PLANTED_SECRET not in text
        assert PLANTED_ENV_SECRET not in text


@pytest.mark.parametrize("case_id", list(CASES))
def test_bad_input_gives_one_line_and_exit_2(
    case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[case_id]
    code, out, err = run_cli(case.argv(tmp_path), capsys)
    assert code == EXIT_USAGE, f"exit {code}; stderr: {err}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    for text in case.must_name(tmp_path):
        assert text in lines[0], f"{text!r} missing from {lines[0]!r}"
    assert "Traceback" not in err + out
    assert_no_secret(out, err)
    assert not (tmp_path / PWNED).exists(), "a cassette's !!python tag was executed"


@pytest.mark.parametrize("case_id", [name for name, case in CASES.items() if not case.parsed_by_argparse])
@pytest.mark.usefixtures("restore_logging")
def test_debug_shows_the_traceback(case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--debug`` prints the redacted traceback before the same one-line error and exit 2; no secret."""
    case = CASES[case_id]
    code = main(["--debug", *case.argv(tmp_path)])
    out, err = capsys.readouterr()
    assert code == EXIT_USAGE
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("kpn-contract ")
    assert_no_secret(out, err)
    assert not (tmp_path / PWNED).exists()


def test_dangling_ref_is_a_warning_naming_file_and_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {$ref: '#/components/schemas/Nope'}\n"
    )
    code, out, err = run_cli(_spec(tmp_path, spec), capsys)
    assert code == 0
    warnings = [line for line in out.splitlines() if "warning:" in line]
    assert len(warnings) == 1
    assert "spec.yaml#/paths/~1a/get/responses/200" in warnings[0]
    assert "#/components/schemas/Nope" in warnings[0]
    assert err == ""


@pytest.mark.parametrize(
    "text",
    [
        "interactions:\n- request: {method: GET\n  bad\n",
        PYTHON_TAG,
        "interactions:\n- request: 5\nversion: 1\n",
        "interactions: []\nversion: 7\n",
    ],
    ids=["corrupt-yaml", "python-tag", "wrong-structure", "wrong-version"],
)
def test_audit_scans_a_bad_cassette_as_text_and_never_runs_it(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _cassette(tmp_path, text.replace("{marker}", str(tmp_path / PWNED)), command="audit")
    code, out, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    assert "no secrets found" in out
    assert not (tmp_path / PWNED).exists()
    # A secret in the same bad file is still found, and named by line only.
    with (tmp_path / "cassettes" / "bad.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"# client_secret={PLANTED_SECRET}\n")
    code, out, err = run_cli(argv, capsys)
    assert code == 1
    assert "cassettes/bad.yaml:" in out
    assert_no_secret(out, err)


# -- true subprocesses of the installed console script --------------------------------------------------

SCRIPT = Path(sys.executable).with_name("kpn-contract.exe" if sys.platform == "win32" else "kpn-contract")


def run_script(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPN_")}
    env["KPN_X_SECRET"] = PLANTED_ENV_SECRET
    return subprocess.run(
        [str(SCRIPT), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.skipif(
    not SCRIPT.exists(), reason="the kpn-contract console script is not installed in this venv"
)
@pytest.mark.parametrize(
    "case_id", ["config-secret-in-file", "cassette-python-tag", "cli-unknown-subcommand", "spec-invalid-yaml"]
)
def test_console_script_subprocess(case_id: str, tmp_path: Path) -> None:
    case = CASES[case_id]
    argv = case.argv(tmp_path)
    result = run_script(argv, tmp_path)
    assert result.returncode == EXIT_USAGE
    assert len(result.stderr.splitlines()) == 1, result.stderr
    for text in case.must_name(tmp_path):
        assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stdout, result.stderr)
    if not case.parsed_by_argparse:
        debug = run_script(["--debug", *argv], tmp_path)
        assert debug.returncode == EXIT_USAGE
        assert "Traceback (most recent call last)" in debug.stderr
        assert_no_secret(debug.stdout, debug.stderr)
    assert not (tmp_path / PWNED).exists()
