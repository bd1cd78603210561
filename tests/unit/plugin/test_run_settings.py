"""Each run-settings reader sees what ``options_from_sources`` resolved: the header, fixtures, notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

# pytester's in-process runs drop the modules first imported inside them (see test_plugin.py).
import yaml  # noqa: F401

from kpn_contract.notebook import kpn_notebook

TARGET_VARIABLES = ("KPN_TARGET", "KPN_RECORD", "KPN_EMULATOR_URL")
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}


@pytest.fixture
def no_target_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TARGET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_target_variables")
@pytest.mark.parametrize(
    ("env", "config", "args", "expected"),
    [
        ({"KPN_TARGET": "live"}, "", [], "live"),
        ({}, 'target = "emulator"\n', [], "emulator"),
        ({"KPN_TARGET": "live"}, 'target = "emulator"\n', [], "emulator"),
        ({"KPN_TARGET": "emulator"}, "", ["--kpn-target", "replay"], "replay"),
        ({}, "", [], "replay"),
    ],
    ids=["env", "config", "config-beats-env", "option-beats-env", "default"],
)
def test_report_header_shows_the_resolved_target(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    config: str,
    args: list[str],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makefile(".toml", pyproject=f"[tool.kpn_contract]\n{config}")
    pytester.makepyfile(
        f"""
        def test_fixture_agrees(kpn_options):
            assert kpn_options.target == {expected!r}
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    headers = [line for line in result.outlines if line.startswith("kpn_contract:")]
    source = pytester.path / "pyproject.toml"
    cassettes = pytester.path / "cassettes"
    assert headers == [
        f"kpn_contract: target={expected}, record mode=none, config={source}, cassettes={cassettes}"
    ]


@pytest.mark.usefixtures("no_target_variables")
def test_report_header_shows_the_record_mode_and_no_config(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--kpn-target", "emulator", "--kpn-record-mode", "once"
    )
    headers = [line for line in result.outlines if line.startswith("kpn_contract:")]
    cassettes = pytester.path / "cassettes"
    assert headers == [f"kpn_contract: target=emulator, record mode=once, config=none, cassettes={cassettes}"]
    result = pytester.runpytest("-p", "no:cacheprovider")
    headers = [line for line in result.outlines if line.startswith("kpn_contract:")]
    assert headers == ["kpn_contract: target=replay, record mode=none, config=none"]


@pytest.mark.usefixtures("no_target_variables")
def test_a_running_emulator_named_in_the_environment_is_used(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    server = EmulatorServer(EmulatorSettings()).start()
    try:
        monkeypatch.setenv("KPN_EMULATOR_URL", server.base_url)
        pytester.makepyfile(
            f"""
            def test_no_second_emulator(kpn_options, kpn_session):
                assert kpn_options.emulator_url == {server.base_url!r}
            """
        )
        pytester.runpytest("-p", "no:cacheprovider", "--kpn-target", "emulator").assert_outcomes(passed=1)
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_target_variables: None) -> Path:
    del no_target_variables
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_notebook_follows_the_configured_target(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.kpn_contract]\ntarget = "emulator"\n', encoding="utf-8")
    with kpn_notebook("things", cassette="configured", env={"KPN_TARGET": "replay"}) as nb:
        assert nb.target == "emulator"  # [tool.kpn_contract] beats KPN_TARGET, as in pytest
        page = nb.call(
            "GET", "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
        )
        assert page.status == 200  # answered by the emulator the session started: nothing was recorded
    with kpn_notebook("things", cassette="configured", target="replay", env={}) as nb:
        assert nb.target == "replay"  # the argument beats the configuration


def test_notebook_refuses_a_bad_configured_target_in_one_line(project: Path) -> None:
    from kpn_contract.errors import UsageError

    (project / "pyproject.toml").write_text('[tool.kpn_contract]\ntarget = "staging"\n', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        kpn_notebook("things", cassette="x", env={})
    assert caught.value.message == "unknown target 'staging': choose one of replay, emulator, live"
    assert not (project / "cassettes").exists()


def test_notebook_records_with_the_configured_record_mode(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.kpn_contract]\ntarget = "emulator"\nrecord_mode = "once"\n', encoding="utf-8"
    )
    with kpn_notebook("things", cassette="configured", env={}) as nb:
        assert (nb.recording, nb.record_mode) == (True, "once")
        nb.call(
            "GET", "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
        )
    assert (project / "cassettes" / "notebooks" / "configured" / "calls.yaml").exists()
