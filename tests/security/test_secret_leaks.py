"""The secret-leak corpus: planted credentials and issued tokens pushed through every sink, zero hits each.

Random values are planted in every ``KPN_*`` variable of the four default profiles (client IDs and
secrets, the GRIP tenant, the sub-customer), an emulator accepting exactly them issues real tokens,
and each test sends them through one place output ends up: cassettes, DEBUG logs, ``pytest -vv``
failure output, JUnit XML, notebook outputs, CLI output, exception messages, reprs, and the diff
and drift reports. Each asserts that no planted value and no issued token occurs there. Failure
messages name the leaked value's label, never the value.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kpn_contract.cassettes.audit import audit, format_findings
from kpn_contract.cassettes.store import Cassette, Interaction, save_cassette
from kpn_contract.cli.main import main
from kpn_contract.config.profiles import load_config, resolve_credentials
from kpn_contract.config.run_settings import SessionOptions
from kpn_contract.emulator import EmulatorServer
from kpn_contract.errors import CassetteError, ConfigError, ContractViolation, TokenError
from kpn_contract.logs import configure_debug_logging
from kpn_contract.redact import forget_secrets
from kpn_contract.session.kpn_session import KPNSession

from .conftest import all_values, clean_environment, issued_tokens, leaks, leaks_in_files, random_secret

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_TESTS = ["tests/contract/test_things.py", "tests/contract/test_tokens.py"]
DEVICES_JSON = "application/vnd.kpnthings.device.v1.response+json"
PARLEY_CONFIG = "https://api-prd.kpn.com/communication/parley/secure-messenger/config"
PARLEY_DEVICE = {"uniqueAppDeviceId": "leak-test-device"}  # a header Parley's config call requires
GATEWAY_TOKEN = "POST /oauth/client_credential/accesstoken"
SUBPROCESS_TIMEOUT = 180


def _pytest(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def _session(emulator: EmulatorServer, env: dict[str, str], tmp: Path, **options: Any) -> KPNSession:
    config = load_config(start=tmp)
    opts = SessionOptions(
        target="emulator", emulator_url=emulator.base_url, cassette_dir=tmp / "cassettes", **options
    )
    return KPNSession(config, opts, env=env)


# -- the runs several sinks read ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(
    planted: dict[str, str], leak_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The contract suite recorded through the plugin (``--kpn-record-mode all``), planted credentials set."""
    cassettes = tmp_path_factory.mktemp("recorded") / "cassettes"
    args = [
        *CONTRACT_TESTS,
        "-q",
        "--kpn-target=emulator",
        "--kpn-record-mode=all",
        f"--kpn-cassettes={cassettes}",
        f"--kpn-emulator-url={leak_emulator.base_url}",
    ]
    result = _pytest(args, REPO_ROOT, clean_environment(planted))
    return cassettes, result


FAILING_TESTS = f"""
import pytest

@pytest.mark.kpn(profile="sandbox")
def test_fails_on_a_contract_violation(kpn_client):
    kpn_client().get("{PARLEY_CONFIG}", headers={PARLEY_DEVICE})

@pytest.mark.kpn(profile="project")
def test_fails_on_a_token_error(kpn_token):
    kpn_token()

@pytest.mark.kpn(profile="things-subcustomer")
def test_passes_and_logs(kpn_client):
    response = kpn_client(subcustomer=False).get("/api/devices", headers={{"Accept": "{DEVICES_JSON}"}})
    assert response.status_code == 200
"""


@pytest.fixture(scope="module")
def failing_run(
    planted: dict[str, str], leak_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, str]]:
    """``pytest -vv`` with DEBUG logs and JUnit XML on a test failing with a ContractViolation whose
    response echoes the client ID and the token, and one failing on a TokenError (a wrong, planted secret)."""
    folder = tmp_path_factory.mktemp("failing")
    (folder / "test_leaky.py").write_text(FAILING_TESTS, encoding="utf-8")
    junit = folder / "junit.xml"
    wrong = random_secret("wrong")
    # The token body cut in half: invalid JSON, yet it still holds the client ID and part of the token.
    leak_emulator.add_fault_rule(f"{GATEWAY_TOKEN}=malformed-json:times=1")
    args = [
        "-vv",
        "-rA",
        "--log-level=DEBUG",
        f"--junitxml={junit}",
        "--kpn-target=emulator",
        f"--kpn-emulator-url={leak_emulator.base_url}",
        f"--kpn-cassettes={folder / 'cassettes'}",
    ]
    result = _pytest(args, folder, clean_environment(planted, KPN_PROJECT_CLIENT_SECRET=wrong))
    leak_emulator.clear_faults()
    return result, junit, {"wrong project secret": wrong}


