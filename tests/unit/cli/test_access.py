"""``kpn-contract access``: the allowed/denied matrix of a grip profile's token, text and JSON."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.cli.access import access_matrix
from kpn_contract.cli.main import main
from kpn_contract.config import _demo
from kpn_contract.contract.model import Operation, Spec
from kpn_contract.emulator import EmulatorServer, EmulatorSettings

KPN_CONTRACT = str(
    Path(sys.executable).with_name("kpn-contract.exe" if sys.platform == "win32" else "kpn-contract")
)
JWT = re.compile(r"[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")


@pytest.fixture(scope="module")
def emulate_project_read() -> Iterator[str]:
    """``kpn-contract emulate --scopes project.read`` as a user starts it: a real process."""
    with subprocess.Popen(
        [KPN_CONTRACT, "emulate", "--port", "0", "--scopes", "project.read"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        assert match
        try:
            yield match.group(0)
        finally:
            if sys.platform == "win32":  # Popen.send_signal takes no SIGINT there
                process.terminate()
            else:
                process.send_signal(signal.SIGINT)
            process.communicate(timeout=10)


@pytest.fixture(scope="module")
def full_emulator() -> Iterator[str]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server.base_url


def _rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.splitlines():
        found = re.match(r"((?:GET|POST|PUT|DELETE) \S+)\s+(\S+)\s+(.+)$", line)
        if found:
            rows[found.group(1)] = found.group(3)
    return rows


def test_project_read_allows_projects_and_denies_devices(
    emulate_project_read: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["access", "--profile", "things", "--emulator-url", emulate_project_read])
    out = capsys.readouterr().out
    rows = _rows(out)
    assert code == 0  # the things profile declares no scopes it expects
    assert rows["GET /projects"] == "allowed"
    assert rows["GET /projects/{projectId}"] == "allowed"
    assert rows["GET /devices"] == "denied (missing device.read)"
    assert rows["POST /devices"] == "denied (missing device.write)"
    assert "the token carries project.read" in out
    assert not JWT.search(out)


def test_json_holds_the_same_matrix(emulate_project_read: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["access", "--profile", "things", "--emulator-url", emulate_project_read])
    text_rows = _rows(capsys.readouterr().out)
    assert (
        main(["access", "--profile", "things", "--emulator-url", emulate_project_read, "--format", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["token_scopes"] == ["project.read"]
    by_key = {row["operation"]: row for row in report["operations"]}
    assert set(by_key) == set(text_rows)
    assert by_key["GET /devices"]["requires"] == ["device.read"]
    assert by_key["GET /devices"]["missing"] == ["device.read"]
    assert by_key["GET /projects"]["access"] == "allowed"
    assert report["summary"]["allowed"] == sum(row["access"] == "allowed" for row in report["operations"])
    # The beta's operations carry no scopes: a valid token may call them.
    assert by_key["GET /api/devices"]["access"] == "allowed"


def test_an_expected_scope_the_token_lacks_fails_and_is_named(
    emulate_project_read: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kpn-contract.toml"
    config.write_text('[profiles.things]\nscopes = ["project.read", "device.read"]\n')
    code = main(
        ["--config", str(config), "access", "--profile", "things", "--emulator-url", emulate_project_read]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "scopes the profile expects: project.read device.read: MISSING device.read" in out
    assert out.rstrip().endswith("lacks the expected scope(s) device.read")


def test_every_expected_scope_carried_passes(full_emulator: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The repository's own things-project-reader profile: its key's tokens carry project.read only.
    code = main(["access", "--profile", "things-project-reader", "--emulator-url", full_emulator])
    out = capsys.readouterr().out
    assert code == 0
    assert "project.read: all carried" in out
    assert _rows(out)["GET /devices"] == "denied (missing device.read)"
    assert _demo.GRIP_PROJECT_READER_CLIENT_SECRET not in out


def test_a_non_grip_profile_is_a_one_line_usage_error(
    full_emulator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["access", "--profile", "sandbox", "--emulator-url", full_emulator]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "access needs a grip profile" in captured.err


def test_an_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["access", "--profile", "nope"]) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_an_unknown_emulate_scope_is_a_one_line_usage_error() -> None:
    result = subprocess.run(
        [KPN_CONTRACT, "emulate", "--port", "0", "--scopes", "device.reed"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "scope 'device.reed' is not declared" in result.stderr


def _operation(key: str, *, security: tuple[str, ...], scopes: tuple[str, ...]) -> Operation:
    method, path = key.split(" ")
    requirements = tuple({name: scopes} for name in security)
    return Operation(
        "x.yaml", "X", method, path, key, (), None, {}, security=security, security_requirements=requirements
    )


def test_matrix_verdicts() -> None:
    spec = Spec("x.yaml", "X", "1", "openapi-3.1", ("https://api.kpnthings.com",), [
        _operation("GET /open", security=(), scopes=()),
        _operation("GET /a", security=("BearerAuth",), scopes=("a.read",)),
        _operation("GET /b", security=("BearerAuth",), scopes=("a.read", "b.read")),
        _operation("GET /any", security=("BearerAuth",), scopes=()),
    ])  # fmt: skip
    rows = {row.operation: (row.access, row.missing) for row in access_matrix([spec], frozenset({"a.read"}))}
    assert rows == {
        "GET /open": ("open", ()),
        "GET /a": ("allowed", ()),
        "GET /b": ("denied", ("b.read",)),
        "GET /any": ("allowed", ()),
    }
    unknown = {row.operation: row.access for row in access_matrix([spec], None)}
    assert unknown == {"GET /open": "open", "GET /a": "unknown", "GET /b": "unknown", "GET /any": "allowed"}
