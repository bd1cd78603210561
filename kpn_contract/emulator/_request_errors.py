"""What a product behind KPN's API Store answers to a request that breaks its contract.

The request itself is judged by the toolkit's one request validator
(:meth:`kpn_contract.contract.validate.Validator.check_request`); this module only turns its
violations into the status and body the product documents. The body takes the shape of the error
response the operation declares, recognised by its properties (KPN-FACTS §1 [pub]: three shapes):

* the gateway shape ``{transactionId, status, name, message, info}`` (Number Insight, WeSeeDo);
  ``status`` is a string where the declared schema says so, as both published definitions do;
* a product's own envelope: Parley's ``{notifications: [{type, message}], status: "ERROR",
  metadata: {values, method, duration}}`` with its documented snake_case codes, and Number Verify's
  ``{error_code, message}`` (both properties enum-bound to the HTTP status and its reason phrase);
* RFC 7807 problem details ``{type, title, status, detail, instance}``.

An operation that declares no error body gets the gateway shape. The status is the declared 400;
a 4XX or ``default`` response also allows 400, and no declared status at all still gets 400 (the
fuzz exclusions list where a published definition forgets it). Header values and bodies are never
echoed back: they may carry credentials.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from starlette.responses import Response

from kpn_contract.contract._common import CompiledSchemas
from kpn_contract.contract.leniency import closest_status
from kpn_contract.contract.model import JSONSchema, Operation, ResponseSpec, Violation

__all__ = [
    "ErrorContext",
    "conforming",
    "error_status",
    "gateway_fault",
    "header_rejection",
    "method_not_allowed",
    "product_error",
    "rejection",
]

BAD_REQUEST: Final = 400
_MAX_DETAILS: Final = 5
_DURATION: Final = 0.01  # Parley's metadata.duration in its documented examples
# Parley's documented codes for an input it names (published examples of POST /messages, /devices).
_PARLEY_CODES: Final[Mapping[tuple[str, str], str]] = {
    ("required", "message"): "missing_message_or_image",
    ("invalid", "typeId"): "invalid_message_type",
    ("invalid", "version"): "invalid_version_format",
}


@dataclass(frozen=True)
class ErrorContext:
    """Where the error happened: the request's method and its path below the product's base path."""

    method: str
    relative_path: str  # "messages/999": Parley's metadata.values.url
    relative_template: str  # "messages/{id}": said instead when a path value was rejected

    def shown_path(self, violations: Sequence[Violation] = ()) -> str:
        """The path to name in a body: never one holding a value that was rejected."""
        rejected = any(v.pointer.startswith("path parameter") for v in violations)
        return self.relative_template if rejected else self.relative_path


def _properties(schema: JSONSchema | None) -> set[str]:
    """Property names of a schema, through ``allOf`` (Parley's error schema is an allOf branch)."""
    if not isinstance(schema, Mapping):
        return set()
    names = set(schema.get("properties") or {})
    for branch in schema.get("allOf") or ():
        names |= _properties(branch)
    return names


def _property_type(schema: JSONSchema | None, name: str) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    declared = (schema.get("properties") or {}).get(name)
    if isinstance(declared, Mapping):
        kind = declared.get("type")
        return kind if isinstance(kind, str) else None
    for branch in schema.get("allOf") or ():
        found = _property_type(branch, name)
        if found is not None:
            return found
    return None


def _declared(operation: Operation, status: int) -> tuple[str | None, JSONSchema | None]:
    """The declared media type and schema of ``status`` (exact code, then nXX, then default)."""
    response: ResponseSpec | None = None
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        response = operation.responses.get(key)
        if response is not None:
            break
    if response is None or not response.content:
        return None, None
    names = list(response.content)
    name = next((n for n in names if "json" in n), names[0])
    return name, response.content[name].schema


# -- one line per violation ----------------------------------------------------------------------------
def describe(violation: Violation) -> str:
    """A violation as one line for an error body: where and what was expected, never the value sent."""
    where = violation.pointer
    if violation.rule_id == "request.parameter.required":
        return f"{where} is required"
    if violation.rule_id == "request.parameter.schema":
        return f"{where}: expected {violation.expected}"
    if violation.rule_id == "request.body.required":
        return f"a request body is required ({violation.expected})"
    if violation.rule_id == "request.content-type":
        return f"Content-Type must be {violation.expected}"
    if violation.rule_id == "request.body.json":
        return "the request body is not valid JSON"
    if violation.rule_id == "request.body.multipart":
        return "the request body is not a well-formed multipart/form-data message"
    if violation.rule_id == "request.body.schema":
        return f"request body{' at ' + where if where else ''}: expected {violation.expected}"
    return f"{violation.rule_id}{' at ' + where if where else ''}: expected {violation.expected}"


def _parameter_name(violation: Violation) -> str | None:
    """``uniqueAppDeviceId`` of a pointer such as ``header parameter uniqueAppDeviceId``."""
    words = violation.pointer.split(" ", 2)
    if len(words) == 3 and words[1] == "parameter":
        return words[2].split("/", 1)[0]
    return None


def _parley_code(violation: Violation) -> str:
    """Parley's code for a violation: a documented one, else its documented naming pattern.

    Documented: ``missing_message_or_image``, ``invalid_message_type``, ``invalid_version_format``
    (whose example is named ``invalid_x``). For other inputs the same patterns are used,
    ``missing_<name>`` and ``invalid_<name>_format`` [?]: Parley documents no complete list.
    """
    name = _parameter_name(violation)
    if violation.rule_id == "request.parameter.required" and name is not None:
        return _PARLEY_CODES.get(("required", name), f"missing_{name}")
    if violation.rule_id == "request.parameter.schema" and name is not None:
        return _PARLEY_CODES.get(("invalid", name), f"invalid_{name}_format")
    if violation.rule_id == "request.body.required":
        return "missing_message_or_image"
    field = violation.pointer.rsplit("/", 1)[-1] if violation.rule_id == "request.body.schema" else ""
    return _PARLEY_CODES.get(("invalid", field), "invalid_body_format")


# -- the shapes ------------------------------------------------------------------------------------------
def _gateway_body(status: int, schema: JSONSchema | None, details: list[str]) -> dict[str, Any]:
    status_value: int | str = status if _property_type(schema, "status") == "integer" else str(status)
    return {
        "transactionId": str(uuid.uuid4()),
        "status": status_value,
        "name": HTTPStatus(status).phrase,
        "message": details[0],
        "info": "; ".join(details[:_MAX_DETAILS]),
    }


def _parley_body(codes: list[str], path: str, context: ErrorContext) -> dict[str, Any]:
    return {
        "notifications": [{"type": "error", "message": code} for code in dict.fromkeys(codes)],
        "status": "ERROR",
        "metadata": {
            "values": {"url": path},
            "method": context.method.lower(),
            "duration": _DURATION,
        },
    }


def _problem_body(status: int, details: list[str], path: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": "; ".join(details[:_MAX_DETAILS]),
        "instance": "/" + path,
    }


def error_body(
    operation: Operation,
    status: int,
    details: list[str],
    context: ErrorContext,
    *,
    parley_codes: list[str] | None = None,
    violations: Sequence[Violation] = (),
) -> tuple[str, dict[str, Any]]:
    """The media type and body of an error ``status`` of ``operation``, in the shape it declares."""
    media, schema = _declared(operation, status)
    names = _properties(schema)
    path = context.shown_path(violations)
    body: Any
    if {"notifications", "status", "metadata"} <= names:
        media, body = (
            media or "application/json",
            _parley_body(parley_codes or ["invalid_request"], path, context),
        )
    elif "error_code" in names:
        media, body = (
            media or "application/json",
            {"error_code": status, "message": HTTPStatus(status).phrase},
        )
    elif {"type", "title", "detail"} <= names or (media or "").startswith("application/problem"):
        media, body = media or "application/problem+json", _problem_body(status, details, path)
    else:
        media, body = media or "application/json", _gateway_body(status, schema, details)
    if "json" not in media.split(";")[0] or "*" in media:
        media = "application/json"  # "*/*" and the like name no type to answer with
    return media, conforming(body, schema)


def _json(status: int, media: str, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body).encode(), status, dict(headers or {}), media)


