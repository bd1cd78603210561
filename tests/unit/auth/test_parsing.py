"""Token requests and responses of the API Store gateway and GRIP, and every documented error."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpn_contract.auth import (
    ApiStoreTokenProvider,
    GripTokenProvider,
    parse_gateway_token,
    parse_grip_token,
    provider_for,
)
from kpn_contract.config.profiles import Credentials, Profile
from kpn_contract.errors import TokenError
from kpn_contract.redact import known_secrets

from .conftest import GRIP_ID, GRIP_SECRET, SANDBOX_ID, SANDBOX_SECRET, TENANT, gateway_body, json_response

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrcG4ifQ.c2lnbmF0dXJlLXBhcnQ"


def fixed_clock() -> float:
    return 1_000.0


# -- requests ------------------------------------------------------------------------------------


def test_gateway_request_has_grant_type_in_the_query_and_a_form_body(
    sandbox: Profile, sandbox_creds: Credentials
) -> None:
    request = ApiStoreTokenProvider(sandbox, sandbox_creds).build_request()
    assert request.method == "POST"
    assert (
        str(request.url)
        == "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials"
    )
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "client_id": [SANDBOX_ID],
        "client_secret": [SANDBOX_SECRET],
    }
    assert request.extensions["timeout"]["read"] == sandbox.timeout


def test_grip_request_posts_json_to_the_tenant_url(things: Profile, things_creds: Credentials) -> None:
    provider = provider_for(things, things_creds)
    assert isinstance(provider, GripTokenProvider)
    request = provider.build_request()
    assert str(request.url) == f"https://auth.grip-on-it.com/v2/{TENANT}/oidc/idp/c1/token"
    assert json.loads(request.content) == {
        "grant_type": "client_credentials",
        "audience": "4dc82561-f65f-523g-dek9-6c79ec314f02",
        "client_id": GRIP_ID,
        "client_secret": GRIP_SECRET,
    }


def test_configurable_timeout_reaches_the_request(sandbox_creds: Credentials) -> None:
    profile = Profile(name="slow", kind="api-store", client_id_env="A", client_secret_env="B", timeout=2.5)
    request = ApiStoreTokenProvider(profile, sandbox_creds).build_request()
    assert request.extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


def test_cache_key_differs_per_api_key_and_hides_the_client_id(
    sandbox: Profile, sandbox_creds: Credentials
) -> None:
    other = Credentials("sandbox", "another-client-id-999", SANDBOX_SECRET)
    key = provider_for(sandbox, sandbox_creds).cache_key
    assert key != provider_for(sandbox, other).cache_key
    assert SANDBOX_ID not in key


# -- gateway success and its variants ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expires_in"),
    [
        ({}, 3599.0),
        ({"api_product_list_json": ["parley", "weseedo"]}, 3599.0),
        ({"level": "production"}, 3599.0),
        ({"level": "prod"}, 3599.0),
        ({"expires_in": "1799"}, 1799.0),
        ({"access_token": JWT}, 3599.0),
        ({"expires_in": 3599}, 3599.0),
        ({"expires_in": 1799.5}, 1799.5),
    ],
    ids=["documented", "api_product_list_json", "production", "prod", "1799", "jwt", "numeric", "float"],
)
@pytest.mark.usefixtures("planted")
def test_gateway_token_variants(overrides: dict[str, Any], expires_in: float) -> None:
    body = gateway_body(**overrides)
    token = parse_gateway_token(json_response(200, body), clock=fixed_clock)
    assert token.access_token == body["access_token"]
    assert token.token_type == "Bearer"
    assert token.expires_in == expires_in
    assert token.obtained_at == 1_000.0
    assert token.issued_at == pytest.approx(1587458037.687)
    assert token.raw["level"] == body["level"]
    assert token.access_token in known_secrets()


@pytest.mark.usefixtures("planted")
def test_gateway_developer_dot_email_variant() -> None:
    body = gateway_body()
    body["developer.email"] = body.pop("developer_email")
    token = parse_gateway_token(json_response(200, body))
    assert token.raw["developer.email"] == "demo123@kpn.com"


@pytest.mark.usefixtures("planted")
def test_bad_issued_at_is_tolerated() -> None:
    assert parse_gateway_token(json_response(200, gateway_body(issued_at="soon"))).issued_at is None


# -- gateway errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "hint_part", "code"),
    [
        (
            401,
            {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"},
            "check the client ID and secret",
            "invalid_client",
        ),
        (
            400,
            {"ErrorCode": "invalid_request", "Error": "Required param : grant_type"},
            "grant_type=client_credentials must be in the query string",
            "invalid_request",
        ),
        (
            400,
            {
                "ErrorCode": "invalid_request",
                "Error": "The request is missing a required parameter : client_id",
            },
            "must carry client_id and client_secret",
            "invalid_request",
        ),
        (
            500,
            {"ErrorCode": "invalid_client-invalid_client_id", "Error": "x"},
            "Mobile Services Management",
            "invalid_client-invalid_client_id",
        ),
        (503, {"message": "down"}, "server fault", None),
        (429, {"message": "slow down"}, "rate-limited", None),
        (404, {"message": "nope"}, "no token endpoint", None),
    ],
    ids=["invalid_client", "missing_grant_type", "missing_client_id", "msm_500", "503", "429", "404"],
)
def test_gateway_errors_carry_the_documented_hint(
    sandbox: Profile, status: int, body: dict[str, str], hint_part: str, code: str | None
) -> None:
    with pytest.raises(TokenError) as info:
        parse_gateway_token(json_response(status, body), profile=sandbox)
    error = info.value
    assert error.status == status
    assert error.code == code
    assert error.hint is not None
    assert hint_part in error.hint
    assert "profile 'sandbox'" in str(error)
    assert f"hint: {error.hint}" in str(error)


def test_invalid_client_hint_names_the_profile_variables(sandbox: Profile) -> None:
    with pytest.raises(TokenError) as info:
        parse_gateway_token(
            json_response(401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"}),
            profile=sandbox,
        )
    assert info.value.hint is not None
    assert "KPN_SANDBOX_CLIENT_ID" in info.value.hint
    assert "ClientId is Invalid" in str(info.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            502, text="<html><body>Bad gateway</body></html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(200, text="<!DOCTYPE html><html>captive portal</html>"),
        httpx.Response(200, text=""),
        json_response(200, ["not", "an", "object"]),
        json_response(200, gateway_body(access_token="")),
        json_response(200, {"token_type": "Bearer", "expires_in": "3599"}),
        json_response(200, gateway_body(expires_in="never")),
        json_response(200, gateway_body(expires_in="-5")),
        json_response(200, gateway_body(expires_in=True)),
    ],
    ids=[
        "html_502",
        "html_200",
        "empty",
        "list",
        "empty_token",
        "no_token",
        "bad_expiry",
        "negative_expiry",
        "bool_expiry",
    ],
)
def test_gateway_unusable_bodies_raise_token_error(response: httpx.Response) -> None:
    with pytest.raises(TokenError) as info:
        parse_gateway_token(response)
    assert info.value.hint


# -- GRIP ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("planted")
def test_grip_success_with_numeric_expiry_and_no_token_type() -> None:
    token = parse_grip_token(json_response(200, {"access_token": JWT, "expires_in": 3600}), clock=fixed_clock)
    assert (token.access_token, token.token_type, token.expires_in, token.expires_at()) == (
        JWT,
        "Bearer",
        3600.0,
        4600.0,
    )


GRIP_CASES = [
    ("Feature user does not exist anymore.", "check your API Key ID or Secret"),
    (
        "Feature service does not exist anymore.",
        "add the KPN Things Portal service to your API Key in the GRIP Portal",
    ),
    ('SAML request error: "idpId" not found.', "your tenant ID (a path variable) is wrong"),
]


@pytest.mark.parametrize(("text", "hint"), GRIP_CASES)
@pytest.mark.parametrize("shape", ["error", "error_description", "message", "plain", "nested"])
def test_grip_documented_errors_wherever_they_sit(things: Profile, text: str, hint: str, shape: str) -> None:
    if shape == "plain":
        response = httpx.Response(400, text=text, headers={"content-type": "text/plain"})
    elif shape == "nested":
        response = json_response(401, {"errors": [{"detail": text}]})
    else:
        response = json_response(
            400, {"error": "invalid_grant", shape: text} if shape != "error" else {"error": text}
        )
    with pytest.raises(TokenError) as info:
        parse_grip_token(response, profile=things)
    assert info.value.hint is not None
    assert info.value.hint.startswith(hint)
    assert text in str(info.value)
    assert info.value.profile == "things"


@pytest.mark.parametrize(("text", "hint"), GRIP_CASES)
@pytest.mark.parametrize("status", [400, 401, 404])
def test_grip_documented_errors_whatever_the_status(
    things: Profile, text: str, hint: str, status: int
) -> None:
    # specs/grip-token.yaml answers a wrong tenant with 404 and a wrong key with 401; GRIP documents
    # no status. A 404 carrying the tenant text is the tenant, not a wrong token_url.
    response = json_response(status, {"error": "invalid_request", "error_description": text})
    with pytest.raises(TokenError) as info:
        parse_grip_token(response, profile=things)
    assert info.value.hint is not None
    assert info.value.hint.startswith(hint)
    assert f"GRIP refused the token request (HTTP {status}): {text}" in str(info.value)
    assert info.value.status == status


@pytest.mark.parametrize(
    ("response", "hint_part"),
    [
        (json_response(404, {"error": "not_found"}), "three forms are known"),
        (json_response(500, {"error": "boom"}), "server fault"),
        (httpx.Response(502, text="<html>bad</html>", headers={"content-type": "text/html"}), "HTML page"),
        (json_response(400, {"error": "invalid_request"}), "tenant ID, audience"),
        (httpx.Response(200, text="ok"), "something other than GRIP"),
    ],
)
def test_grip_other_errors(response: httpx.Response, hint_part: str) -> None:
    with pytest.raises(TokenError) as info:
        parse_grip_token(response)
    assert info.value.hint is not None
    assert hint_part in info.value.hint


# -- property: nothing but TokenError escapes ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
token_like = st.fixed_dictionaries(
    {},
    optional={
        "access_token": json_values,
        "expires_in": json_values | st.sampled_from(["3599", "1e999", "nan", "-1", "0", ""]),
        "issued_at": json_values,
        "token_type": json_values,
        "error": st.sampled_from(["Feature user does not exist anymore.", "invalid_client"]) | json_values,
    },
)
bodies = (
    st.binary(max_size=200)
    | token_like.map(lambda d: json.dumps(d, allow_nan=True).encode())
    | json_values.map(lambda v: json.dumps(v, allow_nan=True).encode())
)
statuses = st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503]) | st.integers(
    100, 599
)
content_types = st.sampled_from(
    ["application/json", "text/html", "text/plain; charset=latin-1", "application/json; charset=utf-16", ""]
)


@settings(max_examples=200, deadline=None)
@given(status=statuses, body=bodies, content_type=content_types)
def test_parsers_raise_only_token_error(status: int, body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    for parse in (parse_gateway_token, parse_grip_token):
        response = httpx.Response(status, content=body, headers=headers)
        try:
            token = parse(response)
        except TokenError:
            continue
        assert 200 <= status < 300
        assert token.access_token
        assert token.expires_in > 0
