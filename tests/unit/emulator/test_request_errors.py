"""A bad request to a product: the emulator answers the product's documented 400, in its own shape.

Each product is called through a real loopback emulator serving the bundled specs/. Every answer is
then checked against the operation's declared 400 with the toolkit's response validator, so the
shape is the one the contract documents, not a generic one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kpn_contract.contract.specs import bundled_spec_dir, project_index
from kpn_contract.contract.validate import Validator
from kpn_contract.emulator import EmulatorServer, EmulatorSettings

from .conftest import gateway_token, loopback_client
from .test_server import _run_cli

PARLEY = "/communication/parley/secure-messenger"
INSIGHT = "/communication/nexmo/number-insight"
WESEEDO = "/communication/weseedo/weseedopersonal"
VERIFY = "/communication/kpn/numberverify"
DEVICE = {"uniqueAppDeviceId": "device-0123456789"}
PLANTED = "planted-secret-b7e41c9d"


@pytest.fixture(scope="module")
def contract() -> Validator:
    return Validator(project_index(bundled_spec_dir()))


@pytest.fixture
def http(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with loopback_client(emulator.base_url) as client:
        client.headers["authorization"] = f"Bearer {gateway_token(client)}"
        yield client


def _documented_400(contract: Validator, response: httpx.Response) -> dict[str, Any]:
    """The body of a 400 that keeps the operation's declared 400 (status, content type, schema)."""
    assert response.status_code == 400, response.text
    violations = contract.validate(
        response.request.method,
        f"https://api-prd.kpn.com{response.url.path}",
        response.status_code,
        response.headers,
        response.content,
    )
    assert violations == [], [v.describe() for v in violations]
    body: dict[str, Any] = response.json()
    return body


def _parley_codes(body: dict[str, Any]) -> list[str]:
    assert body["status"] == "ERROR"
    assert all(note["type"] == "error" for note in body["notifications"])
    return [str(note["message"]) for note in body["notifications"]]


# -- Parley: its own envelope and snake_case codes --------------------------------------------------------
def test_parley_missing_required_header(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.get(f"{PARLEY}/messages"))
    assert _parley_codes(body) == ["missing_uniqueAppDeviceId"]
    assert body["metadata"] == {"values": {"url": "messages"}, "method": "get", "duration": 0.01}


def test_parley_missing_required_query_parameter_is_its_documented_code(
    http: httpx.Client, contract: Validator
) -> None:
    body = _documented_400(contract, http.post(f"{PARLEY}/messages", headers=DEVICE))
    assert _parley_codes(body) == ["missing_message_or_image"]


def test_parley_wrong_type_in_the_path(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.get(f"{PARLEY}/messages/not-a-number", headers=DEVICE))
    assert _parley_codes(body) == ["invalid_id_format"]
    assert body["metadata"]["values"] == {"url": "messages/{id}"}  # a rejected value is never echoed


