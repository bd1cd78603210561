"""The response-code rule table (specs/rules.yaml) and its loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.contract.rules import default_rules, load_rules
from kpn_contract.contract.specs import SpecIndex
from kpn_contract.errors import SpecError


def test_families_are_assigned_by_extension_host_and_default(bundled_index: SpecIndex) -> None:
    rules = default_rules()
    families = {Path(s.path).name: rules.family_for(s) for s in bundled_index.specs}
    assert families["kpn-things-beta.yaml"] == "things"
    assert families["kpn-api-store-gateway-token.yaml"] == "api-store"
    assert families["grip-token.yaml"] == "grip"


def test_302_is_an_auth_failure_for_things(bundled_index: SpecIndex) -> None:
    rules = default_rules()
    op = bundled_index.find("GET", "https://api.kpnthings.com/api/devices")
    assert op is not None
    rule = rules.rule(op, 302, "things")
    assert rule.kind == "auth-failure"
    assert rule.violation
    assert "never follow" in rule.meaning


def test_302_is_success_for_number_verify_session(bundled_index: SpecIndex) -> None:
    rules = default_rules()
    op = bundled_index.find("GET", "https://api-prd.kpn.com/communication/kpn/numberverify/session/abc")
    assert op is not None
    rule = rules.rule(op, 302)
    assert rule.kind == "success"
    assert not rule.violation
    assert rule.required_headers == ("Location",)
    other = bundled_index.find("POST", "https://api-prd.kpn.com/communication/kpn/numberverify/token")
    assert other is not None
    assert rules.classify(other, 302) == "redirect"  # other Number Verify operations keep the family meaning


def test_meaning_and_class_fallbacks() -> None:
    rules = default_rules()
    assert rules.classify(None, 204, "things") == "success"
    assert "empty" in rules.meaning(None, 204, "things")
    assert rules.classify(None, 400, "things") == "client-error"
    assert "Accept" in rules.meaning(None, 400, "things")
    assert rules.classify(None, 403, "api-store") == "auth-failure"
    assert rules.classify(None, 418, "things") == "client-error"  # 4XX of the common family
    assert rules.classify(None, 503, "things") == "server-error"
    assert rules.meaning(None, 503, "things") == "Server error in the KPN Things beta"  # family class wins
    assert rules.classify(None, 999, "things") == "unknown"


def test_malformed_rule_table_names_file_and_pointer(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("families:\n  things:\n    codes:\n      '302': {meaning: x}\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_rules(path)
    assert str(path) in str(info.value)
    assert info.value.pointer == "/families/things/codes/302"
    path.write_text("nothing: here\n", encoding="utf-8")
    with pytest.raises(SpecError, match="'families'"):
        load_rules(path)
    with pytest.raises(SpecError, match="cannot read"):
        load_rules(tmp_path / "absent.yaml")
