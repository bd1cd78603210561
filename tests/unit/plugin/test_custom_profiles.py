"""A team's own profiles, as issue 13 met them: shared credentials, no secrets offline, short misses."""

from __future__ import annotations

import os
import re

import pytest

# pytester's in-process runs drop the modules first imported inside them (see test_plugin.py).
import yaml  # noqa: F401

TWO_ACME_PROFILES = """
[tool.kpn_contract.profiles.acme-things]
kind = "grip"
tenant_id_env = "ACME_GRIP_TENANT"
client_id_env = "ACME_GRIP_KEY_ID"
client_secret_env = "ACME_GRIP_KEY_SECRET"

[tool.kpn_contract.profiles.acme-things-copy]
kind = "grip"
tenant_id_env = "ACME_COPY_TENANT"
client_id_env = "ACME_COPY_KEY_ID"
client_secret_env = "ACME_COPY_KEY_SECRET"
"""

DEVICES = 'headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}'


def report_block(output: str, header: str) -> str:
    """The failure report under ``header``, up to the next section (warnings, short summary)."""
    after = output.split(header, 1)[1]
    return re.split(r"\n=+ ", after, maxsplit=1)[0]


@pytest.fixture
def acme_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in list(os.environ):
        if name.startswith(("KPN_", "ACME_")):
            monkeypatch.delenv(name)
    pytester.makefile(".toml", pyproject=TWO_ACME_PROFILES)
    pytester.makepyfile(
        test_first=f"""
        import pytest

        @pytest.mark.kpn(profile="acme-things")
        def test_first(kpn_client):
            assert kpn_client().get("/api/devices", {DEVICES}).status_code == 200
        """,
        test_second=f"""
        import pytest

        @pytest.mark.kpn(profile="acme-things-copy")
        def test_second(kpn_client):
            assert kpn_client().get("/api/devices", {DEVICES}).status_code == 200
        """,
    )
    return pytester


@pytest.mark.slow
def test_profiles_sharing_credentials_replay_alone_and_in_either_order(acme_project: pytest.Pytester) -> None:
    # No variable is set: both profiles fall back to the GRIP demo credentials, so they share a key.
    recorded = acme_project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--kpn-target", "emulator", "--kpn-record-mode", "once"
    )
    recorded.assert_outcomes(passed=2)
    tokens = sorted(p.name for p in (acme_project.path / "cassettes" / "tokens").glob("*.yaml"))
    assert len(tokens) == 1, tokens
    assert tokens == ["grip-auth.grip-on-it.com.yaml"]
    # The file name holds neither the client ID nor the tenant.
    assert "emu-grip" not in tokens[0]
    alone_and_both_orders = (
        ["test_first.py"],
        ["test_second.py"],
        ["test_first.py", "test_second.py"],
        ["test_second.py", "test_first.py"],
    )
    for files in alone_and_both_orders:
        replayed = acme_project.runpytest_subprocess("-p", "no:cacheprovider", *files)
        replayed.assert_outcomes(passed=len(files))


@pytest.mark.slow
def test_profiles_sharing_credentials_replay_under_xdist(acme_project: pytest.Pytester) -> None:
    acme_project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--kpn-target", "emulator", "--kpn-record-mode", "once", "-n", "2"
    ).assert_outcomes(passed=2)
    acme_project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2").assert_outcomes(passed=2)


def test_a_missing_cassette_is_a_short_failure_with_the_record_command(
    acme_project: pytest.Pytester,
) -> None:
    result = acme_project.runpytest_subprocess("-p", "no:cacheprovider", "test_first.py")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    block = report_block(out, "_ test_first _")
    lines = [line for line in block.splitlines() if line.strip() and not set(line.strip()) <= {"_", "="}]
    assert len(lines) <= 6, block
    assert lines[0].startswith("no recording for POST https://auth.grip-on-it.com/v2/")
    assert "cassettes/tokens/grip-auth.grip-on-it.com.yaml" in lines[1]
    assert "(does not exist)" in lines[1]
    assert lines[2].strip() == (
        "record it: pytest test_first.py::test_first --kpn-target emulator --kpn-record-mode once"
    )
    assert "site-packages" not in block
    assert "kpn_contract/" not in block.replace("cassettes/", "")
    # The emulator's demo tenant is still a registered secret: the scrubbed URL never shows it.
    assert "emu-grip-tenant" not in out


def test_a_bad_profile_fails_only_the_tests_that_use_it_in_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KPN_TARGET", raising=False)
    pytester.makefile(
        ".toml",
        pyproject='[tool.kpn_contract.profiles.bad]\nkind = "grip"\ntenant_id_env = "T"\n'
        'client_id_env = "I"\nclient_secret_env = "S"\nverify = "missing.pem"\n',
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="bad")
        def test_bad(kpn_client):
            kpn_client()

        def test_good(kpn_profile, kpn_session):
            assert kpn_session.profile(kpn_profile).kind == "api-store"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    block = report_block(result.stdout.str(), "ERROR at setup of test_bad")
    lines = [line for line in block.splitlines() if line.strip() and not set(line.strip()) <= {"_", "="}]
    assert len(lines) == 1, block
    assert lines[0].startswith("ConfigError: ")
    assert "profile 'bad', field 'verify': CA bundle" in lines[0]