def conforming(body: Any, schema: JSONSchema | None) -> Any:
    """``body`` when the declared ``schema`` accepts it, else an instance generated from the schema.

    Generated answers always conform to the operation's schema: a published error schema that our
    shapes do not fit (FIAM's 401, a bare string) gets an instance of its own.
    """
    if schema is None or _accepts(schema, body):
        return body
    from kpn_contract.contract.instances import generate_instance

    for use_examples in (True, False):
        generated = generate_instance(schema, use_examples=use_examples)
        if _accepts(schema, generated):
            return generated
    return body


_COMPILED: Final[CompiledSchemas] = CompiledSchemas()  # loaded schemas are shared, long-lived objects


def _accepts(schema: JSONSchema, instance: Any) -> bool:
    compiled = _COMPILED.compile(schema, "an error response", warn=False)
    return compiled is None or bool(compiled.is_valid(instance))  # not compiled: checked by no one


def error_status(operation: Operation, wanted: int) -> int:
    """The status to answer for an error: ``wanted``, or the closest one the operation declares."""
    return closest_status(list(operation.responses), wanted)


# -- the public doors ------------------------------------------------------------------------------------
def rejection(operation: Operation, violations: Sequence[Violation], context: ErrorContext) -> Response:
    """The product's answer to a request with these (non-empty) contract violations: its 400."""
    details = [describe(v) for v in violations]
    codes = [_parley_code(v) for v in violations]
    status = error_status(operation, BAD_REQUEST)
    media, body = error_body(operation, status, details, context, parley_codes=codes, violations=violations)
    return _json(status, media, body)


