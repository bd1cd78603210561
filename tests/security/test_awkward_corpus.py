"""The leak corpus end to end, with planted values that every encoding spells differently.

Each profile variable (client IDs and secrets, the GRIP tenant, the sub-customer) holds
``+ / = & % " ' \\``, a space and a non-ASCII letter around a random core. An emulator accepting exactly
those values serves two pytest runs, each with every pytest sink switched on (``-rA``,
``--showlocals``, ``log_cli`` at DEBUG, a DEBUG log file, ``--junitxml`` with ``junit_logging=all``):

* the KPN contract suite, recording into a temporary cassette directory;
* adversarial tests: secrets in query strings, custom headers (``Basic base64(id:secret)`` too), JSON
  and form bodies, endpoints that echo request values, failing assertions, locals, prints, a user's
  own logger and ``record_property``.

Every artifact (cassettes, lock folder, stdout, stderr, JUnit XML, the log file) is searched for each
planted value and each issued token in every encoded form. The forms are the detector's own
(:func:`kpn_contract.secrets.encoded_forms`) plus forms computed here independently, so the check
cannot pass by sharing a blind spot with the detector.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.secrets import encoded_forms

from .conftest import PLANTED_VARIABLES, clean_environment, issued_tokens

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_TESTS = ["tests/contract/test_things.py", "tests/contract/test_tokens.py"]
AWKWARD = " +/=&%\"'\\ é"
TIMEOUT = 300

ADVERSARIAL = """
import base64, json, logging, os, sys

import pytest

DEVICES = "application/vnd.kpnthings.device.v1.response+json"
ACTUATOR = "application/vnd.kpnthings.actuator.v1.response+json"
SECRET = os.environ["KPN_GRIP_CLIENT_SECRET"]
TENANT = os.environ["KPN_GRIP_TENANT_ID"]
SUBCUSTOMER = os.environ["KPN_THINGS_SUBCUSTOMER_ID"]
SANDBOX_ID, SANDBOX_SECRET = os.environ["KPN_SANDBOX_CLIENT_ID"], os.environ["KPN_SANDBOX_CLIENT_SECRET"]
log = logging.getLogger("adversarial.user")


@pytest.mark.kpn(profile="things", validate=False)
def test_secrets_in_a_query_string_are_echoed_back(kpn_client):
    response = kpn_client().get(
        "/api/devices", params={"search": SECRET, "sortBy": TENANT}, headers={"Accept": DEVICES}
    )
    log.debug("answer %s to %s", response.text, response.request.url)
    assert response.status_code == 400


@pytest.mark.kpn(profile="things", validate=False)
def test_secrets_in_custom_headers(kpn_client):
    basic = base64.b64encode(f"{SANDBOX_ID}:{SANDBOX_SECRET}".encode()).decode()
    headers = {
        "Accept": DEVICES,
        "x-trace": SECRET.encode(),
        "x-proxy-authorization": f"Basic {basic}",
        "x-client-id": SUBCUSTOMER.encode(),
    }
    response = kpn_client(subcustomer=False).get("/api/devices", headers=headers)
    log.info("sent %r, got %s", dict(response.request.headers), response.text)
    assert response.status_code == 403  # the sub-customer was never granted: the answer echoes it


@pytest.mark.kpn(profile="things", validate=False)
def test_secrets_in_json_and_form_bodies(kpn_client):
    client = kpn_client()
    as_json = client.post(
        "/api/actuator/downlinks",
        json=[{"bn": SECRET, "n": "payloadHex", "vs": "01", "note": TENANT}],
        headers={"Accept": ACTUATOR},
    )
    as_form = client.post(
        "/api/actuator/downlinks", data={"secret": SECRET, "tenant": TENANT}, headers={"Accept": ACTUATOR}
    )
    log.warning("bodies %s / %s", as_json.request.content, as_form.request.content)
    assert as_json.status_code == as_form.status_code == 400


def test_a_failing_assertion_with_secrets_in_locals_prints_and_logs(kpn_token):
    kpn_environment = {name: value for name, value in os.environ.items() if name.startswith("KPN_")}
    token = kpn_token("things")
    print("printed", SECRET, json.dumps({"tenant": TENANT}, ensure_ascii=False), repr(SUBCUSTOMER))
    sys.stderr.write(f"stderr {TENANT!r} {json.dumps(SECRET)}\\n")
    log.error("logged %s and %r", SECRET, kpn_environment)
    assert SECRET == token, kpn_environment


def test_record_property_and_a_long_value(record_property, kpn_token):
    record_property("tenant", TENANT)
    record_property("pair", (SANDBOX_ID, SANDBOX_SECRET))
    assert kpn_token("sandbox")
    assert f"{TENANT}/{SUBCUSTOMER}" in ["something else"]
