"""Contract coverage computed from exchanges against a small spec: every figure checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from kpn_contract.contract.index import SpecIndex
from kpn_contract.contract.specs import load_spec
from kpn_contract.coverage import Exchange, compute
from kpn_contract.coverage.model import CoverageReport, OperationCoverage
from kpn_contract.coverage.sources import exchange_from_response, reduce_call

SPEC = """
openapi: 3.0.3
info: {title: Tiny, version: "1.0"}
servers: [{url: "https://api.example.test/v1"}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: expand, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "4XX": {description: client error}
  /items:
    post:
      operationId: createItem
      requestBody:
        content:
          application/json: {schema: {type: object}}
          application/x-www-form-urlencoded: {schema: {type: object}}
      responses:
        "201": {description: created}
        default: {description: error}
    delete:
      operationId: deleteItems
      responses:
        "204": {description: gone}
"""
EMPTY = """
openapi: 3.0.3
info: {title: Empty, version: "0"}
paths: {}
"""
PLANTED = "planted-coverage-secret-7d41c2e9"
BASE = "https://api.example.test/v1"


@pytest.fixture
def index(tmp_path: Path) -> SpecIndex:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tiny.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "empty.yaml").write_text(EMPTY, encoding="utf-8")
    return SpecIndex([load_spec(tmp_path / "sub" / "tiny.yaml"), load_spec(tmp_path / "empty.yaml")])


def call(method: str, url: str, status: int, **kwargs: object) -> Exchange:
    headers = kwargs.get("headers", [])
    body = kwargs.get("body", b"")
    assert isinstance(headers, list)
    assert isinstance(body, bytes)
    response_type = kwargs.get("response_type")
    assert response_type is None or isinstance(response_type, str)
    return reduce_call(method, url, status, headers, body, response_type)


def operation(report: CoverageReport, key: str) -> OperationCoverage:
    return next(op for spec in report.specs for op in spec.operations if op.operation.key == key)


def test_every_declared_operation_is_listed_with_its_calls_and_statuses(index: SpecIndex) -> None:
    report = compute(
        index,
        [
            call("GET", f"{BASE}/items/1", 200, response_type="application/json; charset=utf-8"),
            call("GET", f"{BASE}/items/2", 404, response_type="application/problem+json"),
            call("GET", f"{BASE}/items/3", 500),
            call("POST", f"{BASE}/items", 503),
        ],
        source="test",
    )
    get = operation(report, "GET /items/{id}")
    assert get.calls == 3
    assert dict(get.statuses_seen) == {200: 1, 404: 1, 500: 1}
    assert get.statuses_covered == ["200", "4XX"]  # 404 selects the 4XX response
    assert get.statuses_undeclared == [500]
    assert get.to_dict()["response_media_types_seen"] == ["application/json", "application/problem+json"]
    post = operation(report, "POST /items")
    assert post.statuses_covered == ["default"]  # 503 selects default; 201 was never seen
    delete = operation(report, "DELETE /items")
    assert (delete.calls, delete.statuses_covered) == (0, [])
    assert [spec.name for spec in report.specs] == ["sub/tiny.yaml", "empty.yaml"]
    assert report.totals() == {
        "calls": 4,
        "unmatched_calls": 0,
        "operations_called": 2,
        "operations_declared": 3,
        "operations_percent": 66.7,
        "statuses_covered": 3,
        "statuses_declared": 5,
        "statuses_percent": 60.0,
    }


def test_parameters_and_media_types_exercised(index: SpecIndex) -> None:
    report = compute(
        index,
        [
            call(
                "GET",
                f"{BASE}/items/1?expand=all",
                200,
                headers=[("x-trace", "t"), ("Cookie", "session=s; o=1")],
            ),
            call(
                "POST",
                f"{BASE}/items",
                201,
                headers=[("Content-Type", "application/x-www-form-urlencoded")],
                body=b"a=1",
            ),
            call("POST", f"{BASE}/items", 201, headers=[("Content-Type", "text/plain")]),  # no body: no type
        ],
        source="test",
    )
    get = operation(report, "GET /items/{id}").to_dict()
    assert get["parameters_declared"] == [
        "path id",
        "query expand",
        "query limit",
        "header x-trace",
        "cookie session",
    ]
    assert get["parameters_exercised"] == ["path id", "query expand", "header x-trace", "cookie session"]
    post = operation(report, "POST /items").to_dict()
    assert post["request_media_types_declared"] == ["application/json", "application/x-www-form-urlencoded"]
    assert post["request_media_types_seen"] == ["application/x-www-form-urlencoded"]


def test_calls_no_spec_declares_are_counted_apart(index: SpecIndex) -> None:
    report = compute(
        index, [call("GET", f"{BASE}/elsewhere", 200), call("PATCH", f"{BASE}/items", 200)], source="t"
    )
    assert (report.unmatched_calls, report.calls, report.operations_called) == (2, 2, 0)


def test_a_spec_without_operations_has_no_percentage(index: SpecIndex) -> None:
    empty = compute(index, [], source="test").specs[1]
    assert (len(empty.operations), empty.operations_percent) == (0, None)
    assert compute(SpecIndex([]), [], source="test").operations_percent is None


def test_an_exchange_keeps_names_never_values() -> None:
    exchange = reduce_call(
        "post",
        f"{BASE}/items?token={PLANTED}&{PLANTED}x=1",
        201,
        [
            ("Authorization", f"Bearer {PLANTED}"),
            ("Cookie", f"session={PLANTED}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        f"client_secret={PLANTED}".encode(),
        "application/json",
    )
    assert exchange.query == ("token", f"{PLANTED}x")  # a name is a name: the report lists declared ones only
    assert exchange.form == ("client_secret",)
    values = json.dumps(exchange.to_dict()).replace(f"{PLANTED}x", "")
    assert PLANTED not in values
    assert Exchange.from_dict(exchange.to_dict()) == exchange


def test_an_undeclared_parameter_name_never_reaches_the_report(index: SpecIndex) -> None:
    report = compute(index, [call("GET", f"{BASE}/items/1?{PLANTED}=1", 200)], source="test")
    assert PLANTED not in json.dumps(report.to_dict())


def test_an_httpx_response_becomes_an_exchange() -> None:
    request = httpx.Request(
        "PUT", f"{BASE}/items/1?limit=2", content=b"{}", headers={"Content-Type": "application/json"}
    )
    response = httpx.Response(204, request=request)
    exchange = exchange_from_response(response)
    assert (exchange.method, exchange.url, exchange.status, exchange.query) == (
        "PUT",
        f"{BASE}/items/1",
        204,
        ("limit",),
    )
    assert (exchange.has_body, exchange.request_media_type, exchange.response_media_type) == (
        True,
        "application/json",
        None,
    )
