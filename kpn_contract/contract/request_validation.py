"""Validation of requests against their contract: security, parameters, content type and body.

:class:`RequestValidator` finds the operation through the one lookup,
:class:`~kpn_contract.contract.index.SpecIndex`, and compiles schemas through the response
validator's cache (:class:`~kpn_contract.contract._common.CompiledSchemas`); what is fixed per
operation (compiled parameter schemas, body schemas, the security alternatives) is planned once.
:meth:`kpn_contract.contract.validate.Validator.check_request` is the public door.

Rules (``docs/contract-rules.md``): ``request.security``, ``request.parameter.required``,
``request.parameter.schema``, ``request.content-type``, ``request.body.required``,
``request.body.json``, ``request.body.multipart`` and ``request.body.schema``.

What is not checked, on purpose: scopes (a bearer token is opaque to the client, so which scopes it
carries is known only to KPN; ``kpn-contract access`` and KPNAuth's ``MissingScopeError`` cover
them), a body sent to an operation that declares none, and the contents of binary bodies and of
the files in a multipart/form-data body (their media type is checked; a multipart body's other
fields are). Header, cookie and form-body values are never quoted in a violation: they carry
credentials (``client_secret`` travels in a form body).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import jsonschema_rs

from kpn_contract.contract._common import (
    MAX_SCHEMA_ERRORS,
    CompiledSchemas,
    clip,
    decode_json,
    is_json,
    json_pointer,
    match_media,
    media_name,
)
from kpn_contract.contract._multipart import multipart_object
from kpn_contract.contract._parameters import MISSING, ParameterReader, RequestParts, form_object
from kpn_contract.contract.index import SpecIndex
from kpn_contract.contract.leniency import with_format_bounds
from kpn_contract.contract.model import JSONSchema, MediaType, Operation, Parameter, SecurityScheme, Violation

__all__ = ["REQUEST_RULES", "RequestValidator"]

REQUEST_RULES = (
    "request.security",
    "request.parameter.required",
    "request.parameter.schema",
    "request.content-type",
    "request.accept",
    "request.body.required",
    "request.body.json",
    "request.body.multipart",
    "request.body.schema",
)
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
# OpenAPI: header parameters with these names "SHALL be ignored" (the spec says them elsewhere).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_NOT_SHOWN = "a value outside it (not shown: {} values may hold credentials)"


@dataclass
class _ParameterCheck:
    parameter: Parameter
    reader: ParameterReader
    key: str  # its property in the plan's combined schema ("" when its schema cannot be compiled)
    where: str  # "query parameter sortBy"
    sensitive: bool  # header and cookie values are never quoted


@dataclass
class _BodyCheck:
    media: MediaType
    validator: Any
    kind: str  # "json", "form", "multipart" (its fields) or "opaque" (binary: media type only)


@dataclass
class _RequestPlan:
    operation: Operation
    parameters: list[_ParameterCheck] = field(default_factory=list)
    # One compiled schema for all parameters, an object with one property per parameter: one
    # is_valid call per request instead of one per parameter (measured in benchmarks/validation.py).
    parameters_validator: Any = None
    cookies: bool = False  # whether anything reads the Cookie header
    body_required: bool = False
    bodies: dict[str, MediaType] = field(default_factory=dict)
    body_checks: dict[str, _BodyCheck] = field(default_factory=dict)  # by declared media type name
    # The security alternatives (any one met suffices); None: no requirement or an anonymous one.
    security: list[list[SecurityScheme]] | None = None
    produces: tuple[str, ...] = ()  # the media types its responses declare (lower case, no parameters)
    accepts: dict[str, bool] = field(default_factory=dict)  # Accept header -> whether it is met


def _media_range_meets(media_range: str, produced: str) -> bool:
    wanted_type, _, wanted_sub = media_range.partition("/")
    made_type, _, made_sub = produced.partition("/")
    if "*" in (wanted_type, made_type):
        return True
    return wanted_type == made_type and (wanted_sub in ("*", made_sub) or made_sub == "*")


def _zero_weight(parameter: str) -> bool:
    key, _, value = parameter.partition("=")
    try:
        return key.strip().lower() == "q" and float(value) == 0
    except ValueError:
        return False


def accept_met(accept: str, produces: tuple[str, ...]) -> bool:
    """Whether an ``Accept`` header (RFC 9110 12.5.1) admits one of the ``produces`` media types.

    A range with ``q=0`` admits nothing; a header without any media range is not judged.
    """
    ranges, refused = [], 0
    for item in accept.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        if "/" not in name:
            continue
        if any(_zero_weight(p) for p in params):
            refused += 1
        else:
            ranges.append(name.lower())
    if not ranges:
        return refused == 0
    return any(_media_range_meets(r, made) for r in ranges for made in produces)


def _scheme_met(scheme: SecurityScheme, parts: RequestParts) -> bool:
    if scheme.type == "apiKey" and scheme.api_key_name:
        if scheme.api_key_in == "query":
            return scheme.api_key_name in parts.query
        if scheme.api_key_in == "cookie":
            return scheme.api_key_name in parts.cookies
        return bool(parts.headers.get(scheme.api_key_name.lower()))
    authorization = (parts.headers.get("authorization") or "").strip()
    expected = _auth_prefix(scheme)
    if expected is None:
        return bool(authorization)
    return authorization.lower().startswith(expected.lower() + " ") and bool(
        authorization[len(expected) :].strip()
    )


def _auth_prefix(scheme: SecurityScheme) -> str | None:
    """The Authorization scheme word a security scheme expects (None: any Authorization header)."""
    if scheme.type in ("oauth2", "openIdConnect"):
        return "Bearer"
    if scheme.type in ("http", "basic") and scheme.http_scheme:
        return scheme.http_scheme.capitalize()
    return None


def _describe_scheme(scheme: SecurityScheme) -> str:
    if scheme.type == "apiKey" and scheme.api_key_name:
        return f"{scheme.api_key_in or 'header'} {scheme.api_key_name} ({scheme.name})"
    prefix = _auth_prefix(scheme)
    return (
        f"Authorization: {prefix} … ({scheme.name})" if prefix else f"an Authorization header ({scheme.name})"
    )


def _keyword(schema: JSONSchema, schema_path: list[Any]) -> str:
    """The schema keyword an error points at, with its value: ``enum ["name", "uuid"]``."""
    node: Any = schema
    try:
        for part in schema_path:
            node = node[part]
    except (KeyError, IndexError, TypeError):
        return f"schema {json_pointer(schema_path)}"
    keyword = schema_path[-1] if schema_path else "schema"
    return clip(f"{keyword} {json.dumps(node, ensure_ascii=False)}")


def _schema_finding(
    schema: JSONSchema, error: Any, hidden: str | None, *, depth: int = 0
) -> tuple[str, str, str]:
    """(pointer, expected, actual) of one schema error; ``hidden`` names values that are not quoted.

    ``depth=1``: the error comes from a combined schema (``properties/<key>/...`` over ``schema``),
    whose first level is dropped from both paths.
    """
    pointer = json_pointer(list(error.instance_path)[depth:])
    schema_path = list(error.schema_path)[2 * depth :]
    missing = getattr(error.kind, "property", None)
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required) and isinstance(missing, str):
        return f"{pointer}/{json_pointer([missing])[1:]}", "a required property", "absent"
    actual = _NOT_SHOWN.format(hidden) if hidden else clip(json.dumps(error.instance, ensure_ascii=False))
    return pointer, _keyword(schema, schema_path), actual


class RequestValidator:
    """Checks requests against the operations of one :class:`SpecIndex`, sharing ``schemas``."""

    def __init__(self, index: SpecIndex, schemas: CompiledSchemas) -> None:
        self.index = index
        self.schemas = schemas
        self._schemes = {spec.path: spec.security_schemes for spec in index.specs}
        self._plans: dict[int, _RequestPlan] = {}
        self._bounded_schemas: dict[int, tuple[JSONSchema, JSONSchema]] = {}

    def validate(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[Violation]:
        """Every way this request breaks its contract; ``body=None``: a stream not read, not checked."""
        found = self.index.match(method, url)
        if found is None:
            return []  # the response check reports unknown operations, once per call
        operation, path_values = found
        plan = self._plans.get(id(operation))
        if plan is None:
            plan = self._plans[id(operation)] = self._plan(operation)
        query = url.partition("?")[2].partition("#")[0]
        parts = RequestParts.parse(query, headers, path_values, cookies=plan.cookies)
        violations: list[Violation] = []
        if plan.security is not None and not any(
            all(_scheme_met(s, parts) for s in alternative) for alternative in plan.security
        ):
            wanted = " or ".join(" and ".join(map(_describe_scheme, alt)) for alt in plan.security)
            violations.append(_violation(operation, "request.security", "", wanted, "no such credentials"))
        if plan.parameters:
            self._check_parameters(plan, parts, violations)
        accept = parts.headers.get("accept")
        if accept is not None and plan.produces:
            met = plan.accepts.get(accept)
            if met is None:
                met = accept_met(accept, plan.produces)
                if len(plan.accepts) < 64:  # a few distinct headers per operation; never unbounded
                    plan.accepts[accept] = met
            if not met:
                expected = "an Accept that admits one of " + ", ".join(plan.produces)
                violations.append(_violation(operation, "request.accept", "", expected, clip(accept)))
        if body is not None:
            self._check_body(plan, parts.headers, body, violations)
        return violations

    # -- planning (once per operation) ----------------------------------------------------------------
    def _plan(self, operation: Operation) -> _RequestPlan:
        plan = _RequestPlan(operation)
        where = f"{operation.key} in {operation.spec_path}"
        for parameter in operation.parameters:
            if parameter.location not in ("path", "query", "header", "cookie"):
                continue
            if parameter.location == "header" and parameter.name.lower() in _IGNORED_HEADERS:
                continue
            plan.cookies = plan.cookies or parameter.location == "cookie"
            plan.parameters.append(
                _ParameterCheck(
                    parameter,
                    ParameterReader(parameter),
                    str(len(plan.parameters)) if parameter.schema else "",
                    f"{parameter.location} parameter {parameter.name}",
                    parameter.location in ("header", "cookie"),
                )
            )
        plan.parameters_validator = self._compile_parameters(plan.parameters, where)
        if operation.request_body is not None:
            plan.body_required = operation.request_body.required
            plan.bodies = operation.request_body.content
            for name, media in plan.bodies.items():
                kind = (
                    "json" if is_json(media_name(name)) else "form" if media_name(name) == _FORM else "opaque"
                )
                kind = "multipart" if media_name(name) == _MULTIPART else kind
                compiled = None
                if media.schema is not None and kind != "opaque":
                    compiled = self.schemas.compile(self._bounded(media.schema), where, formats=True)
                plan.body_checks[name] = _BodyCheck(media, compiled, kind)
        produced = (
            media_name(name) for response in operation.responses.values() for name in response.content
        )
        plan.produces = tuple(dict.fromkeys(produced))
        schemes = self._schemes.get(operation.spec_path, {})
        alternatives: list[list[SecurityScheme]] = []
        for requirement in operation.security_requirements:
            # An unnamed scheme cannot be checked, and an empty alternative allows anonymous calls.
            known = [schemes[name] for name in requirement if name in schemes]
            if len(known) < len(requirement) or not known:
                return plan
            alternatives.append(known)
        plan.security = alternatives or None
        plan.cookies = plan.cookies or any(s.api_key_in == "cookie" for alt in alternatives for s in alt)
        return plan

    def _bounded(self, schema: JSONSchema) -> JSONSchema:
        """``schema`` with the range of its int32/int64 formats (one copy per schema, kept alive)."""
        found = self._bounded_schemas.get(id(schema))
        if found is None:
            found = self._bounded_schemas[id(schema)] = (schema, with_format_bounds(schema))
        return found[1]

    def _compile_parameters(self, checks: list[_ParameterCheck], where: str) -> Any:
        """One validator for all parameters, an object schema with one property per parameter."""
        schemas = {check.key: self._bounded(check.parameter.schema) for check in checks if check.key}
        if not schemas:
            return None
        compiled = self.schemas.compile(
            {"type": "object", "properties": schemas}, where, formats=True, warn=False
        )
        if compiled is not None:
            return compiled
        # One schema that cannot be compiled must not switch off the checks of the others.
        for check in checks:
            schema = self._bounded(check.parameter.schema)
            if check.key and self.schemas.compile(schema, where, formats=True) is None:
                check.key = ""
        return self._compile_parameters([check for check in checks if check.key], where)

    # -- per request ----------------------------------------------------------------------------------
    def _check_parameters(self, plan: _RequestPlan, parts: RequestParts, out: list[Violation]) -> None:
        values: dict[str, Any] = {}
        for check in plan.parameters:
            value = check.reader.read(parts)
            if value is MISSING:
                if check.parameter.required:
                    out.append(
                        _violation(
                            plan.operation,
                            "request.parameter.required",
                            check.where,
                            "the parameter",
                            "absent",
                        )
                    )
            elif check.key:
                values[check.key] = value
        validator = plan.parameters_validator
        if validator is None or validator.is_valid(values):
            return
        by_key = {check.key: check for check in plan.parameters}
        for error in islice(validator.iter_errors(values), MAX_SCHEMA_ERRORS):
            # Paths into the combined schema: instance /<key>/..., schema /properties/<key>/...
            check = by_key[str(error.instance_path[0])]
            hidden = check.parameter.location if check.sensitive else None
            pointer, expected, actual = _schema_finding(
                self._bounded(check.parameter.schema), error, hidden, depth=1
            )
            out.append(
                _violation(
                    plan.operation, "request.parameter.schema", check.where + pointer, expected, actual
                )
            )

    def _check_body(
        self, plan: _RequestPlan, headers: Mapping[str, str], body: bytes, out: list[Violation]
    ) -> None:
        operation = plan.operation
        if not plan.bodies:
            return  # no body declared: whatever is sent is not judged (see the module docstring)
        declared = "one of " + ", ".join(plan.bodies)
        # An empty urlencoded body under its Content-Type is a form of no fields (WHATWG URL), judged as one.
        if not body and not (_FORM in plan.bodies and media_name(headers.get("content-type") or "") == _FORM):
            if plan.body_required:
                out.append(_violation(operation, "request.body.required", "", f"a body ({declared})", "none"))
            return
        content_type = headers.get("content-type")
        if content_type is None:
            out.append(_violation(operation, "request.content-type", "", declared, "no Content-Type header"))
            return
        media = match_media(plan.bodies, media_name(content_type))
        if media is None:
            out.append(_violation(operation, "request.content-type", "", declared, clip(content_type)))
            return
        check = plan.body_checks[media.name]
        if check.kind == "opaque" or media.schema is None:
            return
        instance: Any
        if check.kind == "form":
            instance = form_object(body, media.schema)
        elif check.kind == "multipart":
            instance = multipart_object(body, content_type, media.schema)
            if instance is None:
                # RFC 2046: a boundary parameter, then at least one part and the close delimiter.
                expected = "a multipart/form-data message with its boundary and at least one part"
                out.append(_violation(operation, "request.body.multipart", "", expected, "a malformed body"))
                return
        else:
            try:
                instance = decode_json(body)
            except ValueError as exc:
                out.append(
                    _violation(operation, "request.body.json", "", "valid JSON", f"invalid JSON ({exc})")
                )
                return
        if check.validator is None or check.validator.is_valid(instance):
            return
        hidden = check.kind if check.kind in ("form", "multipart") else None
        for error in islice(check.validator.iter_errors(instance), MAX_SCHEMA_ERRORS):
            pointer, expected, actual = _schema_finding(self._bounded(media.schema), error, hidden)
            out.append(_violation(operation, "request.body.schema", pointer, expected, actual))


def _violation(operation: Operation, rule: str, pointer: str, expected: str, actual: str) -> Violation:
    return Violation(rule, operation.operation_id, operation.spec_path, pointer, expected, actual)
