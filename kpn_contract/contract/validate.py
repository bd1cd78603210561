"""Validation of responses against their contract: status, content type, headers and body.

:class:`Validator` finds the operation through :class:`~kpn_contract.contract.index.SpecIndex`,
applies the response-code rules (:mod:`kpn_contract.contract.rules`) and validates the body with
a compiled JSON Schema. Everything that depends only on (operation, status, content type) is
worked out once and cached as a plan; per response only the header presence, the body parse and
``is_valid`` run. jsonschema-rs was chosen by measurement (``benchmarks/validation.py``): on a
20-device KPN Things page ``is_valid`` costs a fifth of ``json.loads``, while the pure-Python
jsonschema validator costs several times the parse. Detailed errors are computed only when
``is_valid`` says no.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from kpn_contract.contract._common import (
    MAX_SCHEMA_ERRORS,
    CompiledSchemas,
    clip,
    decode_json,
    header_value,
    is_json,
    json_pointer,
    match_media,
    media_name,
)
from kpn_contract.contract.index import SpecIndex, select_response
from kpn_contract.contract.model import JSONSchema, MediaType, Operation, ResponseSpec, Violation
from kpn_contract.contract.request_validation import RequestValidator
from kpn_contract.contract.rules import CodeRule, RuleTable, default_rules
from kpn_contract.contract.specs import describe_specs, project_index
from kpn_contract.errors import ContractViolation

__all__ = ["Validator", "assert_conforms", "default_validator", "describe_specs"]

_EXCERPT_CHARS = 2000


@dataclass
class _Plan:
    """What is fixed for one (operation, status, content type): the static findings and the body check."""

    operation: Operation
    response: ResponseSpec | None
    static: list[Violation]  # violations known without looking at the body
    rule: CodeRule
    required_headers: tuple[str, ...]
    empty_body: bool  # 204: the body must be empty
    media: MediaType | None  # the declared media type the actual content type matched
    schema_validator: Any  # a compiled jsonschema-rs validator, or None
    parse_json: bool
    plain: bool = False  # nothing but the body to check (set once the plan is complete)


class Validator:
    """Checks responses against the specs of one :class:`SpecIndex` and one :class:`RuleTable`.

    ``strict_unknown=True`` reports a response whose operation no spec declares
    (``operation.unknown``); by default such responses have no violations, since the plugin
    validates every call, token requests and helpers included.
    """

    def __init__(
        self, index: SpecIndex, rules: RuleTable | None = None, *, strict_unknown: bool = False
    ) -> None:
        self.index = index
        self.rules = rules or default_rules()
        self.strict_unknown = strict_unknown
        self._families = {spec.path: self.rules.family_for(spec) for spec in index.specs}
        self._plans: dict[tuple[int, int, str | None, bool], _Plan] = {}
        self.schemas = CompiledSchemas()  # shared with request validation
        self.requests = RequestValidator(index, self.schemas)

    # -- public ----------------------------------------------------------------------------------------------
    def validate(
        self, method: str, url: str, status: int, headers: Mapping[str, Any], body: bytes
    ) -> list[Violation]:
        """Every way this response breaks its contract (an empty list when it keeps it)."""
        found = self.index.match(method, url)
        if found is None:
            if not self.strict_unknown:
                return []
            return [
                Violation(
                    "operation.unknown",
                    f"{method.upper()} {url}",
                    "",
                    "",
                    "an operation declared in a spec",
                    "none",
                )
            ]
        operation = found[0]
        content_type = header_value(headers, "content-type")
        key = (id(operation), status, content_type, content_type is None and bool(body))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(operation, status, content_type, bool(body))
            plan.plain = not plan.static and not plan.required_headers and not plan.empty_body
        if plan.plain:  # the common case: only the body to check
            return self._check_body(plan, body) if plan.parse_json and method.upper() != "HEAD" else []
        violations = list(plan.static) if plan.static else []
        for name in plan.required_headers:
            if header_value(headers, name) is None:
                violations.append(self._violation(plan, "header.missing", "", f"header {name}", "absent"))
        if plan.empty_body and body:
            violations.append(
                self._violation(
                    plan, "204.body", "", "an empty body", f"{len(body)} bytes: {clip(repr(body[:60]))}"
                )
            )
        if plan.parse_json and method.upper() != "HEAD":
            violations.extend(self._check_body(plan, body))
        return violations

    def check(self, response: httpx.Response) -> list[Violation]:
        """:meth:`validate` for an httpx response (reads it first if it was streamed)."""
        try:
            body = response.content
        except httpx.ResponseNotRead:
            body = response.read()
        request = response.request
        return self.validate(request.method, str(request.url), response.status_code, response.headers, body)

    def validate_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[Violation]:
        """Every way this request breaks its contract (``request.*`` rules; ``body=None``: not checked)."""
        return self.requests.validate(method, url, headers, body)

    def check_request(self, request: httpx.Request) -> list[Violation]:
        """:meth:`validate_request` for an httpx request, before it is sent.

        A streamed body is read first when it is a sync stream; an async stream not yet read is left
        alone (its body is not checked): the async client's hook reads it before calling this.
        """
        try:
            body: bytes | None = request.content
        except httpx.RequestNotRead:
            body = request.read() if isinstance(request.stream, httpx.SyncByteStream) else None
        return self.validate_request(request.method, str(request.url), request.headers, body)

    def assert_conforms(self, response_or_violations: httpx.Response | Sequence[Violation]) -> None:
        """Raise :class:`~kpn_contract.errors.ContractViolation` (an AssertionError) on any violation."""
        if isinstance(response_or_violations, httpx.Response):
            response = response_or_violations
            violations = self.check(response)
            excerpt = _excerpt(response) if violations else None
        else:
            violations = list(response_or_violations)
            excerpt = None
        if violations:
            raise ContractViolation(violations, excerpt=excerpt)

    # -- planning (once per operation, status and content type) ------------------------------------------
    def _plan(self, operation: Operation, status: int, content_type: str | None, has_body: bool) -> _Plan:
        family = self._families.get(operation.spec_path) or self.rules.family_of(operation)
        rule = self.rules.rule(operation, status, family)
        response = select_response(operation.responses, status)
        plan = _Plan(operation, response, [], rule, (), status == 204, None, None, parse_json=False)
        if rule.violation:
            plan.static.append(
                self._violation(
                    plan, f"status.{rule.kind}", "", "no " + str(status) + " response", str(status)
                )
            )
        if response is None:
            declared = ", ".join(sorted(operation.responses)) or "none"
            plan.static.append(
                self._violation(plan, "status.undeclared", "", f"one of {declared}", str(status))
            )
            plan.required_headers = rule.required_headers
            return plan
        plan.required_headers = tuple(dict.fromkeys([*response.required_headers, *rule.required_headers]))
        if not response.content or status == 204:
            return plan
        if content_type is None:
            if has_body:
                plan.static.append(
                    self._violation(
                        plan,
                        "content-type",
                        "",
                        "one of " + ", ".join(response.content),
                        "no Content-Type header",
                    )
                )
            return plan
        media = match_media(response.content, media_name(content_type))
        if media is None:
            plan.static.append(
                self._violation(
                    plan, "content-type", "", "one of " + ", ".join(response.content), content_type
                )
            )
            return plan
        plan.media = media
        if media.schema is not None and is_json(media.name) and is_json(media_name(content_type)):
            plan.schema_validator = self._compile(media.schema, operation)
            plan.parse_json = True
        return plan

    def _compile(self, schema: JSONSchema, operation: Operation) -> Any:
        return self.schemas.compile(schema, f"{operation.key} in {operation.spec_path}")

    # -- per response --------------------------------------------------------------------------------------
    def _check_body(self, plan: _Plan, body: bytes) -> list[Violation]:
        if not body:
            return [
                self._violation(
                    plan, "body.empty", "", f"a {plan.media.name if plan.media else ''} body", "empty"
                )
            ]
        try:
            instance = decode_json(body)
        except ValueError as exc:
            return [self._violation(plan, "body.json", "", "valid JSON", f"invalid JSON ({exc})")]
        validator = plan.schema_validator
        if validator is None or validator.is_valid(instance):
            return []
        found = []
        for error in validator.iter_errors(instance):
            found.append(
                self._violation(
                    plan,
                    "body.schema",
                    json_pointer(error.instance_path),
                    clip(f"schema {json_pointer(error.schema_path)}: {error.message}"),
                    clip(json.dumps(error.instance)),
                )
            )
            if len(found) >= MAX_SCHEMA_ERRORS:
                break
        return found

    def _violation(self, plan: _Plan, rule: str, pointer: str, expected: str, actual: str) -> Violation:
        return Violation(
            rule_id=rule,
            operation_id=plan.operation.operation_id,
            spec_path=plan.operation.spec_path,
            pointer=pointer,
            expected=expected,
            actual=actual,
            meaning=plan.rule.meaning,
        )


def _excerpt(response: httpx.Response) -> str:
    head = f"HTTP {response.status_code} {response.request.method} {response.request.url}"
    try:
        text = response.content[:_EXCERPT_CHARS].decode("utf-8", errors="replace")
    except httpx.ResponseNotRead:
        text = ""
    return f"{head}\n{text}"


def default_validator() -> Validator:
    """A validator over the toolkit's own ``specs/`` and rule table (built once per process)."""
    return _default_validator(project_index())


@functools.cache
def _default_validator(index: SpecIndex) -> Validator:
    return Validator(index)


def assert_conforms(
    response_or_violations: httpx.Response | Sequence[Violation], validator: Validator | None = None
) -> None:
    """Raise :class:`~kpn_contract.errors.ContractViolation` when the response breaks its contract.

    Without ``validator`` the toolkit's own specs are used (:func:`default_validator`).
    """
    (validator or default_validator()).assert_conforms(response_or_violations)
