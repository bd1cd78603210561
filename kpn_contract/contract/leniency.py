"""THE reading of published defects ("leniencies"): what a definition gets wrong, and what the toolkit does.

KPN's API Store publishes definitions with mistakes that no request or answer can satisfy as
written. Each mistake the toolkit works around is a named :class:`Leniency`, with the JSON pointer
of the defect and what the toolkit does instead; ``kpn-contract specs FILE`` prints them as
warnings. The loader (:func:`kpn_contract.contract.specs.load_spec`), and through it the request
validator and the emulator, read the document :func:`read_leniently` returns; ``kpn-contract fuzz``
hands schemathesis the same document, so all of them follow this one reading:

* ``path-parameter-not-in-template``: a path parameter the path template does not contain can never
  be sent; it is left out of the operation (a request without it is valid).
* ``malformed-media-type``: ``produces: [application]`` and the like; read as ``application/json``.
* ``unsatisfiable-type``: an ``enum`` none of whose values has the declared ``type`` (Eneco's
  ``type: object`` with ``enum: [nl, be, uk]``); the ``type`` is dropped, the enum kept.
* ``invalid-pattern``: a ``pattern`` that is not a regular expression; dropped.
* ``ignored-header-parameter``: an OpenAPI 3 header parameter named ``Accept``, ``Content-Type`` or
  ``Authorization``, which the OpenAPI specification says SHALL be ignored (Tracebuzz's required
  ``Content-Type``); left out, so schemathesis does not take it for a required header either.
* ``schema-is-a-parameter``: a parameter whose ``schema`` ``$ref``s a Parameter Object (xDroid's
  ``job_id``); read as that parameter's own ``schema``.
* ``repeated-oneof-branch``: ``oneOf`` branches equal apart from their descriptions (WeSeeDo
  Personal's ``role``, ``locale``, ``entity``), so no value is valid under exactly one; the repeats
  are dropped (:mod:`._repeated_branches`).
* ``overlapping-oneof``: a ``oneOf`` whose branches overlap, so that a value of one branch (its
  documented example) matches another too and fails the ``oneOf`` (Number Verify's insights answer);
  read as ``anyOf``. Found on the document (:mod:`kpn_contract.contract._oneof`), never by name.

Two more are read from the operations, not repaired in the document, because the toolkit answers
for them rather than rewriting them (:func:`operation_leniencies`):

* ``undeclared-error-status``: an operation declares no 4xx (nor ``4XX``/``default``) response. The
  emulator still refuses an invalid request with 400 (or 401 without a token), and ``fuzz`` leaves
  ``status_code_conformance`` out for that operation, saying so in its banner.
* ``undeclared-400``: an operation declares other 4xx answers but no 400; the emulator answers an
  invalid request with the closest declared one (:func:`closest_status`).
* ``formdata-closed-set``: Swagger 2.0 ``formData`` parameters, which schemathesis reads as a
  closed set of fields (an unknown field must be refused); neither Swagger 2.0 nor the products say
  so, and the toolkit accepts other fields, so fuzz leaves ``negative_data_rejection`` out there.
  An operation marked ``x-kpn-closed-form: true`` (the derived contracts in specs/) says so: its form
  is required and closed, the toolkit refuses other fields, and this leniency does not apply.
* ``body-on-204``: a 204 No Content response with a body (Vonage Voice); HTTP forbids one, so the
  emulator sends none and fuzz leaves the two checks on that body out.
* ``undeclared-401``: an operation declares other 4xx answers but no 401; the gateway (and the
  emulator) still answers 401 to a bad token, and ``fuzz`` leaves ``status_code_conformance`` out.

The input is never modified: repairs copy what they change.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kpn_contract.contract._document import join_pointer
from kpn_contract.contract._oneof import overlaps_by_pass
from kpn_contract.contract._repeated_branches import drop_repeated_oneof_branches

__all__ = [
    "LENIENCIES",
    "STATUS_EXCLUDING",
    "Leniency",
    "closest_status",
    "operation_leniencies",
    "read_leniently",
    "with_format_bounds",
]

HTTP_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IGNORED_HEADERS: Final = frozenset({"accept", "content-type", "authorization"})  # OpenAPI 3, "in"

# name -> what the toolkit does instead (the published defect is said in each warning)
LENIENCIES: Final[Mapping[str, str]] = {
    "path-parameter-not-in-template": "left out of the operation: a request without it is valid",
    "malformed-media-type": "read as application/json",
    "unsatisfiable-type": "the type is dropped and the enum kept",
    "invalid-pattern": "the pattern is dropped",
    "ignored-header-parameter": "left out of the operation, as the OpenAPI specification says",
    "schema-is-a-parameter": "read as the schema of the parameter it refers to",
    "repeated-oneof-branch": "the repeated branches are dropped, so a value of theirs is valid",
    "overlapping-oneof": "read as anyOf: a value valid under one branch or more is accepted",
    "undeclared-error-status": (
        "the emulator answers invalid requests with 400 (401 without a token) and fuzz leaves "
        "status_code_conformance out for the operation"
    ),
    "undeclared-400": "the emulator answers invalid requests with the closest declared 4xx",
    "body-on-204": (
        "HTTP forbids a body on 204, so the emulator answers none; fuzz leaves content_type_conformance "
        "and response_schema_conformance out for the operation"
    ),
    "formdata-closed-set": (
        "Swagger 2.0 does not say whether other form fields may be sent, nor when a form body may be "
        "left out; the toolkit accepts both, and fuzz leaves negative_data_rejection out for the operation"
    ),
    "undeclared-401": (
        "the gateway answers 401 to a missing or invalid token whatever a product declares, and so "
        "does the emulator; fuzz leaves status_code_conformance out for the operation"
    ),
}
# The per-operation leniencies for which fuzz leaves status_code_conformance out.
STATUS_EXCLUDING: Final = frozenset({"undeclared-error-status", "undeclared-401"})
_MEDIA_FIXES: Final[Mapping[str, str]] = {"application": "application/json", "json": "application/json"}
_JSON_TYPES: Final[Mapping[str, type | tuple[type, ...]]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


@dataclass(frozen=True)
class Leniency:
    """One published defect: its name, where it is, what is wrong, and what the toolkit does instead."""

    name: str
    pointer: str
    defect: str
    operation: str | None = None  # "METHOD /path" when the defect belongs to one operation

    @property
    def instead(self) -> str:
        return LENIENCIES[self.name]

    def message(self) -> str:
        """The warning text: ``[name] defect; what the toolkit does``."""
        return f"[{self.name}] {self.defect}; {self.instead}"


# -- document repairs -------------------------------------------------------------------------------
def read_leniently(root: Mapping[str, Any], *, owned: bool = False) -> tuple[dict[str, Any], list[Leniency]]:
    """The document as the toolkit reads it, and the leniencies applied. ``root`` is not changed unless
    ``owned`` (parsed for this call alone): then it is repaired in place, saving a deep copy per load."""
    found: list[Leniency] = []
    doc: dict[str, Any] = dict(root) if owned else copy.deepcopy(dict(root))
    paths = doc.get("paths")
    if isinstance(paths, dict):
        for path, item in paths.items():
            if isinstance(path, str) and isinstance(item, dict):
                _path_parameters(doc, path, item, found)
    _media_types(doc, found)
    _schemas(doc, "", found)
    _repeated_oneof_branches(doc, found)
    _overlapping_oneofs(doc, found)
    return (doc if found else dict(root)), found


def _repeated_oneof_branches(doc: dict[str, Any], found: list[Leniency]) -> None:
    for at, defect in drop_repeated_oneof_branches(doc, "", lambda node: _resolve(doc, node)):
        found.append(Leniency("repeated-oneof-branch", at, defect))


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """A local ``$ref`` followed once (parameters are mostly referenced from components)."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = doc
    for token in ref[2:].split("/"):
        part = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return node
        target = target[part]
    return target


