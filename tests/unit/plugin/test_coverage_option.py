"""``--kpn-coverage``, ``--kpn-coverage-fail-under`` and the stale-replay count, through pytester runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

# pytester's in-process runs drop the modules first imported inside them; PyYAML's C extension cannot
# be imported twice (see test_plugin.py).
import yaml

from kpn_contract.contract.specs import bundled_spec_dir, project_index

PLANTED = "planted-coverage-query-value-6f2b9d"
TESTS = f"""
import pytest

ACCEPT = {{"Accept": "application/vnd.kpnthings.device.v1.response+json"}}

@pytest.mark.kpn(profile="things")
def test_devices(kpn_client):
    response = kpn_client().get("/api/devices", params={{"search": "{PLANTED}"}}, headers=ACCEPT)
    assert response.status_code == 200

@pytest.mark.kpn(profile="things", validate=False)
def test_without_a_token(kpn_client):
    assert kpn_client(authenticated=False).get("/api/devices", headers=ACCEPT).status_code == 302
"""


def operation(report: dict[str, Any], key: str) -> dict[str, Any]:
    found = [op for spec in report["specs"] for op in spec["operations"] if op["operation"] == key]
    assert len(found) == 1
    only: dict[str, Any] = found[0]
    return only


def test_the_run_writes_its_coverage_and_summarises_each_spec(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TESTS)
    result = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-coverage", "out/coverage.json", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)
    text = (pytester.path / "out" / "coverage.json").read_text(encoding="utf-8")
    report = json.loads(text)
    assert report["source"] == "pytest"
    devices = operation(report, "GET /api/devices")
    assert devices["statuses_seen"] == {"200": 1, "302": 1}  # the unvalidated call counts too
    assert "query search" in devices["parameters_exercised"]
    assert operation(report, "POST /v2/{tenantId}/oidc/idp/c1/token")["calls"] == 1  # the token, once
    assert report["totals"]["operations_called"] == 2
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*= kpn_contract =*", "coverage: total: 2/*operations called*(written to out/coverage.json)"]
    )
    for spec in report["specs"]:
        assert sum(line.startswith(f"  {spec['title']} ") for line in output.splitlines()) == 1
    assert PLANTED not in text
    assert PLANTED not in output


# Just below the share the two tests reach (2 operations called of every bundled one declared).
JUST_BELOW = f"{math.floor(20000 / len(project_index(bundled_spec_dir()).operations)) / 100:.2f}"


@pytest.mark.parametrize(("threshold", "code"), [("100", 1), ("0", 0), (JUST_BELOW, 0)])
def test_fail_under_compares_operations_called_with_declared(
    pytester: pytest.Pytester, threshold: str, code: int
) -> None:
    pytester.makepyfile(test_calls=TESTS)
    result = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-coverage-fail-under", threshold, "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)
    assert result.ret == code
    if code:
        result.stdout.fnmatch_lines(
            [f"FAILED: coverage *% of operations called is below --kpn-coverage-fail-under {threshold}"]
        )
    else:
        assert "FAILED: coverage" not in result.stdout.str()


ASYNC_TESTS = """
import pytest

pytestmark = pytest.mark.anyio
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.mark.kpn(profile="things")
async def test_devices(kpn_async_client):
    assert (await kpn_async_client().get("/api/devices", headers=ACCEPT)).status_code == 200

@pytest.mark.kpn(profile="things", validate=False)
async def test_without_a_token(kpn_async_client):
    anonymous = kpn_async_client(authenticated=False)
    assert (await anonymous.get("/api/devices", headers=ACCEPT)).status_code == 302