# -- 1. cassettes --------------------------------------------------------------------------------------------


def test_cassettes_hold_no_secret(
    recording: tuple[Path, subprocess.CompletedProcess[str]],
    planted: dict[str, str],
    leak_emulator: EmulatorServer,
) -> None:
    cassettes, result = recording
    files = sorted(cassettes.rglob("*.yaml"))
    assert len(files) >= 10, f"the recording run wrote {len(files)} cassettes:\n{result.stdout[-2000:]}"
    tokens = issued_tokens(leak_emulator)
    assert tokens, "the recording run obtained no token"
    values = all_values(planted, tokens)
    assert leaks_in_files(files, values) == []
    assert leaks(result.stdout + result.stderr, values) == []
    # The audit agrees: nothing known, nothing shaped like a secret.
    assert audit([cassettes], secrets=values.values(), environ={}) == []


def test_audit_finds_a_planted_leak_by_line_without_printing_it(
    recording: tuple[Path, subprocess.CompletedProcess[str]], planted: dict[str, str], tmp_path: Path
) -> None:
    cassettes, _ = recording
    leaky = tmp_path / "leaky.yaml"
    original = sorted(cassettes.rglob("*.yaml"))[0].read_text(encoding="utf-8").splitlines()
    secret = planted["KPN_GRIP_CLIENT_SECRET"]
    leaky.write_text(
        "\n".join([*original[:3], f"# pasted by mistake: {secret}", *original[3:]]), encoding="utf-8"
    )
    findings = audit([leaky], secrets=[secret], environ={})
    assert [(f.path, f.line) for f in findings] == [(str(leaky), 4)]
    assert secret not in format_findings(findings)


# -- 2. logs at DEBUG --------------------------------------------------------------------------------------


@pytest.fixture
def debug_stream(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """``configure_debug_logging`` (what ``--debug`` installs) writing into capsys; removed afterwards."""
    names = ("kpn_contract", "httpx", "httpcore")
    saved = {name: logging.getLogger(name).level for name in names}
    handler = configure_debug_logging(logging.DEBUG)
    yield capsys
    for name in names:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(saved[name])


def test_debug_logs_hold_no_secret(
    planted: dict[str, str],
    leak_emulator: EmulatorServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    debug_stream: pytest.CaptureFixture[str],
) -> None:
    """Token fetches, retries, renewals and auth failures, logged at DEBUG: the toolkit's own records are
    clean as created, and everything the ``--debug`` handler writes (httpx and httpcore too) is redacted."""
    caplog.set_level(logging.DEBUG)
    env = dict(planted)
    leak_emulator.add_fault_rule("POST /v2/*=503:times=1")  # a token retry
    leak_emulator.add_fault_rule("GET /api/devices=503:times=1")  # an API retry
    leak_emulator.add_fault_rule("POST /oauth/*=expire-early:0.2:times=1")  # a renewal after a 401
    session = _session(leak_emulator, env, tmp_path)
    wrong = random_secret("wrong")
    try:
        for profile in ("things", "things-subcustomer"):
            with session.client(profile, subcustomer=False) as client:
                assert client.get("/api/devices", headers={"Accept": DEVICES_JSON}).status_code == 200
        with session.client("sandbox") as client:
            client.get(PARLEY_CONFIG, headers=PARLEY_DEVICE)
            time.sleep(0.3)
            assert client.get(PARLEY_CONFIG, headers=PARLEY_DEVICE).status_code == 200
        failing = _session(leak_emulator, {**env, "KPN_PROJECT_CLIENT_SECRET": wrong}, tmp_path / "x")
        with pytest.raises(TokenError):
            failing.token("project")
        failing.close()
    finally:
        session.close()
        leak_emulator.clear_faults()
    values = all_values(planted, issued_tokens(leak_emulator), wrong_secret=wrong)
    own = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kpn_contract"))
    assert "retrying" in own, "the scenario logged no retry"
    assert "authentication failure" in own, "the scenario logged no token renewal"
    assert leaks(own, values) == []
    written = debug_stream.readouterr().err
    assert "HTTP Request" in written, "httpx's request lines should reach the --debug handler"
    assert leaks(written, values) == []


# -- 3 and 4. pytest -vv failure output and JUnit XML ----------------------------------------------------


def test_pytest_failure_output_holds_no_secret(
    failing_run: tuple[subprocess.CompletedProcess[str], Path, dict[str, str]],
    planted: dict[str, str],
    leak_emulator: EmulatorServer,
) -> None:
    result, _, extra = failing_run
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "2 failed, 1 passed" in output
    assert "ContractViolation" in output
    assert "TokenError" in output
    assert leaks(output, all_values(planted, issued_tokens(leak_emulator), **extra)) == []


def test_junit_xml_holds_no_secret(
    failing_run: tuple[subprocess.CompletedProcess[str], Path, dict[str, str]],
    planted: dict[str, str],
    leak_emulator: EmulatorServer,
) -> None:
    _, junit, extra = failing_run
    xml = junit.read_text(encoding="utf-8")
    assert xml.count("<failure") == 2
    assert leaks(xml, all_values(planted, issued_tokens(leak_emulator), **extra)) == []
    assert audit([junit], secrets=planted.values(), environ={}) == []


# -- 5. notebook outputs ----------------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    (
        "from kpn_contract.notebook import session\n"
        'kpn = session("things-subcustomer", target="emulator", cassette="leaks", record=True)\nkpn'
    ),
    f'ACCEPT = "{DEVICES_JSON}"\nkpn.token()',
    'page = kpn.call("GET", "/api/devices", subcustomer=False, headers={"Accept": ACCEPT})\npage',
    "page.json()['content'][:1]",
    'kpn.token_attempt("sandbox", client_secret="wrong-secret-from-a-notebook")',
    'print(kpn.kpn.credentials("things-subcustomer"), kpn.kpn.profile("things-subcustomer"))',
    "kpn.violations",
    "kpn.close()",
]


