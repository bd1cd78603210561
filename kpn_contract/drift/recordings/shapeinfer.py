"""Recording against recording, part one: infer each operation's response shape from recordings.

The shape of an operation is what its recorded responses showed: the status codes, the content
types and, per status, the JSON shape of the bodies. Field locations are JSON pointers into the
body with ``*`` for every array item (``/content/*/uuid``). For every field the shape keeps the
JSON types seen, how often it was present relative to its parent object (always or sometimes),
whether it was ever null and, for short strings, the distinct values (to spot enums).

Bodies are parsed one interaction at a time and dropped once walked, so thousands of
interactions cost time linear in their size and memory linear in the number of distinct fields.

Enum heuristic: a string field *looks like an enum* when it was seen at least
:data:`ENUM_MIN_SAMPLES` times with at most :data:`ENUM_MAX_VALUES` distinct values, at least
three samples per distinct value, and every value word-like (:data:`_ENUM_VALUE`: starts with a
letter, at most 32 characters, at most two digits), which keeps ids, timestamps and tokens out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from kpn_contract.cassettes.store import Cassette, iter_cassettes, load_cassette
from kpn_contract.drift.findings import (
    RULES,
    Finding,
    StabilityPolicy,
    is_beta_spec,
)
from kpn_contract.drift.recordings.headershapes import HeaderShape, declared_headers

if TYPE_CHECKING:
    from kpn_contract.contract.model import Operation, Violation

__all__ = [
    "ENUM_MAX_VALUES",
    "ENUM_MIN_SAMPLES",
    "BodyShape",
    "FieldShape",
    "OperationIndex",
    "OperationShape",
    "ResponseValidator",
    "infer",
    "infer_shapes",
    "load_recordings",
    "operation_for",
    "parent_pointer",
    "type_names",
]

ENUM_MIN_SAMPLES = 10
ENUM_MAX_VALUES = 6
_ENUM_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9 _.\-/:]{0,31}$")
# Guard against pathological nesting: deeper fields are not shape-tracked.
_MAX_DEPTH = 32


class OperationIndex(Protocol):
    """The one operation lookup (``kpn_contract.contract.specs.SpecIndex``)."""

    def find(self, method: str, url: str) -> Operation | None: ...


class ResponseValidator(Protocol):
    """``kpn_contract.contract.validate.Validator``."""

    def validate(
        self, method: str, url: str, status: int, headers: Mapping[str, Any], body: bytes
    ) -> list[Violation]: ...


@dataclass(eq=False)
class FieldShape:
    """What one body location held across the recorded responses."""

    pointer: str
    types: set[str] = field(default_factory=set)
    present: int = 0
    nulls: int = 0
    strings: int = 0
    objects: int = 0  # times the value was an object (the parent count for its fields' presence)
    values: set[str] | None = field(default_factory=set)  # None once too many to be an enum
    # Child locations by key ("*" for array items): walking bodies reuses them instead of building
    # and hashing pointer strings for every value, which is most of the cost on large recordings.
    children: dict[str, FieldShape] = field(default_factory=dict, repr=False)

    def looks_like_enum(self) -> bool:
        """Whether the strings seen here look like an enum (see the module docstring)."""
        return (
            self.values is not None
            and bool(self.values)
            and self.strings >= ENUM_MIN_SAMPLES
            and self.strings >= 3 * len(self.values)
        )


@dataclass
class BodyShape:
    """The shape of one operation's responses with one status code; ``fields`` is keyed by JSON pointer."""

    samples: int = 0
    content_types: set[str] = field(default_factory=set)
    fields: dict[str, FieldShape] = field(default_factory=dict)

    def objects_at(self, pointer: str) -> int:
        """How many times the value at ``pointer`` was a JSON object."""
        spot = self.fields.get(pointer)
        return spot.objects if spot is not None else 0

    def presence(self, pointer: str) -> str:
        """``"always"`` when the field was in every occurrence of its parent object, else ``"sometimes"``."""
        seen = self.fields[pointer].present if pointer in self.fields else 0
        return "always" if seen and seen >= self.objects_at(parent_pointer(pointer)) else "sometimes"


@dataclass
class OperationShape:
    """Everything the recordings showed about one operation."""

    key: str
    beta: bool = False
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: dict[int, BodyShape] = field(default_factory=dict)
    headers: dict[int, HeaderShape] = field(default_factory=dict)


