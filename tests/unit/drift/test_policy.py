"""Severity overrides and the stability policy."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kpn_contract.contract.model import MediaType, Operation, ResponseSpec, Spec
from kpn_contract.drift.findings import StabilityPolicy, parse_severities
from kpn_contract.drift.spec.specdiff import diff_specs
from kpn_contract.errors import UsageError


def _spec(prop_type: str, *, title: str = "Number Insight", raw: dict[str, Any] | None = None) -> Spec:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": prop_type}}}
    op = Operation(
        spec_path="x.yml",
        spec_title=title,
        method="GET",
        path="/api/devices",
        operation_id="list",
        parameters=(),
        request_body=None,
        responses={
            "200": ResponseSpec("200", "ok", {"application/json": MediaType("application/json", schema)})
        },
    )
    return Spec(
        path="x.yml",
        title=title,
        version="1",
        format="openapi-3.0",
        servers=("/",),
        operations=[op],
        raw=raw or {},
    )


def test_things_is_beta_by_default_and_its_breaks_warn() -> None:
    [finding] = diff_specs(
        _spec("string", title="KPN Things Devices"), _spec("integer", title="KPN Things Devices")
    )
    assert finding.rule_id == "response.property.type-changed"
    assert finding.severity == "warning"
    assert finding.beta is True


def test_beta_breaks_fail_when_the_policy_says_so() -> None:
    policy = StabilityPolicy(beta_breaking_severity="breaking")
    [finding] = diff_specs(
        _spec("string", title="KPN Things Devices"),
        _spec("integer", title="KPN Things Devices"),
        policy=policy,
    )
    assert (finding.severity, finding.beta) == ("breaking", True)


def test_x_kpn_stability_decides_over_the_title() -> None:
    stable = {"info": {"x-kpn-stability": "stable"}}
    beta = {"x-kpn-stability": "beta"}
    [as_stable] = diff_specs(
        _spec("string", title="Things", raw=stable), _spec("integer", title="Things", raw=stable)
    )
    [as_beta] = diff_specs(_spec("string", raw=beta), _spec("integer", raw=beta))
    assert (as_stable.severity, as_stable.beta) == ("breaking", False)
    assert (as_beta.severity, as_beta.beta) == ("warning", True)


def test_a_deprecated_api_is_treated_as_beta() -> None:
    deprecated = {"info": {"x-kpn-stability": "deprecated"}}
    [finding] = diff_specs(
        _spec("string", title="Numbers", raw=deprecated), _spec("integer", title="Numbers", raw=deprecated)
    )
    assert (finding.severity, finding.beta) == ("warning", True)


def test_a_non_beta_api_breaks_by_default() -> None:
    [finding] = diff_specs(_spec("string"), _spec("integer"))
    assert (finding.severity, finding.beta) == ("breaking", False)


def test_custom_beta_names() -> None:
    policy = StabilityPolicy(beta_apis=frozenset({"Number"}))
    [finding] = diff_specs(_spec("string"), _spec("integer"), policy=policy)
    assert finding.beta is True


def test_severity_override_applies() -> None:
    [finding] = diff_specs(
        _spec("string"), _spec("integer"), severities={"response.property.type-changed": "info"}
    )
    assert finding.severity == "info"


@pytest.mark.parametrize(
    ("table", "named"),
    [({"no.such.rule": "info"}, "no.such.rule"), ({"operation.removed": "fatal"}, "fatal")],
)
def test_bad_severity_override_is_a_usage_error_naming_it(table: dict[str, str], named: str) -> None:
    with pytest.raises(UsageError, match=re.escape(named)):
        parse_severities(table)


def test_bad_policy_severity_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="beta_breaking_severity"):
        StabilityPolicy(beta_breaking_severity="fatal")  # type: ignore[arg-type]