"""


def test_async_clients_are_covered_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_async=ASYNC_TESTS)
    result = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-coverage", "coverage.json", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)
    report = json.loads((pytester.path / "coverage.json").read_text(encoding="utf-8"))
    assert operation(report, "GET /api/devices")["statuses_seen"] == {"200": 1, "302": 1}
    assert operation(report, "POST /v2/{tenantId}/oidc/idp/c1/token")["calls"] == 1


def test_xdist_workers_send_their_traffic_to_the_controller(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TESTS, test_more=TESTS.replace("def test_", "def test_more_"))
    result = pytester.runpytest_subprocess(
        "-n", "2", "--kpn-target", "emulator", "--kpn-coverage", "coverage.json", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4)
    report = json.loads((pytester.path / "coverage.json").read_text(encoding="utf-8"))
    assert operation(report, "GET /api/devices")["statuses_seen"] == {"200": 2, "302": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kpn-coverage-fail-under", "abc"], "--kpn-coverage-fail-under 'abc': give a percentage 0-100"),
        (["--kpn-coverage-fail-under", "150"], "--kpn-coverage-fail-under '150': give a percentage 0-100"),
        (["--kpn-coverage-fail-under", "-1"], "--kpn-coverage-fail-under '-1': give a percentage 0-100"),
        (["--kpn-coverage-fail-under", "nan"], "--kpn-coverage-fail-under 'nan': give a percentage 0-100"),
        (["--kpn-coverage", "."], "--kpn-coverage .: is a directory, not a file"),
    ],
    ids=["not-a-number", "over-100", "negative", "nan", "a-directory"],
)
def test_bad_coverage_options_stop_the_run_in_one_line(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert errors == [f"ERROR: kpn_contract: {message}"]


def test_an_unwritable_report_fails_the_run_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    (pytester.path / "afile").write_text("not a folder", encoding="utf-8")
    result = pytester.runpytest("--kpn-coverage", "afile/coverage.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["FAILED: --kpn-coverage */afile/coverage.json: cannot write it (*)"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_replay_counts_cassettes_recorded_against_other_spec_versions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TESTS)
    recorded = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-record-mode", "once", "-p", "no:cacheprovider"
    )
    recorded.assert_outcomes(passed=2)
    fresh = pytester.runpytest("-p", "no:cacheprovider")
    fresh.assert_outcomes(passed=2)
    fresh.stdout.fnmatch_lines(["replay: 0 of 3 replayed cassette(s) recorded against other spec versions"])

    cassette: Path = pytester.path / "cassettes" / "test_calls" / "test_devices.yaml"
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    (title,) = data["kpn_contract"]["specs"]
    data["kpn_contract"]["specs"][title] = "0.0.1-older"
    cassette.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stale = pytester.runpytest("-p", "no:cacheprovider")
    stale.assert_outcomes(passed=2)
    stale.stdout.fnmatch_lines(
        [
            (
                "replay: 1 of 3 replayed cassette(s) recorded against other spec versions "
                "(`kpn-contract verify` names them)"
            )
        ]
    )


def test_coverage_scoped_to_named_specs_covers_only_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TESTS)
    run = ("--kpn-target", "emulator", "-p", "no:cacheprovider", "--kpn-coverage", "all.json")
    pytester.runpytest(*run).assert_outcomes(passed=2)
    everything = json.loads((pytester.path / "all.json").read_text(encoding="utf-8"))
    scoped = (
        "--kpn-coverage",
        "things.json",
        "--kpn-coverage-specs",
        "kpn-things/kpn-things-beta,grip-token",
    )
    pytester.runpytest(*run[:4], *scoped).assert_outcomes(passed=2)
    report = json.loads((pytester.path / "things.json").read_text(encoding="utf-8"))
    assert sorted(spec["file"] for spec in report["specs"]) == [
        "grip-token.yaml",
        "kpn-things/kpn-things-beta.yaml",
    ]
    declared = report["totals"]["operations_declared"]
    assert declared < everything["totals"]["operations_declared"]
    assert report["totals"]["operations_called"] == 2
    # fail-under judges the scoped percentage: 2 of the few Things-and-token operations, not of all.
    pct = 100 * 2 / declared
    result = pytester.runpytest(*run[:4], *scoped[2:], "--kpn-coverage-fail-under", f"{pct - 1:.1f}")
    assert result.ret == pytest.ExitCode.OK


def test_coverage_specs_from_the_config_and_a_name_that_selects_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TESTS)
    pytester.makefile(".toml", **{"kpn-contract": 'coverage_specs = ["kpn-things"]'})
    run = ("--kpn-target", "emulator", "-p", "no:cacheprovider", "--kpn-coverage", "c.json")
    pytester.runpytest(*run).assert_outcomes(passed=2)
    report = json.loads((pytester.path / "c.json").read_text(encoding="utf-8"))
    assert {spec["file"].split("/")[0] for spec in report["specs"]} == {"kpn-things"}
    result = pytester.runpytest(*run, "--kpn-coverage-specs", "thingz")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        ["FAILED: kpn_contract: coverage specs 'thingz' select no spec; the specs are: *"]
    )