def test_parley_wrong_enum_is_its_documented_code(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{PARLEY}/messages", params={"message": "hi", "typeId": "7"}, headers=DEVICE)
    assert _parley_codes(_documented_400(contract, response)) == ["invalid_message_type"]


def test_parley_wrong_content_type(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{PARLEY}/messages", params={"message": "hi"}, headers=DEVICE, json={"typeId": 1})
    assert _parley_codes(_documented_400(contract, response)) == ["invalid_body_format"]


def test_parley_multipart_field_out_of_enum_is_its_documented_code(
    http: httpx.Client, contract: Validator
) -> None:
    response = http.post(
        f"{PARLEY}/messages",
        params={"message": "hi"},
        headers=DEVICE,
        data={"typeId": "9"},
        files={"image": ("a.png", b"\x89PNG\r\n", "image/png")},
    )
    assert _parley_codes(_documented_400(contract, response)) == ["invalid_message_type"]


def test_a_rejected_call_passed_the_gateway_and_counts_against_the_quota(http: httpx.Client) -> None:
    response = http.get(f"{PARLEY}/messages")
    assert response.status_code == 400
    assert response.headers["sunset"] == "n/a"
    assert int(response.headers["quota-used"]) >= 1


def test_parley_valid_request_still_succeeds(http: httpx.Client) -> None:
    assert http.get(f"{PARLEY}/messages/12", headers=DEVICE).status_code == 200


# -- Number Insight: the gateway shape its definition declares (status as a string) -----------------------
def test_number_insight_missing_form_field(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{INSIGHT}/basic", data={"country": "NL"}))
    assert body["status"] == "400"
    assert body["name"] == "Bad Request"
    assert "number" in body["message"]
    assert set(body) == {"transactionId", "status", "name", "message", "info"}


def test_a_header_that_is_not_utf8_gets_the_products_declared_400(
    http: httpx.Client, contract: Validator
) -> None:
    # Was a fixed {"status": 400, ...} (an integer where WBA and Number Insight declare a string).
    headers = [("x-originator", "caf\xe9-latin1-value".encode("latin-1"))]
    response = http.post(f"{INSIGHT}/basic", data={"number": "31612345678"}, headers=headers)  # type: ignore[arg-type]
    body = _documented_400(contract, response)
    assert body["status"] == "400"
    assert body["message"] == "request header x-originator is not UTF-8 text"
    assert "latin1-value" not in response.text


def test_number_insight_bad_path_enum_and_pattern(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{INSIGHT}/premium", data={"number": "not a number!"}))
    assert "path parameter level" in body["info"]
    assert "number" in body["info"]


def test_number_insight_wrong_content_type(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{INSIGHT}/basic", json={"number": "31612345678"}))
    assert body["message"].startswith("Content-Type must be")
    assert "application/x-www-form-urlencoded" in body["message"]


def test_number_insight_valid_request_still_succeeds(http: httpx.Client) -> None:
    assert http.post(f"{INSIGHT}/basic", data={"number": "31612345678"}).status_code == 200


# -- WeSeeDo: the gateway shape, JSON bodies ---------------------------------------------------------------
def test_weseedo_invalid_json_body(http: httpx.Client, contract: Validator) -> None:
    response = http.post(
        f"{WESEEDO}/personal/sms", content=b'{"participant": ', headers={"content-type": "application/json"}
    )
    assert _documented_400(contract, response)["message"] == "the request body is not valid JSON"


def test_weseedo_body_breaking_its_schema(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{WESEEDO}/personal/sms", json={"participant": 12}))
    assert body["message"].startswith("request body")
    assert "message" in body["info"]  # the missing required property


def test_weseedo_wrong_content_type(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{WESEEDO}/personal/sms", data={"participant": "p", "message": "m"})
    body = _documented_400(contract, response)
    assert body["message"] == "Content-Type must be one of application/json"


def test_weseedo_missing_required_header(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{WESEEDO}/personal/meetings", json={"site": "s1", "participants": [{"name": "A"}]})
    assert _documented_400(contract, response)["message"] == "header parameter user_email is required"


# -- Number Verify: {error_code, message}, both enum-bound --------------------------------------------------
def test_number_verify_missing_body(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{VERIFY}/insights/31612345678"))
    assert body == {"error_code": 400, "message": "Bad Request"}


def test_number_verify_form_missing_field(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{VERIFY}/token", data={"client_id": "c", "client_secret": "s"})
    assert _documented_400(contract, response) == {"error_code": 400, "message": "Bad Request"}


def test_number_verify_wrong_content_type(http: httpx.Client, contract: Validator) -> None:
    response = http.post(f"{VERIFY}/token", json={"client_id": "c", "client_secret": "s", "scopes": "x"})
    assert _documented_400(contract, response) == {"error_code": 400, "message": "Bad Request"}


def test_number_verify_valid_request_still_succeeds(http: httpx.Client) -> None:
    response = http.post(f"{VERIFY}/token", data={"client_id": "c", "client_secret": "s", "scopes": "x"})
    assert response.status_code == 200


# -- what no bad request may do -----------------------------------------------------------------------------
def test_no_sent_value_is_echoed_back(http: httpx.Client, contract: Validator) -> None:
    # A planted secret in a header, the query and a form body of bad requests never comes back.
    answers = [
        http.get(f"{PARLEY}/messages/{PLANTED}", headers={**DEVICE, "authString": PLANTED}),
        http.post(f"{INSIGHT}/basic", data={"number": PLANTED, "ip": PLANTED}),
        http.post(f"{VERIFY}/token", data={"client_id": "c", "client_secret": PLANTED}),
        http.get(f"{WESEEDO}/management/users", params={"user_status": PLANTED}),
    ]
    for response in answers:
        _documented_400(contract, response)
        assert PLANTED not in response.text
        assert PLANTED not in json.dumps(dict(response.headers))


def test_messages_are_one_line(http: httpx.Client, contract: Validator) -> None:
    body = _documented_400(contract, http.post(f"{WESEEDO}/personal/sms", json={"participant": [1, 2]}))
    assert "\n" not in body["message"]
    assert "\n" not in body["info"]


def test_a_token_is_checked_before_the_request(http: httpx.Client, contract: Validator) -> None:
    # The gateway answers first: a bad request without a valid token is a 401, not a 400. Parley
    # declares its own envelope for the 401, which the gateway's fault does not fit: the answer
    # takes the declared shape (generated answers always conform to the operation's schema).
    response = http.get(f"{PARLEY}/messages", headers={"authorization": "Bearer not-issued-here"})
    assert response.status_code == 401
    violations = contract.validate(
        "GET", f"https://api-prd.kpn.com{response.url.path}", 401, response.headers, response.content
    )
    assert violations == [], [v.describe() for v in violations]
    assert "fault" not in response.json()


def test_a_bad_token_is_401_even_where_no_401_is_declared(http: httpx.Client) -> None:
    # Number Verify's POST /insights/{msisdn} declares 400 and 404 but no 401 (a published defect,
    # undeclared-401): the gateway answers 401 whatever the product declares.
    url = "/communication/kpn/numberverify/insights/31612345678"
    response = http.post(url, headers={"authorization": "Bearer not-issued-here"}, json={})
    assert response.status_code == 401


# -- undeclared methods and deleted resources ---------------------------------------------------------------
def test_an_undeclared_method_on_a_known_path_is_405_with_allow(http: httpx.Client) -> None:
    response = http.put(f"{PARLEY}/services/event/startTyping")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["name"] == "Method Not Allowed"
    with_value = http.delete(f"{PARLEY}/messages/{PLANTED}")
    assert with_value.status_code == 405
    assert with_value.headers["allow"] == "GET"
    assert PLANTED not in with_value.text


def test_an_undeclared_method_without_a_token_is_the_gateway_401(http: httpx.Client) -> None:
    response = http.put(f"{PARLEY}/services/event/startTyping", headers={"authorization": ""})
    assert response.status_code == 401


@pytest.fixture(scope="module")
def remembering() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings(remember_deletions=True)) as server:
        yield server


def test_a_deleted_resource_is_404_until_reset(remembering: EmulatorServer, contract: Validator) -> None:
    url = f"{WESEEDO}/personal/meetings/m-1"
    with loopback_client(remembering.base_url) as http:
        http.headers["authorization"] = f"Bearer {gateway_token(http)}"
        assert http.get(url).status_code == 200
        assert http.delete(url).status_code == 200
        gone = http.get(url)
        assert gone.status_code == 404
        assert gone.json()["status"] == "404"
        assert (
            contract.validate("GET", f"https://api-prd.kpn.com{url}", 404, gone.headers, gone.content) == []
        )
        assert http.delete(url).status_code == 404
        assert http.get(f"{WESEEDO}/personal/meetings/m-2").status_code == 200
        remembering.reset()  # forgets tokens too
        http.headers["authorization"] = f"Bearer {gateway_token(http)}"
        assert http.get(url).status_code == 200


def test_a_deletion_is_remembered_for_its_own_product(remembering: EmulatorServer) -> None:
    # Webhook Privacy Config Manager and Webhook Signing Keys share the base path /webhookconfigs-kpn:
    # deleting the one's application webhook config leaves the other's application keys alone.
    webhooks = "/webhookconfigs-kpn"
    key = {"secret": "my-shared-secret-at-least-32-chars-long"}
    with loopback_client(remembering.base_url) as http:
        http.headers["authorization"] = f"Bearer {gateway_token(http)}"
        assert http.delete(f"{webhooks}/applications").status_code == 204
        assert http.get(f"{webhooks}/applications").status_code == 404  # its own product: gone
        assert http.post(f"{webhooks}/applications/keys", json=key).status_code == 201


def test_by_default_deletions_are_not_remembered(http: httpx.Client) -> None:
    # A suite calling every operation once with the same generated IDs expects each to succeed.
    url = f"{WESEEDO}/management/users/u-1"
    assert http.delete(url).status_code == 200
    assert http.patch(url, json={"locale": "nl"}).status_code == 200


def test_emulate_remember_deletions_reaches_the_running_emulator() -> None:
    # `kpn-contract emulate --remember-deletions` runs run_emulator_cli(remember_deletions=True).
    text, stop, thread, errors = _run_cli(port=0, remember_deletions=True)
    try:
        url = next(line.split()[-1] for line in text.splitlines() if "listening on" in line)
        with loopback_client(url) as http:
            http.headers["authorization"] = f"Bearer {gateway_token(http)}"
            assert http.delete(f"{WESEEDO}/management/users/u-9").status_code == 200
            assert http.get(f"{WESEEDO}/management/users/u-9").status_code == 404
    finally:
        stop.set()
        thread.join(10)
    assert errors == []
