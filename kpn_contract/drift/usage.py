"""``--used-by``: what recorded traffic actually uses, and spec-diff findings limited to it.

A consumer cares about a removed response field only if it ever received that field, and about
a removed query parameter only if it ever sent it. Other findings matter as soon as the
consumer calls the operation at all (a new required parameter, a removed operation).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from kpn_contract.drift.findings import Finding
from kpn_contract.drift.recordings.shapeinfer import OperationIndex, load_recordings, operation_for
from kpn_contract.drift.spec.rules.lifecycle import BREAKING_WHEN_USED
from kpn_contract.drift.spec.specdiff import normalise_path

__all__ = ["Usage", "apply_usage", "usage_from_cassettes"]

# Findings about something the consumer must *start* doing, or about the operation as a whole:
# relevant to every caller of the operation, whatever fields it used.
_OPERATION_WIDE = frozenset(
    {
        "operation.removed",
        "operation.added",
        "operation.deprecated",
        "operation.sunset",
        "request.parameter.required-added",
        "request.parameter.became-required",
        "request.body.became-required",
        "request.body.required-property-added",
        "request.property.became-required",
        "request.media-type.removed",
        "request.media-type.changed",
        "response.status.added-error",
        "response.status.added-success",
        "response.media-type.removed",
        "response.media-type.changed",
        "response.property.added",
        "security.scheme.changed",
        "security.scope.added",
        "security.scope.removed",
        "security.requirement.added",
        "security.requirement.removed",
        "security.alternative.removed",
        "request.parameter.default-changed",
        "request.parameter.default-removed",
        "request.body.removed",
        "request.media-type.added",
        "response.media-type.added",
        "operation.removed-before-sunset",
        "operation.removed-after-sunset",
        "operation.deprecated-removed",
        "operation.stability-lowered",
        "migration.path.changed",
        "migration.accept.changed",
        "migration.auth-failure.changed",
    }
)
_MAX_DEPTH = 32


@dataclass
class Usage:
    """What the recorded traffic used, per operation (keys are ``METHOD /path`` with ``{}`` params)."""

    operations: set[str] = field(default_factory=set)
    statuses: dict[str, set[str]] = field(default_factory=dict)
    response_fields: dict[str, set[str]] = field(default_factory=dict)  # body pointers, ``*`` for items
    request_fields: dict[str, set[str]] = field(default_factory=dict)
    parameters: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # (location, name)

    def uses(self, operation: str) -> bool:
        """Whether the traffic called ``operation`` (``METHOD /template``)."""
        return _key(operation) in self.operations


def _key(operation: str) -> str:
    method, _, path = operation.partition(" ")
    return f"{method.upper()} {normalise_path(path)}"


def _pointers(value: Any, pointer: str, into: set[str], depth: int = 0) -> None:
    into.add(pointer)
    if depth >= _MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _pointers(item, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}", into, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _pointers(item, f"{pointer}/*", into, depth + 1)


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def usage_from_cassettes(dirs: Iterable[str | Path], index: OperationIndex | None) -> Usage:
    """Collect what the cassettes under ``dirs`` used: operations, statuses, fields and parameters."""
    usage = Usage()
    for cassette in load_recordings(dirs):
        for interaction in cassette.interactions:
            op_key, _ = operation_for(index, interaction.method.upper(), interaction.uri)
            key = _key(op_key)
            usage.operations.add(key)
            usage.statuses.setdefault(key, set()).add(str(interaction.status))
            params = usage.parameters.setdefault(key, set())
            params.update(
                ("query", name)
                for name, _ in parse_qsl(urlsplit(interaction.uri).query, keep_blank_values=True)
            )
            params.update(("header", name.lower()) for name, _ in interaction.request_headers)
            received = _json(interaction.response_body)
            if received is not None:
                _pointers(received, "", usage.response_fields.setdefault(key, set()))
            sent = _json(interaction.request_body)
            if sent is not None:
                _pointers(sent, "", usage.request_fields.setdefault(key, set()))
            if interaction.request_body and sent is None:
                # A form body (Swagger formData, token requests): the loader models it as an object schema.
                text = interaction.request_body.decode("utf-8", "replace")
                fields = usage.request_fields.setdefault(key, set())
                fields.update(f"/{name}" for name, _ in parse_qsl(text, keep_blank_values=True))
    return usage


def _body_pointer(tokens: list[str]) -> str:
    """Map schema tokens after ``/schema`` to a body pointer: properties/x → x; items, prefixItems/n → *."""
    out: list[str] = []
    position = 0
    while position < len(tokens):
        keyword = tokens[position]
        if keyword == "properties" and position + 1 < len(tokens):
            out.append(tokens[position + 1])
            position += 2
            continue
        if keyword == "prefixItems":  # a tuple position: recorded bodies name every array item ``*``
            out.append("*")
            position += 2
            continue
        if keyword in ("items", "additionalProperties"):
            out.append("*")
        position += 1
    return "".join(f"/{t}" for t in out)


def _field_used(pointer: str, used: set[str]) -> bool:
    return pointer in used or any(p.startswith(pointer + "/") for p in used)


def _is_used(finding: Finding, usage: Usage) -> bool:
    if finding.affects:
        return any(usage.uses(op) for op in finding.affects)
    kind, _, rest = finding.operation.partition(" ")
    if kind == "WEBHOOK":
        return True  # recordings hold the calls a consumer makes, not the webhooks it receives
    if kind == "CALLBACK":  # ``CALLBACK <METHOD> <path> …``: used when the registering call is
        method, path = rest.split(" ")[:2]
        return usage.uses(f"{method} {path}")
    key = _key(finding.operation)
    if key not in usage.operations:
        return False
    if finding.rule_id in _OPERATION_WIDE:
        return True
    tokens = finding.pointer.split("/")[1:]
    if len(tokens) >= 2 and tokens[0] == "responses":
        status = tokens[1].replace("~1", "/").replace("~0", "~")
        if status not in usage.statuses.get(key, set()):
            return False
        if "schema" not in tokens:
            return True
        body = _body_pointer(tokens[tokens.index("schema") + 1 :])
        return _field_used(body, usage.response_fields.get(key, set()))
    if tokens[:1] == ["requestBody"] and "schema" in tokens:
        body = _body_pointer(tokens[tokens.index("schema") + 1 :])
        return _field_used(body, usage.request_fields.get(key, set()))
    if len(tokens) >= 3 and tokens[0] == "parameters":
        location, name = tokens[1], tokens[2].replace("~1", "/").replace("~0", "~")
        name = name.lower() if location == "header" else name
        return (location, name) in usage.parameters.get(key, set())
    return True


def apply_usage(findings: Iterable[Finding], usage: Usage) -> list[Finding]:
    """Keep only the findings that touch what ``usage`` shows in use, each marked ``used=True``.

    An announced removal (after its sunset, or of a deprecated operation) that the recordings still
    call is breaking for this consumer (a warning in a beta API).
    """
    kept = []
    for finding in findings:
        if not _is_used(finding, usage):
            continue
        severity = finding.severity
        if finding.rule_id in BREAKING_WHEN_USED:
            severity = "warning" if finding.beta else "breaking"
        kept.append(dataclasses.replace(finding, used=True, severity=severity))
    return kept
