"""multipart/form-data request bodies: their text fields are checked against the body schema, their
files are not judged, and no field value is ever quoted (Parley's POST /messages, bundled spec)."""

from __future__ import annotations

import httpx
import pytest

from kpn_contract.contract._multipart import multipart_object
from kpn_contract.contract.specs import bundled_spec_dir, project_index
from kpn_contract.contract.validate import Validator

URL = "https://api-prd.kpn.com/communication/parley/secure-messenger/messages?message=hi"
HEADERS = {"authorization": "Bearer a-token", "uniqueAppDeviceId": "device-0123456789"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
PLANTED = "planted-secret-4d90a1"
SCHEMA = {"type": "object", "properties": {"typeId": {"type": "integer"}, "tags": {"type": "array"}}}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(project_index(bundled_spec_dir()))


def _request(data: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None) -> httpx.Request:
    return httpx.Request(
        "POST", URL, headers=HEADERS, data=data, files=files or {"image": ("a.png", PNG, "image/png")}
    )


def test_a_valid_multipart_body_has_no_violations(validator: Validator) -> None:
    assert validator.check_request(_request({"typeId": "4"})) == []


def test_a_field_breaking_its_schema_is_reported_without_its_value(validator: Validator) -> None:
    violations = validator.check_request(_request({"typeId": "7" + PLANTED}))
    assert {(v.rule_id, v.pointer) for v in violations} == {("request.body.schema", "/typeId")}
    assert all(PLANTED not in v.describe() for v in violations)


def test_an_out_of_enum_number_is_reported(validator: Validator) -> None:
    violations = validator.check_request(_request({"typeId": "-58800"}))
    assert [(v.rule_id, v.pointer) for v in violations] == [("request.body.schema", "/typeId")]
    assert "enum" in violations[0].expected


def test_a_file_part_is_not_judged(validator: Validator) -> None:
    # The image is binary and not UTF-8: it reaches the schema as a string, not as an error.
    files = {"image": ("a.gif", b"\xff\x00\xfe" * 50, "image/gif")}
    assert validator.check_request(_request({"typeId": "1"}, files)) == []


def test_fields_are_coerced_like_a_forms() -> None:
    request = httpx.Request("POST", URL, data={"typeId": "12", "tags": ["a", "b"]}, files={"f": ("x", b"1")})
    fields = multipart_object(request.read(), request.headers["content-type"], SCHEMA)
    assert fields == {"typeId": 12, "tags": ["a", "b"], "f": "1"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"no parts here", "multipart/form-data; boundary=zz"),
        (b"--zz\r\n", "multipart/form-data"),  # no boundary parameter
    ],
    ids=["no-parts", "no-boundary"],
)
def test_a_body_that_is_no_multipart_message_has_no_fields(body: bytes, content_type: str) -> None:
    assert multipart_object(body, content_type, SCHEMA) is None


@pytest.mark.parametrize(
    "body",
    [
        b"--zz\r\n--zz--\r\n",  # one part naming no field (what schemathesis sends for a string)
        b"--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz--\r\n",  # no Content-Disposition name
        b"no parts here",
    ],
    ids=["empty-part", "nameless-part", "no-delimiter"],
)
def test_a_malformed_multipart_body_is_a_violation(validator: Validator, body: bytes) -> None:
    headers = {**HEADERS, "content-type": "multipart/form-data; boundary=zz"}
    violations = validator.check_request(httpx.Request("POST", URL, headers=headers, content=body))
    assert [(v.rule_id, v.pointer) for v in violations] == [("request.body.multipart", "")]


def test_a_close_delimiter_alone_is_an_empty_form(validator: Validator) -> None:
    # How schemathesis (and other clients) send an object without fields: Parley's body has no
    # required field, so it is valid.
    headers = {**HEADERS, "content-type": "multipart/form-data; boundary=zz"}
    request = httpx.Request("POST", URL, headers=headers, content=b"--zz--\r\n")
    assert validator.check_request(request) == []
    assert multipart_object(b"--zz--\r\n", "multipart/form-data; boundary=zz", SCHEMA) == {}


def test_a_json_part_is_read_as_json() -> None:
    # xDroid's POST /job: an object field sent as an application/json part (OpenAPI 3's default).
    schema = {"type": "object", "properties": {"config": {"type": "object"}, "n": {"type": "integer"}}}
    body = (
        b'--b1\r\nContent-Disposition: form-data; name="config"\r\nContent-Type: application/json\r\n\r\n'
        b'{"language": "en"}\r\n'
        b'--b1\r\nContent-Disposition: form-data; name="n"\r\nContent-Type: application/json\r\n\r\n'
        b"not json\r\n--b1--\r\n"
    )
    fields = multipart_object(body, "multipart/form-data; boundary=b1", schema)
    assert fields == {"config": {"language": "en"}, "n": "not json"}  # a part that is not JSON stays text
