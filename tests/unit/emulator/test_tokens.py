"""The gateway and GRIP token endpoints: the documented successes and every documented error."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import EmulatorServer

from .conftest import GATEWAY_TOKEN_PATH, GRIP_TOKEN_PATH, grip_body, loopback_client

GATEWAY_KEYS = {
    "refresh_token_expires_in", "api_product_list", "organization_name", "developer_email", "token_type",
    "issued_at", "client_id", "access_token", "application_name", "level", "scope", "expires_in",
    "refresh_token", "refresh_count", "status",
}  # fmt: skip
ALL_SECRETS = (
    _demo.SANDBOX_CLIENT_SECRET,
    _demo.PROJECT_CLIENT_SECRET,
    _demo.GRIP_CLIENT_SECRET,
    _demo.GRIP_NO_SERVICE_CLIENT_SECRET,
)


def _gateway(client: httpx.Client, params: dict[str, str] | None, data: dict[str, str]) -> httpx.Response:
    return client.post(GATEWAY_TOKEN_PATH, params=params, data=data)


def _assert_no_secret(response: httpx.Response) -> None:
    for secret in ALL_SECRETS:
        assert secret not in response.text
        assert all(secret not in value for value in response.headers.values())


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        (_demo.SANDBOX_CLIENT_ID, _demo.SANDBOX_CLIENT_SECRET),
        (_demo.PROJECT_CLIENT_ID, _demo.PROJECT_CLIENT_SECRET),
    ],
)
def test_gateway_token_is_the_documented_all_strings_payload(
    client: httpx.Client, client_id: str, secret: str
) -> None:
    before = int(time.time() * 1000)
    response = _gateway(
        client, {"grant_type": "client_credentials"}, {"client_id": client_id, "client_secret": secret}
    )
    after = int(time.time() * 1000)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == GATEWAY_KEYS
    assert all(isinstance(value, str) for value in body.values())
    assert before <= int(body["issued_at"]) <= after  # epoch milliseconds
    assert body["expires_in"] == "3599"
    assert body["token_type"] == "Bearer"
    assert body["client_id"] == client_id
    assert body["status"] == "approved"
    assert body["refresh_token"] == ""
    assert len(body["access_token"]) == 28
    assert body["access_token"].isalnum()
    assert "@" in body["developer_email"]
    assert body["api_product_list"].startswith("[")
    assert body["api_product_list"].endswith("]")
    _assert_no_secret(response)


def test_gateway_tokens_are_opaque_and_unique(client: httpx.Client) -> None:
    data = {"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET}
    tokens = {
        _gateway(client, {"grant_type": "client_credentials"}, data).json()["access_token"] for _ in range(5)
    }
    assert len(tokens) == 5


def test_gateway_accepts_http_basic_credentials(client: httpx.Client) -> None:
    basic = base64.b64encode(f"{_demo.SANDBOX_CLIENT_ID}:{_demo.SANDBOX_CLIENT_SECRET}".encode()).decode()
    response = client.post(
        GATEWAY_TOKEN_PATH,
        params={"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["client_id"] == _demo.SANDBOX_CLIENT_ID


@pytest.mark.parametrize(
    ("params", "data", "status", "expected"),
    [
        pytest.param(
            {"grant_type": "client_credentials"},
            {"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": "wrong-secret-000"},
            401,
            {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"},
            id="wrong-secret",
        ),
        pytest.param(
            {"grant_type": "client_credentials"},
            {"client_id": "nobody-client-id", "client_secret": _demo.SANDBOX_CLIENT_SECRET},
            401,
            {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"},
            id="unknown-client",
        ),
        pytest.param(
            {"grant_type": "client_credentials"},
            {"client_secret": _demo.SANDBOX_CLIENT_SECRET},
            400,
            {
                "ErrorCode": "invalid_request",
                "Error": "The request is missing a required parameter : client_id",
            },
            id="missing-client-id",
        ),
        pytest.param(
            None,
            {"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET},
            400,
            {"ErrorCode": "invalid_request", "Error": "Required param : grant_type"},
            id="missing-grant-type",
        ),
        pytest.param(
            {"grant_type": "password"},
            {"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET},
            400,
            {"ErrorCode": "invalid_request", "Error": "Unsupported grant type : password"},
            id="wrong-grant-type",
        ),
    ],
)
def test_gateway_errors_are_apigee_verbatim(
    client: httpx.Client,
    params: dict[str, str] | None,
    data: dict[str, str],
    status: int,
    expected: dict[str, str],
) -> None:
    response = _gateway(client, params, data)
    assert response.status_code == status
    assert response.json() == expected
    _assert_no_secret(response)


def test_gateway_token_of_the_project_pair_does_not_accept_the_sandbox_secret(client: httpx.Client) -> None:
    data = {"client_id": _demo.PROJECT_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET}
    assert _gateway(client, {"grant_type": "client_credentials"}, data).status_code == 401


def test_msm_token_path_issues_tokens_and_answers_bad_credentials_with_500(client: httpx.Client) -> None:
    params = {"grant_type": "client_credentials"}
    good = {"client_id": _demo.SANDBOX_CLIENT_ID, "client_secret": _demo.SANDBOX_CLIENT_SECRET}
    ok = client.post("/oauth/grip/msm/accesstoken", params=params, data=good)
    assert ok.status_code == 200
    assert ok.json()["expires_in"] == "3599"
    bad = client.post(
        "/oauth/grip/msm/accesstoken", params=params, data={**good, "client_secret": "nope-nope"}
    )
    assert bad.status_code == 500
    assert bad.json()["Error"].startswith("invalid_client-invalid_client_id")
    _assert_no_secret(bad)
    missing = client.post("/oauth/grip/msm/accesstoken", data=good)
    assert missing.status_code == 400
    assert missing.json()["Error"] == "Required param : grant_type"


@pytest.mark.parametrize(
    "path",
    [
        GRIP_TOKEN_PATH,
        f"/v2/{_demo.GRIP_TENANT_ID}/oidc/idp/token",
        "/api/v3/idp/oidc/token",
    ],
)
def test_grip_token_succeeds_on_each_known_url_form(client: httpx.Client, path: str) -> None:
    response = client.post(path, json=grip_body())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == 3600
    assert isinstance(body["expires_in"], int)
    assert body["token_type"] == "Bearer"
    header, claims, signature = body["access_token"].split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["aud"] == _demo.KPN_THINGS_APPLICATION_ID
    assert decoded["scope"] == body["scope"]  # the claim and the response agree (RFC 6749 §5.1)
    assert header
    assert signature
    _assert_no_secret(response)


def test_grip_v3_takes_the_tenant_from_a_header(client: httpx.Client) -> None:
    ok = client.post(
        "/api/v3/idp/oidc/token", json=grip_body(), headers={"x-tenant-id": _demo.GRIP_TENANT_ID}
    )
    assert ok.status_code == 200
    wrong = client.post("/api/v3/idp/oidc/token", json=grip_body(), headers={"x-tenant-id": "no-such-tenant"})
    assert wrong.status_code == 404
    assert wrong.json()["error_description"] == 'SAML request error: "idpId" not found.'


@pytest.mark.parametrize(
    ("path", "body", "status", "text"),
    [
        pytest.param(
            GRIP_TOKEN_PATH,
            grip_body(secret="wrong-secret-000"),
            401,
            "Feature user does not exist anymore.",
            id="wrong-secret",
        ),
        pytest.param(
            GRIP_TOKEN_PATH,
            grip_body(client_id="no-such-key-id"),
            401,
            "Feature user does not exist anymore.",
            id="unknown-key",
        ),
        pytest.param(
            GRIP_TOKEN_PATH,
            grip_body(_demo.GRIP_NO_SERVICE_CLIENT_ID, _demo.GRIP_NO_SERVICE_CLIENT_SECRET),
            401,
            "Feature service does not exist anymore.",
            id="key-without-things-service",
        ),
        pytest.param(
            GRIP_TOKEN_PATH,
            grip_body(audience="some-other-application"),
            401,
            "Feature service does not exist anymore.",
            id="wrong-audience",
        ),
        pytest.param(
            "/v2/no-such-tenant/oidc/idp/c1/token",
            grip_body(),
            404,
            'SAML request error: "idpId" not found.',
            id="unknown-tenant",
        ),
    ],
)
def test_grip_errors_carry_the_documented_texts(
    client: httpx.Client, path: str, body: dict[str, str], status: int, text: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["error_description"] == text
    assert response.json()["error"] in {"invalid_client", "invalid_request"}
    _assert_no_secret(response)


def test_grip_key_of_another_tenant_is_a_wrong_key(emulator_server: EmulatorServer) -> None:
    from kpn_contract.emulator import EmulatorSettings, GripKey

    settings = EmulatorSettings(
        grip_keys={
            "key-a": GripKey("secret-of-key-a", "tenant-a"),
            "key-b": GripKey("secret-of-key-b", "tenant-b"),
        }
    )
    with EmulatorServer(settings) as server, loopback_client(base_url=server.base_url) as http:
        body = grip_body("key-b", "secret-of-key-b")
        assert http.post("/v2/tenant-b/oidc/idp/c1/token", json=body).status_code == 200
        crossed = http.post("/v2/tenant-a/oidc/idp/c1/token", json=body)
        assert crossed.status_code == 401
        assert crossed.json()["error_description"] == "Feature user does not exist anymore."
    assert emulator_server.running  # the session emulator is untouched by another instance


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"not json", "the body must be", id="not-json"),
        pytest.param(b"[1, 2]", "the body must be", id="not-an-object"),
        pytest.param(
            json.dumps({**grip_body(), "grant_type": "password"}).encode(),
            "grant_type",
            id="wrong-grant-type",
        ),
        pytest.param(
            json.dumps({k: v for k, v in grip_body().items() if k != "audience"}).encode(),
            "audience",
            id="missing-audience",
        ),
    ],
)
def test_grip_malformed_requests_are_400_naming_the_problem(
    client: httpx.Client, content: bytes, expected: str
) -> None:
    response = client.post(GRIP_TOKEN_PATH, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert expected in response.json()["error_description"]
    _assert_no_secret(response)


def test_grip_accepts_a_form_encoded_body(client: httpx.Client) -> None:
    assert client.post(GRIP_TOKEN_PATH, data=grip_body()).status_code == 200
