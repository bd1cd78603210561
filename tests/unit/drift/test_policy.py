"""Severity overrides, the stability policy and the documented rule table."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from kpn_contract.contract.model import MediaType, Operation, ResponseSpec, Spec
from kpn_contract.drift import findings as findings_module
from kpn_contract.drift.findings import RULES, StabilityPolicy, parse_severities
from kpn_contract.drift.specdiff import diff_specs
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


# ----------------------------------------------------------------------------------- the rule table


def _documented(repo_root: Path) -> dict[str, str]:
    text = (repo_root / "docs" / "drift-rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z][a-z0-9.\-]+)` \| ([a-z /]+?) \|", text, flags=re.MULTILINE)
    assert rows, "no rule rows found in docs/drift-rules.md"
    return dict(rows)


# The modules that emit findings (findings.py holds the table itself, usage.py only filters).
_EMITTING_MODULES = (
    "specdiff.py",
    "operationdiff.py",
    "schemadiff.py",
    "securitydiff.py",
    "shapes.py",
    "migration.py",
)


def _emitted_rule_ids(repo_root: Path) -> set[str]:
    """Every rule id string literal the drift modules pass around (emit calls, RULES lookups)."""
    ids: set[str] = set()
    pattern = re.compile(r"^(?:path|operation|server|request|response|security|migration)\.[a-z.\-]+$")
    for module in _EMITTING_MODULES:
        tree = ast.parse((repo_root / "kpn_contract" / "drift" / module).read_text(encoding="utf-8"))
        ids.update(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value)
        )
    # The media-type rules are built as f"{prefix}.media-type.…" in specdiff.
    ids.update(
        f"{side}.media-type.{kind}" for side in ("request", "response") for kind in ("removed", "changed")
    )
    return ids


def test_every_rule_is_documented_and_every_documented_rule_exists(repo_root: Path) -> None:
    documented = _documented(repo_root)
    assert set(documented) == set(RULES)
    for rule_id, severity in documented.items():
        assert severity.split(" / ")[0] == RULES[rule_id].severity, rule_id


def test_every_rule_the_code_emits_is_in_the_table(repo_root: Path) -> None:
    emitted = _emitted_rule_ids(repo_root)
    assert emitted - set(RULES) == set()
    assert set(RULES) - emitted == set(), "a rule in the table is never emitted"
    assert findings_module.RULES is RULES
