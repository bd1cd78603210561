"""In pytest, a request that breaks its contract fails the test before it leaves: the emulator never
sees it and no cassette records it. ``kpn(validate=...)`` chooses what is checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kpn_contract.config.run_settings import validation_modes
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.errors import UsageError

ACCEPT = '{"Accept": "application/vnd.kpnthings.device.v1.response+json"}'
BOGUS_SORT = f"""
import pytest

@pytest.mark.kpn(profile="things"MARKER)
def test_bogus_sort(kpn_client):
    response = kpn_client().get("/api/devices", params={{"sortBy": "bogus"}}, headers={ACCEPT})
    assert response.status_code == 400
"""


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings.from_environment({})) as server:
        yield server


def _run(pytester: pytest.Pytester, emulator: EmulatorServer, marker: str, *extra: str) -> pytest.RunResult:
    pytester.makepyfile(test_sort=BOGUS_SORT.replace("MARKER", marker))
    return pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-emulator-url", emulator.base_url, "-p", "no:cacheprovider", *extra
    )


def test_a_bad_query_parameter_fails_before_the_request_is_sent(
    pytester: pytest.Pytester, emulator: EmulatorServer
) -> None:
    result = _run(pytester, emulator, "")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*RequestViolation: 1 contract violation(s) in the request GET*devices?sortBy=bogus (not sent):",
            "*request.parameter.schema at query parameter sortBy in listDevices*",
        ]
    )
    assert (
        'expected enum ["name", "uuid", "description", "barcode", "deviceSpecificationUUID"], got "bogus"'
        in (result.stdout.str())
    )
    assert "GET /api/devices" not in emulator.stats()["requests"]


@pytest.mark.parametrize("marker", [', validate="response"', ", validate=False"])
def test_with_request_validation_off_the_emulator_answers_its_400(
    pytester: pytest.Pytester, emulator: EmulatorServer, marker: str
) -> None:
    result = _run(pytester, emulator, marker)
    result.assert_outcomes(passed=1)
    assert emulator.stats()["requests"]["GET /api/devices"] == 1


def test_nothing_is_recorded_for_a_request_that_was_not_sent(
    pytester: pytest.Pytester, emulator: EmulatorServer
) -> None:
    result = _run(pytester, emulator, "", "--kpn-record-mode", "once", "--kpn-cassettes", "cassettes")
    result.assert_outcomes(failed=1)
    recorded = "".join(p.read_text() for p in Path(pytester.path, "cassettes").rglob("test_bogus_sort*.yaml"))
    assert "sortBy=bogus" not in recorded


def test_request_only_validation_lets_a_broken_response_through(
    pytester: pytest.Pytester, emulator: EmulatorServer
) -> None:
    # An unauthenticated call answers 302 (a response violation); its request carries a bearer token.
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.kpn(profile="things", validate="request")
        def test_302(kpn_client):
            headers = {{**{ACCEPT}, "Authorization": "Bearer not-a-valid-token"}}
            assert kpn_client(authenticated=False).get("/api/devices", headers=headers).status_code == 302
        """
    )
    result = pytester.runpytest("--kpn-target", "emulator", "--kpn-emulator-url", emulator.base_url)
    result.assert_outcomes(passed=1)


def test_an_unknown_validation_mode_is_a_one_line_error(
    pytester: pytest.Pytester, emulator: EmulatorServer
) -> None:
    result = _run(pytester, emulator, ', validate="requests"')
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*kpn marker validate='requests' is not one of True, False, 'response', 'request', 'both'*"]
    )


def test_a_planted_secret_in_a_bad_header_never_reaches_the_output(
    pytester: pytest.Pytester, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = "planted-secret-0b7d3e61c2"  # not registered anywhere: the violation must not quote it
    monkeypatch.setenv("PLANTED_VALUE", planted)  # so that the test's own source does not hold it
    # A credential of the wrong scheme: the request is refused naming the scheme, never the value.
    pytester.makepyfile(
        f"""
        import os

        import pytest

        @pytest.mark.kpn(profile="things")
        def test_secret_in_header(kpn_client):
            wrong = "Token " + os.environ["PLANTED_VALUE"]
            headers = {{**{ACCEPT}, "Authorization": wrong}}
            kpn_client(authenticated=False).get("/api/devices", headers=headers)
        """
    )
    result = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-emulator-url", emulator.base_url, "--junitxml", "junit.xml"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*request.security in listDevices*expected Authorization: Bearer*"])
    assert planted not in result.stdout.str() + result.stderr.str()
    assert planted not in (pytester.path / "junit.xml").read_text()
    assert "GET /api/devices" not in emulator.stats()["requests"]


def test_an_async_client_refuses_a_bad_request_before_sending_it(
    pytester: pytest.Pytester, emulator: EmulatorServer
) -> None:
    pytester.makeini("[pytest]\nanyio_mode = strict\n")
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        @pytest.mark.kpn(profile="things")
        async def test_bogus_sort(kpn_async_client):
            await kpn_async_client().get("/api/devices", params={{"sortBy": "bogus"}}, headers={ACCEPT})
        """
    )
    result = pytester.runpytest("--kpn-target", "emulator", "--kpn-emulator-url", emulator.base_url)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RequestViolation*", "*query parameter sortBy*"])
    assert "ExceptionGroup" not in result.stdout.str()
    assert "GET /api/devices" not in emulator.stats()["requests"]


@pytest.mark.parametrize(
    ("value", "modes"),
    [
        (True, (True, True)),
        ("both", (True, True)),
        ("request", (True, False)),
        ("response", (False, True)),
        (False, (False, False)),
    ],
)
def test_validation_modes(value: object, modes: tuple[bool, bool]) -> None:
    assert validation_modes(value) == modes


@pytest.mark.parametrize("value", ["Response", "requests", 1, None, ""])
def test_a_value_that_is_no_validation_mode_is_refused_in_one_line(value: object) -> None:
    with pytest.raises(UsageError) as info:
        validation_modes(value)
    assert info.value.message.splitlines() == [
        f"validate={value!r} is not a validation mode: use True, False, 'response', 'request', 'both'"
    ]
