"""The ``kpn`` marker, read strictly: every key and value checked, a typo is an error, not the default."""

from __future__ import annotations

import dataclasses
import re

import pytest

# pytester's in-process runs drop the modules first imported inside them (see test_plugin.py).
import yaml

from kpn_contract.pytest.settings import KPNMarker


@pytest.mark.parametrize(
    ("validate", "request_checked", "response_checked"),
    [
        (True, True, True),
        ("both", True, True),
        ("response", False, True),
        ("request", True, False),
        (False, False, False),
    ],
    ids=["true-means-both", "both", "response-only", "request-only", "false-means-nothing"],
)
def test_validate_says_which_side_is_checked(
    validate: bool | str, request_checked: bool, response_checked: bool
) -> None:
    marker = KPNMarker.from_kwargs((), {"validate": validate})
    assert (marker.validate_request, marker.validate_response) == (request_checked, response_checked)


def test_an_empty_marker_has_the_defaults() -> None:
    marker = KPNMarker.from_kwargs((), {})
    assert marker == KPNMarker(profile=None, validate="both", cassette=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        marker.profile = "things"  # type: ignore[misc]


def test_marker_keeps_profile_and_cassette() -> None:
    marker = KPNMarker.from_kwargs((), {"profile": "things", "cassette": "shared", "validate": False})
    assert (marker.profile, marker.cassette, marker.validate) == ("things", "shared", "none")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (
            (),
            {"profle": "things"},
            (
                "unknown kpn marker key 'profle' (did you mean 'profile'?): "
                "the kpn marker takes profile, validate, cassette"
            ),
        ),
        (
            (),
            {"retries": 3},
            "unknown kpn marker key 'retries': the kpn marker takes profile, validate, cassette",
        ),
        (
            (),
            {"validate": "responses"},
            "kpn marker validate='responses' is not one of True, False, 'response', 'request', 'both'",
        ),
        (
            (),
            {"validate": 1},
            "kpn marker validate=1 is not one of True, False, 'response', 'request', 'both'",
        ),
        (
            (),
            {"validate": None},
            "kpn marker validate=None is not one of True, False, 'response', 'request', 'both'",
        ),
        ((), {"profile": ""}, "kpn marker profile= must be a profile name, not ''"),
        ((), {"cassette": 7}, "kpn marker cassette= must be a cassette name (a string), not 7"),
        (
            ("things",),
            {},
            "the kpn marker takes keyword arguments only, e.g. @pytest.mark.kpn(profile='things')",
        ),
    ],
    ids=[
        "misspelt-key",
        "unknown-key",
        "unknown-validate-word",
        "validate-int",
        "validate-none",
        "empty-profile",
        "cassette-number",
        "positional",
    ],
)
def test_bad_marker_is_one_clear_error(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=r".*") as caught:
        KPNMarker.from_kwargs(args, kwargs)
    assert str(caught.value) == message


def test_misspelt_marker_fails_its_test_instead_of_running_as_sandbox(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profle="things")
        def test_typo_with_fixture(kpn_profile):
            print("BODY RAN as", kpn_profile)

        @pytest.mark.kpn(validate="maybe")
        def test_typo_without_fixture():
            print("BODY RAN")

        @pytest.mark.kpn(profile="things", validate="response")
        def test_good(kpn_profile):
            assert kpn_profile == "things"
        """
    )
    result = pytester.runpytest("-rE", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    out = result.stdout.str()
    assert "BODY RAN" not in out
    assert "Traceback" not in out
    result.stdout.fnmatch_lines(
        [
            "UsageError: unknown kpn marker key 'profle' (did you mean 'profile'?): *",
            "UsageError: kpn marker validate='maybe' is not one of True, False, *",
        ],
        consecutive=False,
    )


def test_a_secret_in_a_bad_marker_value_is_redacted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = "kpnplantedsecret-7f3a9c21e8b44d0a9c5e"
    pytester.makefile(".toml", pyproject="[tool.kpn_contract]\n")
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.kpn(validate={planted!r})
        def test_bad():
            pass
        """
    )
    monkeypatch.setenv("KPN_SANDBOX_CLIENT_SECRET", planted)
    result = pytester.runpytest_subprocess("-rE", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert planted not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*kpn marker validate=*is not one of True, False*"])


def test_validate_scope_decides_which_side_is_held_to_the_contract(pytester: pytest.Pytester) -> None:
    # A request without its token breaks the contract (request.security): refused before it leaves
    # when requests are checked. Sent anyway, KPN Things answers 302, which its spec does not allow:
    # a violation when responses are checked. Only validate=False lets the call through unchecked.
    pytester.makepyfile(
        """
        import pytest

        def call(kpn_client):
            response = kpn_client(authenticated=False).get(
                "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
            )
            assert response.status_code == 302

        @pytest.mark.kpn(profile="things", validate=True)
        def test_true(kpn_client):
            call(kpn_client)

        @pytest.mark.kpn(profile="things", validate="both")
        def test_both(kpn_client):
            call(kpn_client)

        @pytest.mark.kpn(profile="things", validate="response")
        def test_response(kpn_client):
            call(kpn_client)

        @pytest.mark.kpn(profile="things", validate="request")
        def test_request(kpn_client):
            call(kpn_client)

        @pytest.mark.kpn(profile="things", validate=False)
        def test_false(kpn_client):
            call(kpn_client)
        """
    )
    cassettes = pytester.path / "cassettes"
    result = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-record-mode", "once", "--kpn-cassettes", str(cassettes), "-rfE"
    )
    result.assert_outcomes(passed=1, failed=4)
    # A cassette says which side was held to the contract, for `kpn-contract verify`; a refused
    # request is never recorded.
    validated = {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))["kpn_contract"].get("validated", True)
        for path in cassettes.rglob("test_*.yaml")
    }
    assert validated == {"test_response": "response", "test_false": False}
    result.stdout.fnmatch_lines(
        [
            "FAILED *::test_true*",
            "FAILED *::test_both*",
            "FAILED *::test_response*",
            "FAILED *::test_request*",
        ],
        consecutive=False,
    )
    output = result.stdout.str()
    # Counted in the tracebacks only: the short summary repeats the message as wide as the terminal allows.
    refused = re.findall(r"^E\s+kpn_contract\.errors\.RequestViolation: ", output, re.MULTILINE)
    assert len(refused) == 3
    assert "status.auth-failure" in output


def test_an_unknown_profile_is_reported_at_its_marker_with_the_nearest_names(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(
        ".toml",
        pyproject=(
            '[tool.kpn_contract.profiles.team-things]\nkind = "grip"\ntenant_id_env = "T"\n'
            'client_id_env = "I"\nclient_secret_env = "S"\n'
        ),
    )
    pytester.makepyfile(
        test_profiles="""
        import pytest

        @pytest.mark.kpn(profile="team-thngs")
        def test_typo(kpn_client):
            print("BODY RAN")

        @pytest.mark.kpn(profile="team-things")
        class TestGood:
            def test_known(self, kpn_profile):
                assert kpn_profile == "team-things"
        """
    )
    result = pytester.runpytest("-rE", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    out = result.stdout.str()
    assert "BODY RAN" not in out
    assert "Traceback" not in out
    result.stdout.fnmatch_lines(
        [
            (
                "UsageError: test_profiles.py:3: unknown profile 'team-thngs' in the kpn marker of "
                "test_profiles.py::test_typo; did you mean 'team-things'* known profiles: *team-things*"
            ),
        ]
    )
    assert "pyproject.toml" not in out.split("UsageError: ", 1)[1].splitlines()[0]