def _ignored_header(parameter: dict[str, Any]) -> bool:
    name = parameter.get("name")
    return parameter.get("in") == "header" and isinstance(name, str) and name.lower() in _IGNORED_HEADERS


def _path_parameters(doc: dict[str, Any], path: str, item: dict[str, Any], found: list[Leniency]) -> None:
    names = set(re.findall(r"\{([^{}/]+)\}", path))
    openapi3 = str(doc.get("openapi", "")).startswith("3")
    base = join_pointer("/paths", path)
    holders = [("", item)] + [(m, item[m]) for m in HTTP_METHODS if isinstance(item.get(m), dict)]
    for method, holder in holders:
        parameters = holder.get("parameters")
        if not isinstance(parameters, list):
            continue
        kept = []
        for index, raw in enumerate(parameters):
            parameter = _resolve(doc, raw)
            name = parameter.get("name") if isinstance(parameter, dict) else None
            at = join_pointer(base, *((method,) if method else ()), "parameters", index)
            where = f"{method.upper()} {path}" if method else None
            if isinstance(parameter, dict) and parameter.get("in") == "path" and name not in names:
                defect = f"path parameter {name!r} is not in the path template {path}"
                found.append(Leniency("path-parameter-not-in-template", at, defect, where))
                continue
            if openapi3 and isinstance(parameter, dict) and _ignored_header(parameter):
                defect = f"header parameter {name!r} is declared, which OpenAPI 3 says SHALL be ignored"
                found.append(Leniency("ignored-header-parameter", at, defect, where))
                continue
            if isinstance(parameter, dict):
                _parameter_as_schema(doc, parameter, at, where, found)
            kept.append(raw)
        holder["parameters"] = kept