"""

SINKS = [
    "-rA",
    "--showlocals",
    "-vv",
    "-o",
    "log_cli=true",
    "--log-cli-level=DEBUG",
    "--log-level=DEBUG",
    "--log-file-level=DEBUG",
    "-o",
    "junit_logging=all",
    "-p",
    "no:cacheprovider",
]


def awkward_value(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}{AWKWARD}ø"


@pytest.fixture(scope="module")
def planted() -> dict[str, str]:
    # A fresh module-level fixture: these values differ from the hex-only ones of test_secret_leaks.
    return {name: awkward_value(f"aw{index}") for index, name in enumerate(PLANTED_VARIABLES)}


@pytest.fixture(scope="module")
def emulator(planted: dict[str, str]) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings.from_environment(planted)) as server:
        yield server


def own_forms(value: str) -> set[str]:
    """Spellings computed here, without the detector."""
    raw = value.encode("utf-8")
    return {
        value,
        repr(value)[1:-1],
        ascii(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value, safe="").lower(),
        quote_plus(value),
        base64.b64encode(raw).decode(),
        raw.decode("latin-1"),
    }


def all_forms(values: Mapping[str, str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for label, value in values.items():
        for form in [*own_forms(value), *encoded_forms(value)]:
            forms.setdefault(form, label)
    return forms


def traces(texts: Mapping[str, str], forms: Mapping[str, str]) -> list[str]:
    """``where: label`` for each artifact holding a form of a value; never the value itself."""
    return sorted(
        {
            f"{where}: {label}"
            for where, text in texts.items()
            for form, label in forms.items()
            if form in text
        }
    )


def artifacts(folder: Path, run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".py"):
        texts[path.relative_to(folder).as_posix()] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def _run(args: Iterable[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


def _sink_args(out: Path, emulator: EmulatorServer) -> list[str]:
    return [
        *SINKS,
        f"--junitxml={out / 'junit.xml'}",
        f"--log-file={out / 'pytest.log'}",
        "--kpn-target=emulator",
        "--kpn-record-mode=all",
        f"--kpn-cassettes={out / 'cassettes'}",
        f"--kpn-emulator-url={emulator.base_url}",
    ]


@pytest.fixture(scope="module")
def contract_run(
    planted: dict[str, str], emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("contract-awkward")
    run = _run([*CONTRACT_TESTS, *_sink_args(out, emulator)], REPO_ROOT, clean_environment(planted))
    return out, run


@pytest.fixture(scope="module")
def adversarial_run(
    planted: dict[str, str], emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    project = tmp_path_factory.mktemp("adversarial")
    (project / "test_adversarial.py").write_text(ADVERSARIAL, encoding="utf-8")
    out = project / "out"
    out.mkdir()
    run = _run(_sink_args(out, emulator), project, clean_environment(planted))
    return out, run


@pytest.mark.slow
def test_recording_the_contract_suite_leaves_no_trace(
    contract_run: tuple[Path, subprocess.CompletedProcess[str]],
    planted: dict[str, str],
    emulator: EmulatorServer,
) -> None:
    out, run = contract_run
    texts = artifacts(out, run)
    cassettes = [name for name in texts if name.startswith("cassettes/") and name.endswith(".yaml")]
    assert len(cassettes) >= 10, run.stdout[-3000:]
    assert "junit.xml" in texts
    assert "pytest.log" in texts
    assert " passed" in run.stdout.splitlines()[-1], run.stdout[-3000:]
    tokens = issued_tokens(emulator)
    assert tokens
    values = {**planted, **{f"issued token #{n}": token for n, token in enumerate(tokens)}}
    assert traces(texts, all_forms(values)) == []


@pytest.mark.slow
def test_adversarial_tests_leave_no_trace_in_any_sink(
    adversarial_run: tuple[Path, subprocess.CompletedProcess[str]],
    planted: dict[str, str],
    emulator: EmulatorServer,
) -> None:
    out, run = adversarial_run
    texts = artifacts(out, run)
    summary = run.stdout.splitlines()[-1]
    assert "2 failed, 3 passed" in summary, run.stdout[-3000:]  # the two failing assertions really ran
    stdout = run.stdout
    # Each sink was really written to, so "no trace" is not "no output".
    assert "-- Captured stdout call --" in stdout
    assert "printed REDACTED" in stdout
    assert "kpn_environment = " in stdout  # --showlocals
    assert "DEBUG" in texts["pytest.log"]
    assert "<system-out>" in texts["junit.xml"]
    assert '<property name="tenant" value="REDACTED"' in texts["junit.xml"]
    assert any("'REDACTED' (x-client-id)" in text for text in texts.values())  # the emulator's echo
    tokens = issued_tokens(emulator)
    values = {**planted, **{f"issued token #{n}": token for n, token in enumerate(tokens)}}
    assert traces(texts, all_forms(values)) == []


def test_the_forms_checked_are_not_vacuous(planted: dict[str, str]) -> None:
    # Each form computed here for a planted value is found by the combined search, and they differ.
    value = planted["KPN_GRIP_TENANT_ID"]
    forms = all_forms({"tenant": value})
    own = own_forms(value)
    assert len(own) >= 8
    for form in own:
        assert traces({"artifact": f"<{form}>"}, forms) == ["artifact: tenant"]
    assert traces({"artifact": "nothing of it"}, forms) == []
