"""The token contracts: every documented and observed variant of the gateway token, and GRIP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kpn_contract.contract.model import Violation
from kpn_contract.contract.specs import SpecIndex
from kpn_contract.contract.validate import Validator

GATEWAY = "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials"
GRIP = "https://auth.grip-on-it.com/v2/tenant-1/oidc/idp/c1/token"
JSON = {"Content-Type": "application/json"}

DOCUMENTED = {
    "refresh_token_expires_in": "0",
    "api_product_list": "[xxxxxx]",
    "organization_name": "org",
    "developer_email": "dev@example.com",
    "token_type": "Bearer",
    "issued_at": "1764000000000",
    "client_id": "client",
    "access_token": "opaque-token",
    "application_name": "app",
    "level": "demo",
    "scope": "",
    "expires_in": "3599",
    "refresh_token": "",
    "refresh_count": "0",
    "status": "approved",
}


def variant(**changes: Any) -> dict[str, Any]:
    body = dict(DOCUMENTED)
    body.update(changes)
    return body


def without_email() -> dict[str, Any]:
    body = dict(DOCUMENTED)
    body["developer.email"] = body.pop("developer_email")
    return body


@pytest.fixture(scope="module")
def validator(bundled_index: SpecIndex) -> Validator:
    return Validator(bundled_index)


def check(validator: Validator, url: str, status: int, body: object) -> list[Violation]:
    return validator.validate("POST", url, status, JSON, json.dumps(body).encode())


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(DOCUMENTED, id="documented"),
        pytest.param(variant(api_product_list_json=["a", "b"]), id="api_product_list_json"),
        pytest.param(variant(level="production"), id="level-production"),
        pytest.param(variant(level="prod"), id="level-prod"),
        pytest.param(variant(expires_in="1799"), id="expires-1799"),
        pytest.param(variant(access_token="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"), id="jwt"),
        pytest.param(without_email(), id="developer.email"),
    ],
)
def test_gateway_token_variants_are_accepted(validator: Validator, body: dict[str, Any]) -> None:
    assert check(validator, GATEWAY, 200, body) == []


def test_numeric_expires_in_is_rejected_in_the_gateway_shape(validator: Validator) -> None:
    (violation,) = check(validator, GATEWAY, 200, variant(expires_in=3599))
    assert (violation.rule_id, violation.pointer) == ("body.schema", "/expires_in")
    assert violation.operation_id == "getApiStoreToken"


def test_gateway_errors(validator: Validator) -> None:
    assert (
        check(validator, GATEWAY, 401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"}) == []
    )
    missing = {
        "ErrorCode": "invalid_request",
        "Error": "The request is missing a required parameter : client_id",
    }
    assert check(validator, GATEWAY, 400, missing) == []
    assert check(validator, GATEWAY, 400, {"message": "other"})[0].rule_id == "body.schema"
    msm = "https://api-prd.kpn.com/oauth/grip/msm/accesstoken?grant_type=client_credentials"
    bad = {"ErrorCode": "invalid_client", "Error": "invalid_client-invalid_client_id"}
    assert check(validator, msm, 500, bad) == []
    assert check(validator, GATEWAY, 500, bad)[0].rule_id == "status.undeclared"


@pytest.mark.parametrize(
    "url",
    [
        GRIP,
        "https://auth.grip-on-it.com/v2/tenant-1/oidc/idp/token",
        "https://auth.grip-on-it.com/api/v3/idp/oidc/token",
    ],
)
def test_grip_token_paths_and_shape(validator: Validator, url: str) -> None:
    assert check(validator, url, 200, {"access_token": "t", "expires_in": 3600, "token_type": "Bearer"}) == []
    assert check(validator, url, 200, {"access_token": "t", "expires_in": 3600}) == []
    (violation,) = check(validator, url, 200, {"access_token": "t", "expires_in": "3600"})
    assert violation.pointer == "/expires_in"


@pytest.mark.parametrize(
    "text",
    [
        "Feature user does not exist anymore.",
        "Feature service does not exist anymore.",
        'SAML request error: "idpId" not found.',
    ],
)
def test_grip_documented_errors_fit_the_error_shape(validator: Validator, text: str) -> None:
    assert check(validator, GRIP, 400, {"error": "invalid_client", "error_description": text}) == []
    assert check(validator, GRIP, 401, {"message": text}) == []
    assert check(validator, GRIP, 404, {"error": "invalid_request", "error_description": text}) == []


@pytest.mark.parametrize(
    "url",
    [
        GRIP,
        "https://auth.grip-on-it.com/v2/tenant-1/oidc/idp/token",
        "https://auth.grip-on-it.com/api/v3/idp/oidc/token",
    ],
)
def test_grip_declares_404_for_a_wrong_tenant_and_nothing_undeclared(validator: Validator, url: str) -> None:
    wrong_tenant = {"error": "invalid_request", "error_description": 'SAML request error: "idpId" not found.'}
    assert check(validator, url, 404, wrong_tenant) == []
    (violation,) = check(validator, url, 403, wrong_tenant)  # still a closed set of statuses
    assert violation.rule_id == "status.undeclared"
