"""The prepared success answer of a product operation: its documented example, or a generated instance.

The example is used when it keeps its schema (string formats too, as schemathesis checks them);
otherwise an instance is generated from the schema (``contract.instances``). Built once per
operation by :class:`~kpn_contract.emulator._products.ProductCatalog` and reused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kpn_contract.contract.instances import generate_instance
from kpn_contract.contract.model import MediaType, Operation, ResponseSpec

__all__ = ["Answer", "prepared_answer", "produced"]


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str | None
    body: bytes
    headers: dict[str, str]


def _is_valid(instance: Any, schema: dict[str, Any] | None, *, formats: bool = False) -> bool:
    if schema is None:
        return True
    if formats:  # schemathesis checks string formats in answers (a date-time written with a space fails)
        import jsonschema_rs

        try:
            return bool(jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(instance))
        except (ValueError, jsonschema_rs.ValidationError):
            return True  # not compilable: the shape check is all there is
    import jsonschema
    from referencing.exceptions import Unresolvable

    try:
        return bool(jsonschema.Draft202012Validator(schema).is_valid(instance))
    except (jsonschema.exceptions.SchemaError, Unresolvable, re.error, TypeError, ValueError, RecursionError):
        return False


def _body_for(media: MediaType) -> Any:
    """The documented example when it keeps its schema (formats too), else a generated instance."""
    example = media.example
    if example is not None and all(_is_valid(example, media.schema, formats=f) for f in (False, True)):
        return example
    if media.schema is None:
        return media.example if media.example is not None else {}
    first = generate_instance(media.schema)
    if _is_valid(first, media.schema):
        return first
    return generate_instance(media.schema, use_examples=False)


def _pick_media(response: ResponseSpec) -> MediaType | None:
    if not response.content:
        return None
    names = list(response.content)
    preferred = next((n for n in names if n.split(";")[0].strip() == "application/json"), None)
    preferred = preferred or next((n for n in names if "json" in n), names[0])
    return response.content[preferred]


def _encode(media: MediaType, body: Any) -> tuple[str, bytes]:
    name = media.name.split(";")[0].strip()
    if "json" in name:
        return media.name, json.dumps(body).encode()
    if "/" not in name or "*" in name:  # "*/*" or a malformed name such as "application"
        return "application/json", json.dumps(body).encode()
    if isinstance(body, str):
        return media.name, body.encode()
    return media.name, json.dumps(body).encode()


def produced(operation: Operation) -> str | None:
    """The media type a Swagger 2.0 operation produces (JSON preferred; ``*/*`` read as JSON)."""
    names = [name for response in operation.responses.values() for name in response.content]
    if not names:
        return None
    name = next((n for n in names if "json" in n), names[0])
    return "application/json" if "*" in name or "/" not in name else name


def _success_status(operation: Operation) -> tuple[int, ResponseSpec | None]:
    codes = [c for c in operation.responses if c.isdigit()]
    for low, high in ((200, 300), (300, 400)):
        within = sorted(c for c in codes if low <= int(c) < high)
        if within:
            return int(within[0]), operation.responses[within[0]]
    for fallback in ("2XX", "default"):
        if fallback in operation.responses:
            return 200, operation.responses[fallback]
    return 200, None


def _answer(status: int, response: ResponseSpec | None) -> Answer:
    headers: dict[str, str] = {}
    media_type: str | None = None
    body = b""
    if response is not None:
        for name, schema in response.headers.items():
            value = generate_instance(schema)
            headers[name.lower()] = value if isinstance(value, str) else json.dumps(value)
        media = _pick_media(response)
        if media is not None and status not in (204, 304):
            media_type, body = _encode(media, _body_for(media))
    if 300 <= status < 400 and not headers.get("location", "").startswith("http"):
        headers["location"] = "https://example.com/callback"
    return Answer(status, media_type, body, headers)


def prepared_answer(operation: Operation) -> Answer:
    """The success answer of ``operation``: its first declared 2xx (else 3xx, ``2XX``, ``default``)."""
    return _answer(*_success_status(operation))