def _parameter_as_schema(
    doc: dict[str, Any], parameter: dict[str, Any], at: str, where: str | None, found: list[Leniency]
) -> None:
    """A ``schema`` that ``$ref``s a Parameter Object (xDroid's job_id): read as that parameter's schema."""
    target = _resolve(doc, parameter.get("schema"))
    if target is parameter.get("schema") or not isinstance(target, dict):
        return
    if "in" in target and "name" in target and isinstance(target.get("schema"), dict):
        defect = f"the schema of parameter {parameter.get('name')!r} refers to a parameter, not a schema"
        found.append(Leniency("schema-is-a-parameter", join_pointer(at, "schema"), defect, where))
        parameter["schema"] = copy.deepcopy(target["schema"])


def _media_types(doc: dict[str, Any], found: list[Leniency]) -> None:
    def fix_list(owner: dict[str, Any], key: str, pointer: str) -> None:
        values = owner.get(key)
        if not isinstance(values, list):
            return
        for index, value in enumerate(values):
            if isinstance(value, str) and value.strip().lower() in _MEDIA_FIXES:
                values[index] = _MEDIA_FIXES[value.strip().lower()]
                defect = f"{value!r} is not a media type"
                found.append(Leniency("malformed-media-type", join_pointer(pointer, key, index), defect))

    def fix_content(owner: Any, pointer: str) -> None:
        content = owner.get("content") if isinstance(owner, dict) else None
        if not isinstance(content, dict):
            return
        for name in [n for n in content if isinstance(n, str) and n.strip().lower() in _MEDIA_FIXES]:
            fixed = _MEDIA_FIXES[name.strip().lower()]
            if fixed not in content:
                content[fixed] = content.pop(name)
                defect = f"{name!r} is not a media type"
                found.append(Leniency("malformed-media-type", join_pointer(pointer, "content", name), defect))

    for key in ("produces", "consumes"):
        fix_list(doc, key, "")
    for path, item in _items(doc.get("paths")):
        for method, operation in _items(item):
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            at = join_pointer("/paths", path, method)
            for key in ("produces", "consumes"):
                fix_list(operation, key, at)
            fix_content(operation.get("requestBody"), join_pointer(at, "requestBody"))
            for code, response in _items(operation.get("responses")):
                fix_content(response, join_pointer(at, "responses", code))


def _items(node: Any) -> Iterator[tuple[Any, Any]]:
    return iter(node.items()) if isinstance(node, dict) else iter(())


def _schemas(node: Any, pointer: str, found: list[Leniency]) -> None:
    """Walk every mapping: an enum its own type excludes, and patterns that are not regexes."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            _schemas(value, join_pointer(pointer, index), found)
        return
    if not isinstance(node, dict):
        return
    kind, enum = node.get("type"), node.get("enum")
    if isinstance(kind, str) and kind in _JSON_TYPES and isinstance(enum, list) and enum:
        python = _JSON_TYPES[kind]
        if not any(isinstance(v, python) and not (kind != "boolean" and isinstance(v, bool)) for v in enum):
            del node["type"]
            defect = f"type {kind!r} admits none of the enum's values"
            found.append(Leniency("unsatisfiable-type", join_pointer(pointer, "type"), defect))
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not _compiles(pattern):
        del node["pattern"]
        found.append(
            Leniency("invalid-pattern", join_pointer(pointer, "pattern"), f"{pattern!r} is not a regex")
        )
    for key, value in node.items():
        if key not in ("example", "examples", "x-example", "enum", "default"):
            _schemas(value, join_pointer(pointer, key), found)


def _overlapping_oneofs(doc: dict[str, Any], found: list[Leniency]) -> None:
    """A ``oneOf`` one of whose branches' instances another branch accepts: read as ``anyOf``."""
    for overlaps in overlaps_by_pass(doc):
        for node, at, branch in overlaps:
            branches = node.pop("oneOf")
            if "anyOf" in node:  # both: the oneOf's anyOf joins the other through allOf
                node["allOf"] = [*(node.get("allOf") or []), {"anyOf": branches}]
            else:
                node["anyOf"] = branches
            defect = f"a value of branch {branch} is valid under another branch too, so it fails the oneOf"
            found.append(Leniency("overlapping-oneof", join_pointer(at, "oneOf"), defect))


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