def parent_pointer(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


# integer and number are one type here: whole-number samples of a decimal field must not look like drift.
_JSON_TYPES: dict[type, str] = {
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def type_names(spot: FieldShape) -> str:
    return "|".join(sorted(spot.types)) or "null"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _child(shape: BodyShape, spot: FieldShape, key: str) -> FieldShape:
    pointer = f"{spot.pointer}/{key if key == '*' else _escape(key)}"
    child = shape.fields.get(pointer)
    if child is None:
        child = shape.fields[pointer] = FieldShape(pointer)
    spot.children[key] = child
    return child


def _root(shape: BodyShape) -> FieldShape:
    root = shape.fields[""] = FieldShape("")
    return root


def _enum_candidate(value: str) -> bool:
    return len(value) <= 32 and bool(_ENUM_VALUE.match(value)) and sum(c.isdigit() for c in value) <= 2


def _walk(shape: BodyShape, spot: FieldShape, value: Any, depth: int) -> None:
    spot.present += 1
    if value is None:
        spot.nulls += 1
        return
    kind = _JSON_TYPES.get(type(value), "object")
    spot.types.add(kind)
    if kind == "string":
        spot.strings += 1
        values = spot.values
        if values is not None and value not in values:
            if _enum_candidate(value) and len(values) < ENUM_MAX_VALUES:
                values.add(value)
            else:
                spot.values = None
        return
    if depth >= _MAX_DEPTH:
        return
    if kind == "object":
        spot.objects += 1
        children = spot.children
        for key, item in value.items():
            child = children.get(key)
            _walk(shape, child if child is not None else _child(shape, spot, str(key)), item, depth + 1)
    elif kind == "array":
        items = spot.children.get("*") or _child(shape, spot, "*")
        for item in value:
            _walk(shape, items, item, depth + 1)


def operation_for(index: OperationIndex | None, method: str, url: str) -> tuple[str, Operation | None]:
    """The operation key of a recorded request: the spec's ``METHOD /template`` or ``METHOD <path>``."""
    op = index.find(method, url) if index is not None else None
    if op is not None:
        return op.key, op
    return f"{method} {urlsplit(url).path or '/'}", None


def _beta_judge(
    index: OperationIndex | None, policy: StabilityPolicy
) -> Callable[[Operation | None, str], bool]:
    """Decide beta-ness from the operation's spec (its ``x-kpn-stability``, title, family), else the host."""
    specs = {spec.path: spec for spec in getattr(index, "specs", ())}

    def judge(op: Operation | None, url: str) -> bool:
        if op is None:
            return policy.is_beta(title=urlsplit(url).hostname, family=None, stability=None)
        spec = specs.get(op.spec_path)
        if spec is not None:
            return is_beta_spec(spec.raw, spec.title, spec.family, policy)
        return policy.is_beta(title=op.spec_title, family=op.family, stability=None)

    return judge


def load_recordings(dirs: Iterable[str | Path]) -> Iterator[Cassette]:
    """Load every cassette under ``dirs`` one at a time (a bad one raises ``CassetteError`` naming it)."""
    for path in iter_cassettes(dirs):
        yield load_cassette(path)


@dataclass
class _Violations:
    """Spec violations of new responses, one entry per operation, rule and pointer.

    Array indices in pointers become ``*`` (``/content/3/uuid`` → ``/content/*/uuid``), so one broken
    field of a list is one finding, not one per item.
    """

    first: dict[tuple[str, str, str], Violation] = field(default_factory=dict)
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, operation: str, violation: Violation) -> None:
        slot = (operation, violation.rule_id, _INDEX.sub("/*", violation.pointer))
        self.first.setdefault(slot, violation)
        self.counts[slot] += 1

    def findings(self) -> list[Finding]:
        rule = RULES["response.spec-violation"]
        return [
            Finding(
                rule.id,
                rule.severity,
                operation,
                pointer,
                _clip(violation.expected),
                _clip(violation.actual),
                f"{kind} in {self.counts[(operation, kind, pointer)]} response(s) ({violation.spec_path})",
            )
            for (operation, kind, pointer), violation in self.first.items()
        ]


_INDEX = re.compile(r"/\d+(?=/|$)")


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def infer(
    cassettes: Iterable[Cassette],
    index: OperationIndex | None,
    policy: StabilityPolicy,
    validator: ResponseValidator | None,
) -> tuple[dict[str, OperationShape], _Violations]:
    shapes: dict[str, OperationShape] = {}
    violations = _Violations()
    is_beta = _beta_judge(index, policy)
    for cassette in cassettes:
        for interaction in cassette.interactions:
            method, url, status = interaction.method.upper(), interaction.uri, interaction.status
            body = interaction.response_body
            key, op = operation_for(index, method, url)
            shape = shapes.get(key)
            if shape is None:
                shape = shapes[key] = OperationShape(key=key, beta=is_beta(op, url))
            shape.statuses[status] += 1
            body_shape = shape.bodies.setdefault(status, BodyShape())
            body_shape.samples += 1
            header_shape = shape.headers.setdefault(status, HeaderShape())
            header_shape.note(interaction.response_headers, declared_headers(op, status))
            content_type = interaction.response_header("content-type")
            if content_type and body:
                body_shape.content_types.add(content_type.split(";", 1)[0].strip().lower())
            if validator is not None:
                headers = dict(interaction.response_headers)
                for violation in validator.validate(method, url, status, headers, body):
                    violations.add(key, violation)
            if body and "json" in (content_type or "json"):
                try:
                    document = json.loads(body)
                except ValueError:
                    continue  # not JSON after all: only status and content type are compared
                root = body_shape.fields.get("")
                _walk(body_shape, root if root is not None else _root(body_shape), document, 0)
    return shapes, violations


def infer_shapes(
    cassettes: Iterable[Cassette], index: OperationIndex | None, *, policy: StabilityPolicy | None = None
) -> dict[str, OperationShape]:
    """The shape of every operation in ``cassettes`` (loaded ``Cassette`` objects), by operation key."""
    return infer(cassettes, index, policy or StabilityPolicy(), None)[0]
