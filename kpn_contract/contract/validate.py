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
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema_rs

from kpn_contract.contract.index import SpecIndex, select_response
from kpn_contract.contract.model import JSONSchema, MediaType, Operation, ResponseSpec, Violation
from kpn_contract.contract.rules import CodeRule, RuleTable, default_rules
from kpn_contract.contract.specs import describe_specs, project_index
from kpn_contract.errors import ContractViolation
from kpn_contract.redact import redact

__all__ = ["Validator", "assert_conforms", "default_validator", "describe_specs"]

logger = logging.getLogger(__name__)

_MAX_SCHEMA_ERRORS = 10
_EXCERPT_CHARS = 2000
_ACTUAL_CHARS = 120


def _media_name(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    """JSON, including structured ``+json`` types (``application/vnd.kpnthings.device.v1.response+json``)."""
    return media.endswith(("/json", "+json")) or media == "*/*"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """A header value from httpx headers, a plain dict (any case) or a cassette's ``{name: [values]}``."""
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if value is None else str(value)


def _clip(text: str) -> str:
    text = redact(text)
    return text if len(text) <= _ACTUAL_CHARS else text[: _ACTUAL_CHARS - 1] + "…"


def _pointer(parts: Iterable[object]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


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
        self._compiled: dict[int, Any] = {}

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
        content_type = _header(headers, "content-type")
        key = (id(operation), status, content_type, content_type is None and bool(body))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(operation, status, content_type, bool(body))
        violations = list(plan.static) if plan.static else []
        for name in plan.required_headers:
            if _header(headers, name) is None:
                violations.append(self._violation(plan, "header.missing", "", f"header {name}", "absent"))
        if plan.empty_body and body:
            violations.append(
                self._violation(
                    plan, "204.body", "", "an empty body", f"{len(body)} bytes: {_clip(repr(body[:60]))}"
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
        media = _match_media(response.content, _media_name(content_type))
        if media is None:
            plan.static.append(
                self._violation(
                    plan, "content-type", "", "one of " + ", ".join(response.content), content_type
                )
            )
            return plan
        plan.media = media
        if media.schema is not None and _is_json(media.name) and _is_json(_media_name(content_type)):
            plan.schema_validator = self._compile(media.schema, operation)
            plan.parse_json = True
        return plan

    def _compile(self, schema: JSONSchema, operation: Operation) -> Any:
        # Resolved schemas are shared objects, so id() identifies the same $ref across operations.
        key = id(schema)
        if key not in self._compiled:
            try:
                self._compiled[key] = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
            except (ValueError, jsonschema_rs.ValidationError) as exc:
                logger.warning(
                    "schema of %s in %s cannot be compiled (%s); body not checked",
                    operation.key,
                    operation.spec_path,
                    exc,
                )
                self._compiled[key] = None
        return self._compiled[key]

    # -- per response --------------------------------------------------------------------------------------
    def _check_body(self, plan: _Plan, body: bytes) -> list[Violation]:
        if not body:
            return [
                self._violation(
                    plan, "body.empty", "", f"a {plan.media.name if plan.media else ''} body", "empty"
                )
            ]
        try:
            instance = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
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
                    _pointer(error.instance_path),
                    _clip(f"schema {_pointer(error.schema_path)}: {error.message}"),
                    _clip(json.dumps(error.instance)),
                )
            )
            if len(found) >= _MAX_SCHEMA_ERRORS:
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


def _match_media(content: dict[str, MediaType], actual: str) -> MediaType | None:
    exact = content.get(actual)
    if exact is not None:
        return exact
    lowered = {name.lower().split(";", 1)[0].strip(): media for name, media in content.items()}
    if actual in lowered:
        return lowered[actual]
    major = actual.split("/", 1)[0]
    return lowered.get(f"{major}/*") or lowered.get("*/*")


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