# -- what the toolkit answers for -----------------------------------------------------------------
def _declares_client_error(codes: list[str]) -> bool:
    return any(c.startswith("4") or c == "default" for c in codes)


_FORMS: Final = ("application/x-www-form-urlencoded", "multipart/form-data")


def operation_leniencies(operations: list[Any], *, swagger: bool = False) -> list[Leniency]:
    """The per-operation leniencies of loaded operations (``undeclared-*``; ``formdata-closed-set``
    for a Swagger 2.0 document's operations, ``swagger=True``)."""
    found: list[Leniency] = []
    for operation in operations:
        codes = list(operation.responses)
        body = operation.request_body
        forms = [media.schema or {} for name, media in body.content.items() if name in _FORMS] if body else []
        if swagger and any(form.get("additionalProperties") is not False for form in forms):  # not closed
            at = join_pointer("/paths", operation.path, operation.method.lower(), "parameters")
            defect = f"{operation.key} declares formData parameters"
            found.append(Leniency("formdata-closed-set", at, defect, operation.key))
        at = join_pointer("/paths", operation.path, operation.method.lower(), "responses")
        no_content = operation.responses.get("204")
        if no_content is not None and no_content.content:
            defect = f"{operation.key} declares a body for 204 No Content"
            found.append(Leniency("body-on-204", join_pointer(at, "204", "content"), defect, operation.key))
        if not _declares_client_error(codes):
            defect = f"{operation.key} declares no 4xx response (declared: {', '.join(codes) or 'none'})"
            found.append(Leniency("undeclared-error-status", at, defect, operation.key))
            continue
        # KPN Things answers a bad token with 302 (its rule family); the 401 is the API Store gateway's.
        if operation.family != "things" and not {"401", "4XX", "default"} & set(codes):
            defect = f"{operation.key} declares no 401"
            found.append(Leniency("undeclared-401", at, defect, operation.key))
        if not {"400", "4XX", "default"} & set(codes):
            answer = closest_status(codes, 400)
            defect = f"{operation.key} declares no 400 (the emulator answers {answer})"
            found.append(Leniency("undeclared-400", at, defect, operation.key))
    return found


# For an error the toolkit means to answer, the declared statuses to use instead, nearest first.
_NEAREST: Final[Mapping[int, tuple[str, ...]]] = {
    400: ("400", "422", "4XX", "default", "409", "404", "403", "415", "406", "412"),
    401: ("401", "403", "4XX", "default", "400"),
    403: ("403", "401", "4XX", "default", "400"),
    404: ("404", "410", "4XX", "default", "400"),
    405: ("405", "4XX", "default", "400", "404"),
}


def closest_status(codes: list[str], wanted: int) -> int:
    """The declared status nearest to ``wanted`` for an error; ``wanted`` itself when none is near.

    ``4XX`` and ``default`` stand for ``wanted``; failing the table, any declared 4xx is taken.
    """
    declared = set(codes)
    for candidate in _NEAREST.get(wanted, (str(wanted), "4XX", "default")):
        if candidate in declared:
            return wanted if candidate in ("4XX", "default") else int(candidate)
    client = sorted(c for c in declared if c.isdigit() and c.startswith("4"))
    return int(client[0]) if client else wanted


# OpenAPI's integer formats are signed 32- and 64-bit integers: a value outside is not allowed.
_FORMAT_BOUNDS: Final[Mapping[str, tuple[int, int]]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}


def with_format_bounds(schema: Any) -> Any:
    """``schema`` with the range its ``int32``/``int64`` formats imply, for checking requests.

    A copy where something is added (``schema`` itself otherwise). Only requests are held to it:
    the loaded schemas stay as written, so the spec diff compares what the definitions say.
    """
    if isinstance(schema, list):
        items = [with_format_bounds(v) for v in schema]
        return items if any(a is not b for a, b in zip(items, schema, strict=True)) else schema
    if not isinstance(schema, dict):
        return schema
    changed: dict[str, Any] = {}
    for key, value in schema.items():
        if isinstance(value, dict | list) and key not in ("enum", "const", "default"):
            bounded = with_format_bounds(value)
            if bounded is not value:
                changed[key] = bounded
    kind = schema.get("type")
    bounds = _FORMAT_BOUNDS.get(str(schema.get("format")))
    is_integer = kind == "integer" or (isinstance(kind, list) and "integer" in kind)
    if bounds is not None and is_integer:
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            changed["minimum"] = bounds[0]
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            changed["maximum"] = bounds[1]
    return {**schema, **changed} if changed else schema
