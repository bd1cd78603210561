"""Fault injection: the rule syntax, and what an httpx client observes for each fault."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from kpn_contract.emulator import EmulatorServer, Fault, FaultRule, parse_fault_spec
from kpn_contract.errors import UsageError

from .conftest import (
    GATEWAY_TOKEN_PATH,
    GRIP_TOKEN_PATH,
    gateway_token,
    grip_body,
    grip_token,
    things_headers,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /api/devices=500", FaultRule("GET", "/api/devices", Fault.STATUS, status=500)),
        ("POST /oauth/*=429:retry-after=1", FaultRule("POST", "/oauth/*", Fault.RATE_LIMIT, retry_after=1)),
        (
            "GET /api/devices=latency:0.5:times=2",
            FaultRule("GET", "/api/devices", Fault.LATENCY, seconds=0.5, times=2),
        ),
        ("/api/*=reset", FaultRule("*", "/api/*", Fault.RESET)),
        ("get /api/devices=html:503", FaultRule("GET", "/api/devices", Fault.HTML, status=503)),
        ("GET /api/devices=html", FaultRule("GET", "/api/devices", Fault.HTML, status=502)),
        ("GET /api/devices=malformed-json", FaultRule("GET", "/api/devices", Fault.MALFORMED_JSON)),
        ("GET /api/devices=truncated:times=1", FaultRule("GET", "/api/devices", Fault.TRUNCATED, times=1)),
        ("POST /v2/*=expire-early:1", FaultRule("POST", "/v2/*", Fault.EXPIRE_EARLY, seconds=1.0)),
        ("GET /x=503", FaultRule("GET", "/x", Fault.STATUS, status=503)),
        ("GET /x=status", FaultRule("GET", "/x", Fault.STATUS, status=503)),
        ("GET /x=rate-limit", FaultRule("GET", "/x", Fault.RATE_LIMIT, retry_after=1)),
    ],
)
def test_parse_fault_spec_reads_the_command_line_form(text: str, expected: FaultRule) -> None:
    assert parse_fault_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("GET /api/devices", "expected ENDPOINT=FAULT"),
        ("=500", "expected ENDPOINT=FAULT"),
        ("GET /api/devices=", "expected ENDPOINT=FAULT"),
        ("GET /api/devices=explode", "unknown fault 'explode'"),
        ("GET /api/devices=404", "unknown fault '404'"),
        ("GET /api/devices=latency:soon", "seconds 'soon' is not a number"),
        ("GET /api/devices=latency:-1", "seconds must not be negative"),
        ("GET /api/devices=500:times=0", "times must be at least 1"),
        ("GET /api/devices=500:times=many", "times 'many' is not an integer"),
        ("GET /api/devices=reset:3", "unexpected argument '3'"),
        ("GET /api/devices=500:colour=red", "does not take colour"),
        ("GET api/devices=500", "must start with '/'"),
        ("GE7 /api/devices=500", "'GE7' is not an HTTP method"),
        ("GET /a /b=500", "must be 'METHOD /path'"),
        ("GET /x=status:404", "404 is not a 5xx status"),
        ("GET /x=html:200", "needs a 4xx or 5xx status"),
    ],
)
def test_parse_fault_spec_rejects_bad_input_naming_the_part(text: str, named: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_fault_spec(text)
    message = str(caught.value)
    assert named in message
    assert text in message
    assert "\n" not in message


def test_status_fault_answers_the_5xx(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.inject_fault("GET /api/devices", "500")
    response = client.get("/api/devices")
    assert response.status_code == 500
    assert response.json()["status"] == 500


def test_fault_times_runs_out(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.inject_fault("POST /v2/*", Fault.STATUS, times=2, status=503)
    statuses = [client.post(GRIP_TOKEN_PATH, json=grip_body()).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert emulator.faults() == []
    assert emulator.stats()["requests"]["POST /v2/{tenantId}/oidc/idp/c1/token"] == 3


def test_faults_match_only_their_endpoint_and_method(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.inject_fault("POST /api/devices", "500")
    emulator.inject_fault("GET /oauth/*", "500")
    token = grip_token(client)
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 200
    assert gateway_token(client)


def test_rate_limit_fault_sends_retry_after(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.add_fault_rule("POST /oauth/*=429:retry-after=7:times=1")
    response = client.post(GATEWAY_TOKEN_PATH, params={"grant_type": "client_credentials"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["fault"]["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"
    assert gateway_token(client)  # the next request is served normally


def test_latency_fault_delays_and_can_time_a_client_out(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    emulator.inject_fault("POST /v2/*", "latency", seconds=0.3, times=2)
    started = time.monotonic()
    assert client.post(GRIP_TOKEN_PATH, json=grip_body()).status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        client.post(GRIP_TOKEN_PATH, json=grip_body(), timeout=0.05)


def test_latency_combines_with_another_fault(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.inject_fault("GET /api/devices", "latency", seconds=0.2, times=1)
    emulator.inject_fault("GET /api/devices", "503", times=1)
    started = time.monotonic()
    assert client.get("/api/devices").status_code == 503
    assert time.monotonic() - started >= 0.2


def test_reset_fault_drops_the_connection_without_a_response(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    emulator.inject_fault("POST /oauth/*", "reset", times=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post(GATEWAY_TOKEN_PATH, params={"grant_type": "client_credentials"})
    assert gateway_token(client)  # a new connection works


def test_truncated_fault_promises_more_than_it_sends(client: httpx.Client, emulator: EmulatorServer) -> None:
    token = grip_token(client)
    emulator.inject_fault("GET /api/devices", "truncated", times=1)
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        client.get("/api/devices", headers=things_headers(token))
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 200


def test_malformed_json_fault_keeps_status_and_type_but_breaks_the_body(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    emulator.inject_fault("POST /oauth/client_credential/accesstoken", Fault.MALFORMED_JSON, times=1)
    response = client.post(
        GATEWAY_TOKEN_PATH,
        params={"grant_type": "client_credentials"},
        data={"client_id": "x", "client_secret": "y"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_malformed_json_fault_on_an_empty_response_still_claims_json(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    emulator.inject_fault("GET /api/devices", "malformed-json", times=1)
    response = client.get("/api/devices")  # a 302 with no body
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html_fault_answers_an_error_page(client: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.inject_fault("POST /v2/*", "html", status=503)
    response = client.post(GRIP_TOKEN_PATH, json=grip_body())
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    assert "503 Service Unavailable" in response.text


def test_expire_early_on_the_token_endpoint_issues_tokens_that_die_early(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    emulator.inject_fault("POST /v2/*", "expire-early", seconds=0.3, times=1)
    body = client.post(GRIP_TOKEN_PATH, json=grip_body()).json()
    assert body["expires_in"] == 3600  # the client is told an hour
    token = body["access_token"]
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 200
    time.sleep(0.35)
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 302


def test_expire_early_on_an_api_endpoint_rejects_older_tokens(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    token = grip_token(client)
    emulator.inject_fault("GET /api/devices", "expire-early", seconds=0, times=1)
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 302
    assert client.get("/api/devices", headers=things_headers(token)).status_code == 200


def test_faults_over_http_for_tests_in_another_process(
    client: httpx.Client, emulator: EmulatorServer
) -> None:
    added = client.post("/_emulator/faults", json={"spec": "GET /api/devices=502:times=1"})
    assert added.status_code == 201
    assert added.json()["faults"][0]["endpoint"] == "GET /api/devices"
    structured = client.post(
        "/_emulator/faults", json={"endpoint": "POST /v2/*", "fault": "latency", "seconds": 0.01, "times": 3}
    )
    assert structured.status_code == 201
    assert len(client.get("/_emulator/faults").json()["faults"]) == 2
    assert client.get("/api/devices").status_code == 502
    cleared = client.delete("/_emulator/faults")
    assert cleared.json() == {"faults": []}
    assert emulator.faults() == []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"nope", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"spec": "GET /x=boom"}', "unknown fault 'boom'"),
        (b'{"endpoint": "GET /x"}', "needs 'endpoint' and 'fault'"),
        (b'{"endpoint": "GET /x", "fault": "500", "times": -2}', "times must be a positive integer"),
    ],
)
def test_bad_fault_requests_are_400_naming_the_problem(client: httpx.Client, body: bytes, named: str) -> None:
    response = client.post("/_emulator/faults", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert named in response.json()["error"]


def test_inject_fault_rejects_bad_arguments(emulator: EmulatorServer) -> None:
    with pytest.raises(UsageError, match="latency does not take status"):
        emulator.inject_fault("GET /x", Fault.LATENCY, status=500)
    with pytest.raises(UsageError, match="times must be a positive integer"):
        emulator.inject_fault("GET /x", Fault.RESET, times=0)