def product_error(
    operation: Operation, status: int, message: str, context: ErrorContext, code: str
) -> Response:
    """Another documented error of ``operation`` (``code``: Parley's snake_case name of it)."""
    status = error_status(operation, status)
    media, body = error_body(operation, status, [message], context, parley_codes=[code])
    return _json(status, media, body)


def header_rejection(operation: Operation, template: str, method: str, path: str, header: str) -> Response:
    """A product call with a header that is not UTF-8 text: the 400 (or closest) ``operation`` declares.

    ``template`` is the served template (base path included); the body takes the declared error
    shape, as every other refusal of the product does (WBA's ``status`` is a string).
    """
    base = template[: len(template) - len(operation.path)]
    context = ErrorContext(method, path[len(base) :].lstrip("/"), operation.path.lstrip("/"))
    return product_error(operation, BAD_REQUEST, f"request header {header} is not UTF-8 text", context,
                         "invalid_header")  # fmt: skip


def gateway_fault(operation: Operation, fault: Mapping[str, Any]) -> Response:
    """The gateway's 401 ``fault`` for a call of ``operation``, in the status and shape it declares.

    The gateway answers 401 whatever the product's definition says [doc] (``undeclared-401`` in
    :mod:`kpn_contract.contract.leniency`); a declared 401 schema the fault does not fit gets an
    instance of its own.
    """
    status = 401
    media, schema = _declared(operation, status)
    return _json(status, media if media and "json" in media and "*" not in media else "application/json",
                 conforming(dict(fault), schema))  # fmt: skip


def method_not_allowed(allowed: Sequence[str]) -> Response:
    """A known product path called with a method it does not declare: 405 with ``Allow``.

    What the gateway answers here is undocumented [?]; 405 with ``Allow`` is what HTTP (RFC 9110)
    prescribes, in the gateway's error shape.
    """
    body = {
        "transactionId": str(uuid.uuid4()),
        "status": "405",
        "name": HTTPStatus.METHOD_NOT_ALLOWED.phrase,
        "message": f"this path allows {', '.join(allowed)}",
        "info": "",
    }
    return _json(405, "application/json", body, {"Allow": ", ".join(allowed)})
