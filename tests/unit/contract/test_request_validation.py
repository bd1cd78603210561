"""Request validation: every rule, positive and negative, each violation naming the parameter or
pointer and the rule, and no header, cookie or form value ever quoted."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kpn_contract.contract.model import Operation, Parameter, Spec, Violation
from kpn_contract.contract.request_validation import REQUEST_RULES
from kpn_contract.contract.specs import SpecIndex, load_spec
from kpn_contract.contract.validate import Validator
from kpn_contract.redact import register_secret

WriteSpec = Callable[..., Path]
BASE = "https://api.example.test"
BEARER = {"authorization": "Bearer a-token", "x-trace": "t-1"}
PLANTED = "planted-secret-7c1e94d2"  # never registered: the validator itself must not quote it

LIMIT = {"type": "integer", "minimum": 1, "maximum": 100}
TAGS = {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}
INTEGERS = {"type": "array", "items": {"type": "integer"}}
FILTER = {"type": "object", "properties": {"size": {"type": "integer", "maximum": 10}}}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Request rules", "version": "1"},
    "servers": [{"url": BASE}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "basic": {"type": "http", "scheme": "basic"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
    "security": [{"bearer": []}],
    "paths": {
        "/items/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
            ],
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "limit", "in": "query", "required": True, "schema": LIMIT},
                    {"name": "tags", "in": "query", "schema": TAGS},
                    {"name": "ids", "in": "query", "explode": False, "schema": INTEGERS},
                    {"name": "piped", "in": "query", "style": "pipeDelimited", "schema": INTEGERS},
                    {"name": "spaced", "in": "query", "style": "spaceDelimited", "schema": INTEGERS},
                    {"name": "filter", "in": "query", "style": "deepObject", "schema": FILTER},
                    {"name": "when", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "X-Mode",
                        "in": "header",
                        "schema": {"type": "string", "enum": ["fast", "safe"]},
                    },
                    {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "theme",
                        "in": "cookie",
                        "schema": {"type": "string", "enum": ["dark", "light"]},
                    },
                    # Ignored, as OpenAPI says: Authorization belongs to the security requirement.
                    {"name": "Authorization", "in": "header", "required": True, "schema": {"enum": ["x"]}},
                ],
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/labels/{label}": {
            "get": {
                "operationId": "getLabels",
                "security": [],
                "parameters": [
                    {
                        "name": "label",
                        "in": "path",
                        "required": True,
                        "style": "label",
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/matrix/{m}": {
            "get": {
                "operationId": "getMatrix",
                "security": [],
                "parameters": [
                    {
                        "name": "m",
                        "in": "path",
                        "required": True,
                        "style": "matrix",
                        "explode": True,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/things": {
            "post": {
                "operationId": "createThing",
                "security": [{"key": []}, {"basic": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "maxLength": 5}},
                            }
                        },
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["secret"],
                                "properties": {
                                    "secret": {"type": "string", "minLength": 40},
                                    "count": {"type": "integer"},
                                    "on": {"type": "boolean"},
                                },
                            }
                        },
                        "multipart/form-data": {"schema": {"type": "object", "required": ["file"]}},
                    },
                },
                "responses": {"201": {"description": "created"}},
            }
        },
        "/session": {
            "get": {
                "operationId": "getSession",
                "security": [{"session": []}, {}],
                "responses": {"200": {"description": "ok"}},
            },
            "delete": {
                "operationId": "endSession",
                "security": [{"session": []}],
                "responses": {"204": {"description": "gone"}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    path = tmp_path_factory.mktemp("spec") / "rules.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    return Validator(SpecIndex([load_spec(path)]))


def found(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(v.rule_id, v.pointer) for v in violations]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=5", []),
        ("limit=5&tags=a&tags=b&ids=1,2&piped=1|2&spaced=1%202&filter[size]=3&flag=true", []),
        ("when=2026-11-30T10:00:00Z&limit=1", []),
        ("", [("request.parameter.required", "query parameter limit")]),
        ("limit=0", [("request.parameter.schema", "query parameter limit")]),
        ("limit=101", [("request.parameter.schema", "query parameter limit")]),
        ("limit=five", [("request.parameter.schema", "query parameter limit")]),
        ("limit=1&tags=a&tags=c", [("request.parameter.schema", "query parameter tags/1")]),
        ("limit=1&ids=1,x", [("request.parameter.schema", "query parameter ids/1")]),
        ("limit=1&piped=1|x", [("request.parameter.schema", "query parameter piped/1")]),
        ("limit=1&spaced=x%202", [("request.parameter.schema", "query parameter spaced/0")]),
        ("limit=1&filter[size]=11", [("request.parameter.schema", "query parameter filter/size")]),
        ("limit=1&when=yesterday", [("request.parameter.schema", "query parameter when")]),
        ("limit=1&flag=yes", [("request.parameter.schema", "query parameter flag")]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_query_parameters_are_read_per_style_and_checked(
    validator: Validator, query: str, expected: list[tuple[str, str]]
) -> None:
    request = httpx.Request("GET", f"{BASE}/items/7?{query}", headers=BEARER)
    assert found(validator.check_request(request)) == expected


def test_a_violation_names_the_parameter_the_rule_and_the_allowed_values(validator: Validator) -> None:
    (violation,) = validator.check_request(httpx.Request("GET", f"{BASE}/items/7?limit=0", headers=BEARER))
    assert violation.describe().startswith("request.parameter.schema at query parameter limit in getItem [")
    assert violation.expected == "minimum 1"
    assert violation.actual == "0"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items/7", []),
        ("/items/0", [("request.parameter.schema", "path parameter id")]),
        ("/items/seven", [("request.parameter.schema", "path parameter id")]),
        ("/labels/.1,2", []),
        ("/labels/.1,x", [("request.parameter.schema", "path parameter label/1")]),
        ("/matrix/;m=1;m=2", []),
        ("/matrix/;m=1;m=y", [("request.parameter.schema", "path parameter m/1")]),
    ],
)
def test_path_parameters_are_read_per_style_and_checked(
    validator: Validator, path: str, expected: list[tuple[str, str]]
) -> None:
    request = httpx.Request("GET", f"{BASE}{path}?limit=1", headers=BEARER)
    assert found(validator.check_request(request)) == expected


def test_a_bad_header_value_is_reported_without_quoting_it(validator: Validator) -> None:
    request = httpx.Request("GET", f"{BASE}/items/7?limit=1", headers={**BEARER, "X-Mode": PLANTED})
    (violation,) = validator.check_request(request)
    assert (violation.rule_id, violation.pointer) == ("request.parameter.schema", "header parameter X-Mode")
    assert violation.expected == 'enum ["fast", "safe"]'
    assert PLANTED not in violation.describe()
    assert "not shown" in violation.actual


def test_a_missing_required_header_is_reported(validator: Validator) -> None:
    request = httpx.Request("GET", f"{BASE}/items/7?limit=1", headers={"authorization": "Bearer t"})
    assert found(validator.check_request(request)) == [
        ("request.parameter.required", "header parameter X-Trace")
    ]


def test_a_bad_cookie_is_reported_without_quoting_it(validator: Validator) -> None:
    headers = {**BEARER, "cookie": f"other=1; theme={PLANTED}"}
    (violation,) = validator.check_request(httpx.Request("GET", f"{BASE}/items/7?limit=1", headers=headers))
    assert (violation.rule_id, violation.pointer) == ("request.parameter.schema", "cookie parameter theme")
    assert PLANTED not in violation.describe()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-trace": "t"}, ["request.security"]),
        ({"x-trace": "t", "authorization": "Basic dXNlcjpwYXNz"}, ["request.security"]),
        ({"x-trace": "t", "authorization": "Bearer "}, ["request.security"]),
        ({"x-trace": "t", "authorization": "bearer a-token"}, []),
    ],
    ids=["none", "basic-for-bearer", "empty-bearer", "lower-case-scheme"],
)
def test_the_bearer_requirement(validator: Validator, headers: dict[str, str], expected: list[str]) -> None:
    violations = validator.check_request(httpx.Request("GET", f"{BASE}/items/7?limit=1", headers=headers))
    assert [v.rule_id for v in violations] == expected


def test_a_security_violation_names_what_was_expected_and_never_the_value(validator: Validator) -> None:
    headers = {"authorization": f"Token {PLANTED}", "content-type": "application/json"}
    request = httpx.Request("POST", f"{BASE}/things", headers=headers, content=b'{"name": "ok"}')
    (violation,) = validator.check_request(request)
    assert violation.rule_id == "request.security"
    assert violation.expected == "header X-Api-Key (key) or Authorization: Basic … (basic)"
    assert PLANTED not in violation.describe()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-api-key": "k"}, []),
        ({"authorization": "Basic dXNlcjpwYXNz"}, []),
        ({}, ["request.security"]),
    ],
    ids=["api-key", "basic", "neither"],
)
def test_any_one_security_alternative_suffices(
    validator: Validator, headers: dict[str, str], expected: list[str]
) -> None:
    request = httpx.Request("POST", f"{BASE}/things", headers=headers, json={"name": "ok"})
    assert [v.rule_id for v in validator.check_request(request)] == expected


def test_an_anonymous_alternative_needs_no_credentials_and_a_cookie_key_is_found(
    validator: Validator,
) -> None:
    assert validator.check_request(httpx.Request("GET", f"{BASE}/session")) == []
    assert [v.rule_id for v in validator.check_request(httpx.Request("DELETE", f"{BASE}/session"))] == [
        "request.security"
    ]
    with_cookie = httpx.Request("DELETE", f"{BASE}/session", headers={"cookie": "session=abc"})
    assert validator.check_request(with_cookie) == []


KEY = {"x-api-key": "k"}


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"content-type": "application/json"}, b'{"name": "box"}', []),
        ({"content-type": "application/json; charset=utf-8"}, b'{"name": "box"}', []),
        ({"content-type": "application/json"}, b'{"name": "toolong"}', [("request.body.schema", "/name")]),
        ({"content-type": "application/json"}, b"{}", [("request.body.schema", "/name")]),
        ({"content-type": "application/json"}, b"{not json", [("request.body.json", "")]),
        ({}, b"", [("request.body.required", "")]),
        ({"content-type": "text/plain"}, b"name=box", [("request.content-type", "")]),
        ({}, b'{"name": "box"}', [("request.content-type", "")]),
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x--", [("request.body.schema", "/file")]),
        ({"content-type": "application/x-www-form-urlencoded"}, b"secret=" + b"s" * 40 + b"&on=true", []),
        (
            {"content-type": "application/x-www-form-urlencoded"},
            b"secret=" + b"s" * 40 + b"&count=x",
            [("request.body.schema", "/count")],
        ),
    ],
    ids=[
        "json",
        "json-charset",
        "json-too-long",
        "json-required",
        "json-invalid",
        "required",
        "undeclared-type",
        "no-content-type",
        "multipart-without-parts",
        "form",
        "form-type",
    ],
)
def test_bodies_per_media_type(
    validator: Validator, headers: dict[str, str], body: bytes, expected: list[tuple[str, str]]
) -> None:
    request = httpx.Request("POST", f"{BASE}/things", headers={**KEY, **headers}, content=body)
    assert found(validator.check_request(request)) == expected


def test_form_body_values_are_never_quoted(validator: Validator) -> None:
    body = f"secret={PLANTED}".encode()
    headers = {**KEY, "content-type": "application/x-www-form-urlencoded"}
    (violation,) = validator.check_request(
        httpx.Request("POST", f"{BASE}/things", headers=headers, content=body)
    )
    assert (violation.rule_id, violation.pointer, violation.expected) == (
        "request.body.schema",
        "/secret",
        "minLength 40",
    )
    assert PLANTED not in violation.describe()


def test_a_registered_secret_in_a_query_value_is_redacted(validator: Validator) -> None:
    secret = "query-secret-5f0b8e21a9"
    register_secret(secret)
    request = httpx.Request("GET", f"{BASE}/items/7?limit={secret}", headers=BEARER)
    (violation,) = validator.check_request(request)
    assert secret not in violation.describe()


def test_plain_headers_and_an_unread_body_are_accepted(validator: Validator) -> None:
    # validate_request is what verify (cassettes) and the emulator (Starlette) call.
    assert (
        validator.validate_request(
            "GET", f"{BASE}/items/7?limit=1", {"Authorization": "Bearer t", "X-Trace": "1"}, b""
        )
        == []
    )
    assert validator.validate_request("POST", f"{BASE}/things", KEY, None) == []  # body not checked


def test_a_request_no_spec_declares_has_no_violations(validator: Validator) -> None:
    assert validator.check_request(httpx.Request("GET", "https://elsewhere.test/nothing")) == []


def test_a_sync_streamed_body_is_read_and_checked(validator: Validator) -> None:
    def chunks() -> Any:
        yield b'{"name": '
        yield b'"toolong"}'

    request = httpx.Request(
        "POST", f"{BASE}/things", headers={**KEY, "content-type": "application/json"}, content=chunks()
    )
    assert found(validator.check_request(request)) == [("request.body.schema", "/name")]


def test_request_and_response_validation_share_the_compiled_schemas(validator: Validator) -> None:
    assert validator.requests.schemas is validator.schemas
    assert validator.requests.index is validator.index


def test_swagger_collection_formats_become_styles(write_spec: WriteSpec) -> None:
    path = write_spec(
        {
            "swagger": "2.0",
            "info": {"title": "old", "version": "1"},
            "host": "old.example.test",
            "paths": {
                "/x": {
                    "get": {
                        "parameters": [
                            {
                                "name": "a",
                                "in": "query",
                                "type": "array",
                                "items": {"type": "integer"},
                                "collectionFormat": "pipes",
                            },
                            {
                                "name": "b",
                                "in": "query",
                                "type": "array",
                                "items": {"type": "integer"},
                                "collectionFormat": "multi",
                            },
                            {"name": "c", "in": "query", "type": "array", "items": {"type": "integer"}},
                        ],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
        }
    )
    checker = Validator(SpecIndex([load_spec(path)]))
    assert checker.validate_request("GET", "https://old.example.test/x?a=1|2&b=3&b=4&c=5,6", {}, b"") == []
    bad = checker.validate_request("GET", "https://old.example.test/x?a=1|z&b=3&b=w&c=5,v", {}, b"")
    assert found(bad) == [
        ("request.parameter.schema", "query parameter a/1"),
        ("request.parameter.schema", "query parameter b/1"),
        ("request.parameter.schema", "query parameter c/1"),
    ]


def test_kpn_things_beta_sort_by_bogus(bundled_index: SpecIndex) -> None:
    request = httpx.Request(
        "GET", "https://api.kpnthings.com/api/devices?sortBy=bogus", headers={"authorization": "Bearer t"}
    )
    (violation,) = Validator(bundled_index).check_request(request)
    assert (violation.rule_id, violation.pointer) == ("request.parameter.schema", "query parameter sortBy")
    assert '"bogus"' in violation.actual


def test_the_request_rules_are_documented_next_to_the_response_rules(repo_root: Path) -> None:
    text = (repo_root / "docs" / "contract-rules.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(request\.[a-z.-]+)` \|", text, flags=re.MULTILINE)
    assert documented == list(REQUEST_RULES)
    assert "| `body.schema` |" in text  # the response rules, in the same document


def test_a_parameter_schema_that_cannot_be_compiled_leaves_the_others_checked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Built in code: the loader itself drops a pattern that is no regex, so a file could not hold it.
    parameters = (
        Parameter("bad", "query", required=False, schema={"type": "string", "pattern": "(unclosed"}),
        Parameter("n", "query", required=False, schema={"type": "integer", "maximum": 3}),
    )
    operation = Operation("mem.yaml", "mem", "GET", "/x", "getX", parameters, None, {})
    spec = Spec("mem.yaml", "mem", "1", "openapi-3.0", ("/",), [operation])
    checker = Validator(SpecIndex([spec]))
    assert found(checker.validate_request("GET", "/x?bad=anything&n=4", {}, b"")) == [
        ("request.parameter.schema", "query parameter n")
    ]
    assert checker.validate_request("GET", "/x?bad=anything&n=2", {}, b"") == []
    warnings = [r.getMessage() for r in caplog.records if "cannot be compiled" in r.getMessage()]
    assert len(warnings) == 1  # the broken schema, named once; not the combined one
    assert "GET /x in mem.yaml" in warnings[0]


@pytest.mark.parametrize(
    ("accept", "violated"),
    [
        pytest.param("application/vnd.kpnthings.device.v1.response+json", True, id="the-beta-type"),
        pytest.param("text/html", True, id="another-type"),
        pytest.param("application/json;q=0", True, id="refused-by-weight"),
        pytest.param("application/json", False, id="declared"),
        pytest.param("application/*", False, id="type-wildcard"),
        pytest.param("*/*", False, id="anything"),
        pytest.param("text/html, application/json;q=0.5", False, id="one-of-several"),
        pytest.param("nonsense", False, id="no-media-range"),
    ],
)
def test_an_accept_the_operation_cannot_produce_is_a_request_violation(
    bundled_index: SpecIndex, accept: str, *, violated: bool
) -> None:
    request = httpx.Request(
        "GET", "https://api.kpnthings.com/devices", headers={"authorization": "Bearer t", "accept": accept}
    )
    violations = Validator(bundled_index).check_request(request)
    assert [v.rule_id for v in violations] == (["request.accept"] if violated else [])
    if violated:
        assert "application/json" in violations[0].expected


def test_the_beta_accept_still_passes_on_the_beta(bundled_index: SpecIndex) -> None:
    request = httpx.Request(
        "GET",
        "https://api.kpnthings.com/api/devices",
        headers={"authorization": "Bearer t", "accept": "application/vnd.kpnthings.device.v1.response+json"},
    )
    assert Validator(bundled_index).check_request(request) == []
