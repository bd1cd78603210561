"""Cassette names as the plugin derives them: outside the rootdir, hostile marker names, secrets in IDs."""

from __future__ import annotations

import pytest

# pytester's in-process runs drop the modules first imported inside them; see test_plugin.py.
import yaml  # noqa: F401

DEVICES = """
import pytest

@pytest.mark.kpn(profile="things")
def test_devices(kpn_client):
    response = kpn_client().get(
        "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
    )
    assert response.status_code == 200
"""


def test_a_test_file_outside_the_rootdir_records_and_replays(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Regression: `pytest /elsewhere/test_x.py` has the node id "::test_x", which crashed naming with
    # "ValueError: PurePosixPath('.') has an empty name".
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    test_file = elsewhere / "test_outside.py"
    test_file.write_text(DEVICES, encoding="utf-8")
    cassettes = pytester.path / "cassettes"
    common = ["-p", "no:cacheprovider", "--rootdir", str(pytester.path), "--kpn-cassettes", str(cassettes)]
    recorded = pytester.runpytest(
        str(test_file), *common, "--kpn-target", "emulator", "--kpn-record-mode", "once"
    )
    recorded.assert_outcomes(passed=1)
    written = sorted(p.relative_to(cassettes).as_posix() for p in cassettes.rglob("*.yaml"))
    assert "outside-rootdir/test_outside/test_devices.yaml" in written
    assert all(not part.startswith(".") for name in written for part in name.split("/"))
    pytester.runpytest(str(test_file), *common).assert_outcomes(passed=1)  # replayed offline


@pytest.mark.parametrize("name", [".", "./", "", "..", "../x", "/abs", "a/../../b"])
def test_a_marker_cassette_name_that_names_no_file_is_a_usage_error(
    pytester: pytest.Pytester, name: object
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.kpn(cassette={name!r})
        def test_x(kpn_cassette):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError: cassette name *"])
    result.stdout.no_fnmatch_line("*IndexError*")


def test_a_marker_cassette_name_is_sanitised_and_stays_inside(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        DEVICES.replace('kpn(profile="things")', 'kpn(profile="things", cassette="./shared/.hidden name?")')
    )
    cassettes = pytester.path / "rec"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--kpn-target",
        "emulator",
        "--kpn-record-mode",
        "once",
        "--kpn-cassettes",
        str(cassettes),
    )
    result.assert_outcomes(passed=1)
    shared = [p.relative_to(cassettes).as_posix() for p in (cassettes / "shared").iterdir()]
    assert len(shared) == 1
    assert shared[0].startswith("shared/hidden-name-")
    assert shared[0].endswith(".yaml")


def test_a_parametrize_id_holding_a_registered_secret_is_replaced_and_names_no_file(
    pytester: pytest.Pytester,
) -> None:
    secret = "planted-id-secret-8d7c6b"
    pytester.makeconftest(
        f"""
        from kpn_contract.redact import register_secret
        register_secret({secret!r})
        """
    )
    pytester.makepyfile(
        f"""
        import pytest

        SECRET = {secret!r}

        @pytest.mark.parametrize("value", [SECRET, "plain-value", pytest.param(SECRET, id=SECRET)])
        def test_x(kpn_cassette, value):
            assert kpn_cassette.path.name
            print("cassette:", kpn_cassette.path.as_posix())
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-s", "-v", "-W", "error")
    result.assert_outcomes(passed=3)
    # Stable opaque IDs (pytest numbers the two equal IDs first), the same on every run.
    result.stdout.fnmatch_lines(["*test_x[[]REDACTED0[]]*", "*test_x[[]plain-value[]]*"])
    result.stdout.fnmatch_lines(["*test_x[[]REDACTED1[]]*"])
    assert secret not in result.stdout.str()
    cassette_lines = [line for line in result.stdout.lines if "cassette:" in line]
    assert len(cassette_lines) == 3
    assert not any(secret in line for line in cassette_lines)
    again = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    again.stdout.fnmatch_lines(["*test_x[[]REDACTED0[]]", "*test_x[[]REDACTED1[]]"])
