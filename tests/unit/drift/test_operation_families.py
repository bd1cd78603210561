"""The operation-level rule families beyond what one pair shows: dates, usage, policy, loading.

The pairs (``pairs/``) pin one change each; these tests pin what a pair cannot: the date a sunset
is judged against, ``--used-by`` turning an announced removal breaking, the beta policy per
operation, and how webhooks, callbacks and parameter serialisation are read.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kpn_contract.contract.specs import load_spec
from kpn_contract.drift.findings import StabilityPolicy
from kpn_contract.drift.report import run_diff
from kpn_contract.drift.spec.rules.lifecycle import removal_finding, sunset_of
from kpn_contract.drift.spec.specdiff import diff_specs

from .conftest import interaction, write_cassette

PAIRS = Path(__file__).resolve().parent / "pairs"
SUNSET_2099 = PAIRS / "operation.removed-before-sunset" / "breaking--x-sunset-2099-removed"
SUNSET_2020 = PAIRS / "operation.removed-after-sunset" / "info--x-sunset-2020-removed"
DEPRECATED = PAIRS / "operation.deprecated-removed" / "warning--deprecated-operation-removed"


def _rules(
    folder: Path, *, today: date | None = None, policy: StabilityPolicy | None = None
) -> list[tuple[str, str]]:
    base, revision = load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml")
    return [(f.rule_id, f.severity) for f in diff_specs(base, revision, today=today, policy=policy)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2099, 12, 30), ("operation.removed-before-sunset", "breaking")),
        (date(2099, 12, 31), ("operation.removed-after-sunset", "info")),
        (date(2100, 1, 1), ("operation.removed-after-sunset", "info")),
    ],
    ids=["the-day-before", "on-the-day", "after"],
)
def test_a_removal_is_judged_against_the_sunset_date_on_the_day_of_the_diff(
    today: date, expected: tuple[str, str]
) -> None:
    assert _rules(SUNSET_2099, today=today) == [expected]


def test_sunset_dates_are_read_as_iso_dates_http_dates_and_fixed_sunset_headers() -> None:
    header_pair = PAIRS / "operation.removed-before-sunset" / "breaking--sunset-header-date-removed"
    (operation,) = [o for o in load_spec(header_pair / "base.yaml").operations if o.method == "DELETE"]
    assert sunset_of(operation) == "2099-06-30"
    http_pair = PAIRS / "operation.removed-after-sunset" / "info--http-date-sunset-passed-removed"
    (operation,) = [o for o in load_spec(http_pair / "base.yaml").operations if o.method == "DELETE"]
    before, after = (
        removal_finding(operation, date(2021, 6, 29)),
        removal_finding(operation, date(2021, 7, 1)),
    )
    assert before is not None
    assert after is not None
    assert (before[0], after[0]) == ("operation.removed-before-sunset", "operation.removed-after-sunset")


def _cassettes(tmp_path: Path, method: str) -> Path:
    folder = tmp_path / "cassettes"
    write_cassette(folder, "calls", [interaction(method, "https://example.test/devices", 204)])
    return folder


@pytest.mark.parametrize("folder", [SUNSET_2020, DEPRECATED], ids=["after-sunset", "deprecated"])
def test_an_announced_removal_is_breaking_for_a_consumer_that_still_calls_it(
    folder: Path, tmp_path: Path
) -> None:
    report, code = run_diff(
        folder / "base.yaml", folder / "revision.yaml", used_by=[_cassettes(tmp_path, "DELETE")]
    )
    assert code == 1
    assert "BREAKING operation." in report
    assert "[used]" in report


@pytest.mark.parametrize("folder", [SUNSET_2020, DEPRECATED], ids=["after-sunset", "deprecated"])
def test_an_announced_removal_is_no_finding_for_a_consumer_that_does_not_call_it(
    folder: Path, tmp_path: Path
) -> None:
    report, code = run_diff(
        folder / "base.yaml", folder / "revision.yaml", used_by=[_cassettes(tmp_path, "GET")]
    )
    assert code == 0
    assert "0 breaking, 0 warning, 0 info" in report
    _, plain = run_diff(folder / "base.yaml", folder / "revision.yaml")
    assert plain == 0


def test_a_beta_operation_warns_unless_the_policy_makes_beta_changes_break() -> None:
    folder = PAIRS / "request.parameter.required-added" / "warning--in-a-beta-operation"
    assert _rules(folder) == [("request.parameter.required-added", "warning")]
    strict = StabilityPolicy(beta_breaking_severity="breaking")
    assert _rules(folder, policy=strict) == [("request.parameter.required-added", "breaking")]


def test_the_policy_flags_only_the_findings_of_the_beta_operation(tmp_path: Path) -> None:
    base = (
        PAIRS / "request.parameter.required-added" / "warning--in-a-beta-operation" / "base.yaml"
    ).read_text(encoding="utf-8")
    # The stable GET sibling gets a required parameter too: that one still breaks.
    tenant = (
        "      parameters:\n      - name: tenant\n        in: query\n        required: true\n"
        "        schema:\n          type: string\n"
    )
    revision = base.replace(
        "      operationId: deleteDevices\n", "      operationId: deleteDevices\n" + tenant
    ).replace("      operationId: listDevices\n", "      operationId: listDevices\n" + tenant)
    assert revision.count("name: tenant") == 2
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "revision.yaml").write_text(revision, encoding="utf-8")
    findings = diff_specs(load_spec(tmp_path / "base.yaml"), load_spec(tmp_path / "revision.yaml"))
    assert sorted((f.operation, f.severity, f.beta) for f in findings) == [
        ("DELETE /devices", "warning", True),
        ("GET /devices", "breaking", False),
    ]


def test_webhook_and_callback_findings_name_what_the_consumer_receives() -> None:
    folder = PAIRS / "response.property.removed" / "breaking--webhook-payload-required-field-removed"
    (finding,) = diff_specs(load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml"))
    assert finding.operation == "WEBHOOK POST deviceEvent"
    assert finding.pointer == "/requestBody/content/application~1json/schema/properties/kind"
    folder = PAIRS / "response.property.removed" / "breaking--callback-payload-required-field-removed"
    (finding,) = diff_specs(load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml"))
    assert finding.operation == "CALLBACK POST /subscriptions onEvent POST {$request.query.url}"


def test_the_same_payload_change_in_a_request_body_breaks_the_other_way() -> None:
    # The webhook pair's "tightening" (a field became required) is harmless for a payload the
    # consumer receives; the same change to a body the consumer sends breaks it.
    folder = PAIRS / "no-change" / "none--webhook-payload-field-became-required"
    base, revision = load_spec(folder / "base.yaml"), load_spec(folder / "revision.yaml")
    assert diff_specs(base, revision) == []
    (old_hook,), (new_hook,) = base.webhooks, revision.webhooks
    assert old_hook.request_body is not None
    assert new_hook.request_body is not None
    from kpn_contract.drift.spec.operationdiff import OperationDiffer

    differ = OperationDiffer()
    differ.schema(
        "POST /events",
        old_hook.request_body.content["application/json"].schema,
        new_hook.request_body.content["application/json"].schema,
        "/requestBody/content/application~1json/schema",
        "request",
    )
    assert [f.rule_id for f in differ.findings] == ["request.property.became-required"]


def test_used_by_keeps_webhook_findings_and_callback_findings_of_a_called_operation(tmp_path: Path) -> None:
    hook = PAIRS / "response.property.removed" / "breaking--webhook-payload-required-field-removed"
    callback = PAIRS / "response.property.removed" / "breaking--callback-payload-required-field-removed"
    unrelated = _cassettes(tmp_path, "GET")
    # Recordings show the calls a consumer makes, never the webhooks it receives: kept.
    assert run_diff(hook / "base.yaml", hook / "revision.yaml", used_by=[unrelated])[1] == 1
    # A callback matters to a consumer that registers it, which recordings do show.
    assert run_diff(callback / "base.yaml", callback / "revision.yaml", used_by=[unrelated])[1] == 0
    subscribes = tmp_path / "subscribes"
    write_cassette(
        subscribes,
        "calls",
        [interaction("POST", "https://example.test/subscriptions?url=https://c.test/", 204)],
    )
    assert run_diff(callback / "base.yaml", callback / "revision.yaml", used_by=[subscribes])[1] == 1


@pytest.mark.parametrize(
    ("stability", "beta"), [("alpha", True), ("Beta", True), ("deprecated", True), ("stable", False)]
)
def test_alpha_beta_and_deprecated_apis_promise_nothing(stability: str, beta: bool) -> None:
    assert StabilityPolicy().is_beta(title="Devices", family=None, stability=stability) is beta
