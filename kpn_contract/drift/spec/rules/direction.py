"""Direction-aware properties: readOnly ignored in requests, writeOnly in responses, closed request objects.

A ``readOnly`` property is never sent, so its changes cannot hurt a request; a ``writeOnly`` one is
never returned, so its changes cannot hurt a response. A property that *becomes* one of them is a
change of its own, and so is a request object that stops accepting unknown properties.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.drift.spec.rules.rule import Emitter, Rule
from kpn_contract.drift.spec.schemaview import FALSE_SCHEMA

__all__ = ["RULES", "compare_additional", "hidden", "now_sent", "visibility_changed"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.property.became-read-only",
        "warning",
        "diff",
        "a request body property became readOnly",
        "A field you send is now set by the server: it is ignored, or rejected by strict servers.",
        "`status` gets `readOnly: true`",
    ),
    Rule(
        "request.property.read-only-removed",
        "breaking",
        "diff",
        "a required request body property is no longer readOnly",
        "Clients left the field out, as the server set it; now it is required in the body they send, and"
        " bodies without it are rejected.",
        "required `id` loses `readOnly: true`",
    ),
    Rule(
        "response.property.became-write-only",
        "breaking",
        "diff",
        "a response property became writeOnly",
        "A field you read is no longer returned (writeOnly values are only sent).",
        "`pin` gets `writeOnly: true`",
    ),
    Rule(
        "request.additional-properties.closed",
        "breaking",
        "diff",
        "a request object no longer accepts undeclared properties",
        "A body with a field the schema does not declare (`additionalProperties: false`) is now rejected.",
        "`additionalProperties: false` added",
    ),
)


def _flag(schema: Any, key: str) -> bool:
    """Whether ``key`` (readOnly/writeOnly) is true on the schema or one of its allOf parts."""
    if not isinstance(schema, dict):
        return False
    return schema.get(key) is True or any(_flag(part, key) for part in schema.get("allOf") or ())


def hidden(schema: Any, side: str) -> bool:
    """Whether a property never travels on ``side`` (readOnly in requests, writeOnly in responses)."""
    return _flag(schema, "writeOnly" if side == "response" else "readOnly")


def visibility_changed(emitter: Emitter, op: str, old: Any, new: Any, *, pointer: str, side: str) -> bool:
    """Emit when a property stopped travelling on ``side``; True then (its other changes do not matter)."""
    if not hidden(new, side) or hidden(old, side):
        return False
    name = pointer.rsplit("/", 1)[-1]
    if side == "response":
        emitter.emit(
            "response.property.became-write-only",
            op,
            pointer,
            old=False,
            new=True,
            message=f"response field {name!r} became writeOnly: it is no longer returned",
        )
    else:
        emitter.emit(
            "request.property.became-read-only",
            op,
            pointer,
            old=False,
            new=True,
            message=f"body field {name!r} became readOnly: the server sets it",
        )
    return True


def now_sent(
    emitter: Emitter, op: str, old: Any, new: Any, *, pointer: str, side: str, required: bool
) -> None:
    """A required request property that was readOnly (never sent) and no longer is: clients must send it.

    An optional one that loses readOnly asks nothing of a client, and a response property that loses
    writeOnly is only returned where it was not: neither is reported.
    """
    if side == "response" or not required or not hidden(old, side) or hidden(new, side):
        return
    name = pointer.rsplit("/", 1)[-1]
    emitter.emit(
        "request.property.read-only-removed",
        op,
        pointer,
        old=True,
        new=False,
        message=f"required body field {name!r} is no longer readOnly: clients must now send it",
    )


def compare_additional(
    emitter: Emitter, op: str, old: dict[str, Any], new: dict[str, Any], *, pointer: str, side: str
) -> None:
    """``additionalProperties: false`` newly set on a request object."""
    if side == "response" or new.get("additionalProperties") != FALSE_SCHEMA:
        return
    if old.get("additionalProperties") == FALSE_SCHEMA:
        return
    emitter.emit(
        "request.additional-properties.closed",
        op,
        f"{pointer}/additionalProperties",
        old=True,
        new=False,
        message="request object no longer accepts undeclared properties",
    )
