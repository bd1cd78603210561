"""The data model of loaded specifications, shared by the validator, ``verify``, ``drift`` and the emulator.

A :class:`Spec` is one definition file, read leniently into a format-neutral shape: Swagger 2.0,
OpenAPI 3.0 and 3.1 all become the same :class:`Operation` objects, with every ``$ref`` resolved
(local and cross-file) into plain JSON Schema dictionaries. Problems that do not stop loading are
kept as :class:`SpecWarning` with the file and a JSON pointer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

JSONSchema = dict[str, Any]
# One alternative of an operation's ``security`` list: scheme name → the scopes it needs (all of them).
# As in OpenAPI, an operation is allowed when ANY alternative is met; ``{}`` is the anonymous one.
SecurityRequirement = dict[str, tuple[str, ...]]
SpecFormat = Literal["swagger-2.0", "openapi-3.0", "openapi-3.1"]
ParameterLocation = Literal["path", "query", "header", "cookie", "formData", "body"]


@dataclass(frozen=True)
class SpecWarning:
    """A problem found while loading that does not stop the spec from being used."""

    path: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}#{self.pointer}: {self.message}"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: ParameterLocation
    required: bool
    schema: JSONSchema
    deprecated: bool = False
    # How the value is serialised, as written (``None``: the location's default). Swagger 2.0's
    # ``collectionFormat`` is read into the same two fields.
    style: str | None = None
    explode: bool | None = None
    allow_empty_value: bool = False  # ``allowEmptyValue: true`` (query and formData): ``?name=`` is accepted

    @property
    def serialisation(self) -> tuple[str, bool]:
        """The (style, explode) in effect: as declared, else OpenAPI's defaults for the location."""
        style = self.style or ("simple" if self.location in ("path", "header") else "form")
        return style, self.explode if self.explode is not None else style == "form"


@dataclass(frozen=True)
class MediaType:
    """One media type of a request or response body, with its (resolved) schema, if any."""

    name: str
    schema: JSONSchema | None
    example: Any = None


@dataclass(frozen=True)
class ResponseSpec:
    """One declared response: a status code (``"200"``, ``"4XX"``, ``"default"``)."""

    status: str
    description: str
    content: dict[str, MediaType]
    required_headers: tuple[str, ...] = ()
    headers: dict[str, JSONSchema] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestBody:
    required: bool
    content: dict[str, MediaType]


@dataclass(frozen=True)
class SecurityScheme:
    """A security scheme, reduced to what a consumer depends on."""

    name: str
    type: str
    token_url: str | None = None
    flows: tuple[str, ...] = ()
    http_scheme: str | None = None  # ``basic``/``bearer``… of an ``http`` scheme, lower case
    api_key_in: str | None = None  # where an ``apiKey`` goes (header, query, cookie) …
    api_key_name: str | None = None  # … and under which name


@dataclass(frozen=True)
class Operation:
    """One operation (method + path template) of one spec."""

    spec_path: str
    spec_title: str
    method: str  # upper case
    path: str  # the path template as written, e.g. /api/devices/{uuid}
    operation_id: str  # from the spec, or synthesised as "METHOD path"
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: dict[str, ResponseSpec]
    deprecated: bool = False
    sunset: str | None = None  # x-sunset or similar, when declared
    security: tuple[str, ...] = ()  # the scheme names of every alternative, once each
    family: str | None = None  # the response-code rule family (see specs/rules.yaml)
    # The alternatives of the operation's (or the document's) ``security``, scopes included.
    security_requirements: tuple[SecurityRequirement, ...] = ()
    stability: str | None = None  # own ``x-kpn-stability`` (or ``x-stability-level``), when declared
    # OpenAPI 3 ``callbacks``: "name expression" → the operations the provider calls on the consumer.
    callbacks: dict[str, tuple[Operation, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``"METHOD /path/template"``: how stats, reports and cassettes name an operation."""
        return f"{self.method} {self.path}"

    @property
    def has_default(self) -> bool:
        return "default" in self.responses

    @property
    def scopes(self) -> tuple[str, ...]:
        """Every scope the security requirements name, in order, once each (``()`` when none).

        With one alternative (KPN Things: ``[{BearerAuth: [device.read]}]``) these are the scopes a
        token needs; with several, see :meth:`missing_scopes` for the "any alternative" reading.
        """
        found: dict[str, None] = {}
        for requirement in self.security_requirements:
            for scopes in requirement.values():
                found.update(dict.fromkeys(scopes))
        return tuple(found)

    def missing_scopes(self, granted: Iterable[str]) -> tuple[str, ...]:
        """The scopes a token with ``granted`` lacks for this operation; ``()`` when it may call it.

        An alternative is met when the token has all of its scopes (the scheme itself is not
        checked: a token does not say which scheme issued it). When none is met, the answer is the
        missing scopes of the alternative closest to being met, as a 403's ``scope=`` would name them.
        """
        have = set(granted)
        best: tuple[str, ...] | None = None
        for requirement in self.security_requirements:
            needed = dict.fromkeys(s for scopes in requirement.values() for s in scopes)
            missing = tuple(s for s in needed if s not in have)
            if best is None or len(missing) < len(best):
                best = missing
        return best or ()


@dataclass
class Spec:
    """One loaded definition file."""

    path: str
    title: str
    version: str  # info.version
    format: SpecFormat
    servers: tuple[str, ...]  # absolute base URLs or base paths (Swagger: scheme+host+basePath)
    operations: list[Operation]
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)
    warnings: list[SpecWarning] = field(default_factory=list)
    family: str | None = None  # x-kpn-family, or decided by the rule table
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # OpenAPI 3.1 ``webhooks``: requests the provider sends to the consumer (path = the webhook's name).
    webhooks: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    """One broken promise of a response, with enough context to read like a compiler error."""

    rule_id: str  # e.g. "status.undeclared", "body.schema", "content-type"; drift's Finding.rule_id alike
    operation_id: str
    spec_path: str
    pointer: str  # JSON pointer into the body ("" for the whole response)
    expected: str
    actual: str
    meaning: str = ""  # what the status code means at KPN (from the rule table)

    def describe(self) -> str:
        where = f"{self.operation_id} [{_display_path(self.spec_path)}]"
        at = f" at {self.pointer}" if self.pointer else ""
        text = f"{self.rule_id}{at} in {where}: expected {self.expected}, got {self.actual}"
        if self.meaning:
            text += f" ({self.meaning})"
        return text


def _display_path(path: str) -> str:
    """A spec path relative to the working folder when it lies below it: machine paths stay out of reports."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return Path(path).name