@pytest.mark.slow
def test_notebook_outputs_hold_no_secret(
    planted: dict[str, str], leak_emulator: EmulatorServer, tmp_path: Path
) -> None:
    pytest.importorskip("kpn_contract.notebook", reason="the notebook helpers are not built yet")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    env = clean_environment(planted, KPN_EMULATOR_URL=leak_emulator.base_url, MPLBACKEND="Agg")
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(env=env, cwd=str(tmp_path))
    path = tmp_path / "leaks.ipynb"
    nbformat.write(notebook, path)
    outputs = [o for cell in notebook.cells for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"], "a notebook cell failed"
    values = all_values(planted, issued_tokens(leak_emulator))
    assert leaks(path.read_text(encoding="utf-8"), values) == []
    recorded = sorted((tmp_path / "cassettes").rglob("*.yaml"))
    assert recorded, "the notebook recorded no cassette"
    assert leaks_in_files(recorded, values) == []


# -- 6. CLI output ----------------------------------------------------------------------------------------


@pytest.fixture
def planted_env(planted: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The planted values in os.environ, and an empty secret registry: the CLI must find them itself."""
    for name, value in clean_environment(planted).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    forget_secrets()
    yield
    forget_secrets()


def _spec_with(secret: str, *, enum_value: str, kind: str) -> str:
    """A one-operation spec whose response schema carries ``secret`` in an example, an enum and a default."""
    return textwrap.dedent(
        f"""\
        openapi: 3.0.3
        info: {{title: Leaky, version: "{kind}"}}
        servers: [{{url: "https://api-prd.kpn.com/leaky"}}]
        paths:
          /things:
            get:
              operationId: listThings
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [name]
                        properties:
                          name: {{type: {kind}, example: "{secret}", default: "{secret}"}}
                          mode: {{type: string, enum: ["{enum_value}", "plain"]}}
                          client_secret: {{type: string, example: "{secret}"}}
                      example: {{name: "{secret}", access_token: "{secret}"}}
        """
    )


def _spec_pair(folder: Path, secret: str) -> tuple[Path, Path]:
    old = folder / "old.yaml"
    new = folder / "new.yaml"
    old.write_text(_spec_with(secret, enum_value=secret, kind="string"), encoding="utf-8")
    new.write_text(_spec_with(secret, enum_value="changed", kind="integer"), encoding="utf-8")
    return old, new


def _recordings(folder: Path, body: dict[str, Any]) -> Path:
    interaction = Interaction(
        method="GET",
        uri="https://api.kpnthings.com/api/devices",
        request_headers=(("Accept", DEVICES_JSON),),
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=(("Content-Type", DEVICES_JSON),),
        response_body=json.dumps(body).encode(),
    )
    folder.mkdir(parents=True)
    save_cassette(
        Cassette(path=folder / "devices.yaml", interactions=[interaction], meta={"target": "emulator"})
    )
    return folder


def _drift_pair(folder: Path, secret: str) -> tuple[Path, Path]:
    device = {"uuid": "d1", "name": "sensor", "barcode": "b1"}
    baseline = {"content": [device], "number": 0, "size": 20, "totalElements": 1}
    changed = {**device, "name": 12345, "note": secret, "barcode": secret}
    new = {**baseline, "content": [changed], "extra": secret, "size": secret}
    return _recordings(folder / "baseline", baseline), _recordings(folder / "new", new)


CLI_COMMANDS = ["token-gateway", "token-grip", "diff", "drift", "verify", "audit"]


@pytest.mark.parametrize("command", CLI_COMMANDS)
@pytest.mark.usefixtures("planted_env")
def test_cli_output_holds_no_secret(
    command: str,
    planted: dict[str, str],
    leak_emulator: EmulatorServer,
    recording: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = planted["KPN_SANDBOX_CLIENT_SECRET"]
    if command == "diff":
        old, new = map(str, _spec_pair(tmp_path, secret))
        argvs = [["diff", old, new, "--format", fmt] for fmt in ("text", "markdown", "json", "junit")]
    elif command == "drift":
        baseline, changed = map(str, _drift_pair(tmp_path, secret))
        argvs = [
            ["drift", baseline, changed, "--format", fmt] for fmt in ("text", "markdown", "json", "junit")
        ]
    elif command in ("verify", "audit"):
        argvs = [[command, str(recording[0])]]
    else:
        profile = "sandbox" if command == "token-gateway" else "things-subcustomer"
        argvs = [["token", "--profile", profile, "--emulator-url", leak_emulator.base_url]]
    codes = []
    output = ""
    for argv in argvs:
        codes.append(main(argv))
        out, err = capsys.readouterr()
        output += out + err
    assert all(code in (0, 1) for code in codes), output
    if command.startswith("token"):
        assert codes == [0]
        assert "token:" in output
    if command == "diff":
        assert 1 in codes, f"the planted change should be breaking:\n{output}"
    if command == "drift":  # KPN Things is a beta: its drift is a warning, not a failure
        assert "type-changed" in output
    if command == "audit":
        assert "no secrets found" in output
    assert leaks(output, all_values(planted, issued_tokens(leak_emulator))) == []


# -- 7. exception messages -------------------------------------------------------------------------------


def test_exception_messages_hold_no_secret(
    planted: dict[str, str], leak_emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = dict(planted)
    wrong = random_secret("wrong")
    messages: list[str] = []

    def caught(call: Any) -> None:
        try:
            call()
        except (TokenError, ConfigError, CassetteError, ContractViolation, httpx.HTTPError) as error:
            messages.append(f"{type(error).__name__}: {error}\n{error!r}")
        else:
            pytest.fail("the call should have failed")

    # TokenError: a wrong secret, and a response that is no token at all.
    failing = _session(leak_emulator, {**env, "KPN_GRIP_CLIENT_SECRET": wrong}, tmp_path / "a")
    caught(lambda: failing.token("things"))
    failing.close()
    # ContractViolation: the gateway token body (client ID, token) cut in half.
    leak_emulator.add_fault_rule(f"{GATEWAY_TOKEN}=malformed-json:times=1")
    session = _session(leak_emulator, env, tmp_path / "b")
    caught(lambda: session.token("sandbox"))
    session.close()
    # ConfigError: a secret written in the config file, and a credential too short to scrub.
    config = tmp_path / "bad-config" / "kpn-contract.toml"
    config.parent.mkdir()
    config.write_text(f'[profiles.sandbox]\nclient_secret = "{planted["KPN_SANDBOX_CLIENT_SECRET"]}"\n')
    caught(lambda: load_config(config).profile("sandbox"))
    profile = load_config(start=tmp_path / "a").profile("things")
    caught(lambda: resolve_credentials(profile, {**env, "KPN_GRIP_CLIENT_SECRET": "abc"}))
    # CassetteError: replay has no recording of a request that carries the tenant and the token.
    replay = KPNSession(
        load_config(start=tmp_path / "a"),
        SessionOptions(target="replay", cassette_dir=tmp_path / "empty"),
        env=env,
    )
    handle = replay.open_cassette(tmp_path / "empty" / "t.yaml", ["things"])
    with replay.client("things", cassette=handle) as client:
        caught(lambda: client.get("/api/devices"))
    handle.close()
    replay.close()
    # Every kind constructed around the planted values directly: once a session has resolved the four
    # profiles (which registers their credentials), the constructors redact them.
    resolver = _session(leak_emulator, env, tmp_path / "c")
    for name in ("sandbox", "project", "things", "things-subcustomer"):
        resolver.credentials(name)
    resolver.close()
    for value in planted.values():
        caught(lambda v=value: (_ for _ in ()).throw(TokenError(f"x {v}", hint=f"h {v}", profile="p")))
        caught(lambda v=value: (_ for _ in ()).throw(CassetteError(f"bad {v}", path="c.yaml", line=1)))
        caught(lambda v=value: (_ for _ in ()).throw(ConfigError(f"bad {v}", profile="p", field="f")))
    assert len(messages) == 5 + 3 * len(planted)
    values = all_values(planted, issued_tokens(leak_emulator), wrong_secret=wrong)
    hits = [f"message {n}: {label}" for n, text in enumerate(messages) for label in leaks(text, values)]
    assert hits == []


# -- 8. reprs ---------------------------------------------------------------------------------------------


def test_reprs_hold_no_secret(planted: dict[str, str], leak_emulator: EmulatorServer, tmp_path: Path) -> None:
    session = _session(leak_emulator, dict(planted), tmp_path, record_mode="all")
    objects: list[object] = [session, session.options, session.config, session.cache, leak_emulator]
    try:
        for name in ("sandbox", "project", "things", "things-subcustomer"):
            token = session.token(name)
            handle = session.open_cassette(tmp_path / f"{name}.yaml", [name])
            client = session.client(name, cassette=handle)
            objects += [
                session.profile(name),
                session.credentials(name),
                session.provider(name),
                token,
                client,
                client.auth,
                client._transport,
                handle,
                session.token_client(name),
                dataclasses.replace(session.profile(name)),
            ]
            client.close()
            handle.close()
    finally:
        session.close()
    values = all_values(planted, issued_tokens(leak_emulator))
    hits = [f"{type(o).__name__}: {label}" for o in objects for label in leaks(repr(o) + str(o), values)]
    assert hits == []


# -- 9 and 10. diff and drift reports ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit"])
@pytest.mark.usefixtures("planted_env")
def test_diff_report_holds_no_secret(fmt: str, planted: dict[str, str], tmp_path: Path) -> None:
    from kpn_contract.drift.report import run_diff

    secret = planted["KPN_GRIP_CLIENT_SECRET"]
    old, new = _spec_pair(tmp_path, secret)
    assert secret in old.read_text(), "the secret must be planted in the spec"
    output = tmp_path / f"report.{fmt}"
    code = main(["diff", str(old), str(new), "--format", fmt, "--output", str(output)])
    report, _ = run_diff(old, new, fmt=fmt)
    assert code == 1
    assert leaks(output.read_text(encoding="utf-8"), planted) == []
    # The library call, once a front door has registered the environment's credentials.
    assert leaks(report, planted) == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit"])
@pytest.mark.usefixtures("planted_env")
def test_drift_report_holds_no_secret(fmt: str, planted: dict[str, str], tmp_path: Path) -> None:
    from kpn_contract.drift.report import run_drift

    secret = planted["KPN_THINGS_SUBCUSTOMER_ID"]
    baseline, new = _drift_pair(tmp_path, secret)
    assert secret in (new / "devices.yaml").read_text(), "the secret must be planted in the recording"
    output = tmp_path / f"drift.{fmt}"
    code = main(["drift", str(baseline), str(new), "--format", fmt, "--output", str(output)])
    report, _ = run_drift([baseline], [new], fmt=fmt)
    assert code == 0  # KPN Things is a beta: its drift is reported as warnings
    assert "type-changed" in report
    assert leaks(output.read_text(encoding="utf-8"), planted) == []
    assert leaks(report, planted) == []


def test_the_leak_check_itself_finds_a_planted_value(planted: dict[str, str]) -> None:
    """The detector every sink relies on: it reports a label, and it does find a value."""
    text = f"prefix {planted['KPN_GRIP_TENANT_ID']} suffix"
    assert leaks(text, planted) == ["KPN_GRIP_TENANT_ID"]
