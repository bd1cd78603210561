"""Webhooks and callbacks: requests the provider sends to the consumer, so the direction is inverted.

The payload of an OpenAPI 3.1 ``webhooks`` entry, or of an operation's ``callbacks``, is what the
consumer *receives*: it is compared as a response is (a payload that may now hold more breaks the
consumer's handler, one that holds less does not), under the same ``response.*`` rule ids, with the
operation named ``WEBHOOK <METHOD> <name>`` or ``CALLBACK <METHOD> <operation> <callback>``. The
header parameters it carries (a signature, say) are compared as response headers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kpn_contract.contract.model import Operation, ResponseSpec, Spec
from kpn_contract.drift.spec.rules.bodies import media_name
from kpn_contract.drift.spec.rules.headers import compare_headers
from kpn_contract.drift.spec.rules.rule import Rule
from kpn_contract.drift.spec.schemaview import escape_pointer

if TYPE_CHECKING:
    from kpn_contract.drift.spec.schemadiff import SchemaDiffer

__all__ = ["RULES", "compare_callbacks", "compare_webhooks"]

RULES: tuple[Rule, ...] = (
    Rule(
        "webhook.removed",
        "warning",
        "diff",
        "a webhook or callback the consumer may handle is no longer sent",
        "Nothing fails, but events your handler waits for stop arriving.",
        "webhook `deviceEvent` removed",
    ),
    Rule(
        "webhook.added",
        "info",
        "diff",
        "a new webhook or callback",
        "Nothing is sent to you until you subscribe or register for it.",
        "new webhook `deviceDeleted`",
    ),
    Rule(
        "webhook.media-type.added",
        "breaking",
        "diff",
        "a webhook or callback payload may come in a new media type",
        "The provider may send a payload your handler cannot parse; it cannot ask for another.",
        "`application/cbor` added to the payload of `deviceEvent`",
    ),
)


def _by_key(operations: Iterable[Operation]) -> dict[tuple[str, str], Operation]:
    return {(o.method, o.path): o for o in operations}


def _compare_set(
    differ: SchemaDiffer,
    label: str,
    old: Iterable[Operation],
    new: Iterable[Operation],
    pointer: str,
) -> None:
    before, after = _by_key(old), _by_key(new)
    for key, operation in before.items():
        name = f"{label} {key[0]} {key[1]}"
        target = after.get(key)
        if target is None:
            differ.emit(
                "webhook.removed",
                name,
                f"{pointer}/{escape_pointer(key[1])}",
                old=key[1],
                new=None,
                message=f"{label.lower()} {key[1]} ({key[0]}) is no longer sent",
            )
            continue
        _compare_payload(differ, name, operation, target)
    for key in sorted(after.keys() - before.keys()):
        differ.emit(
            "webhook.added",
            f"{label} {key[0]} {key[1]}",
            f"{pointer}/{escape_pointer(key[1])}",
            old=None,
            new=key[1],
            message=f"new {label.lower()} {key[1]} ({key[0]})",
        )


def _sent_headers(operation: Operation) -> ResponseSpec:
    """The header parameters of a webhook or callback, which the consumer receives, as a response's."""
    headers = {p.name: p.schema for p in operation.parameters if p.location == "header"}
    required = tuple(p.name for p in operation.parameters if p.location == "header" and p.required)
    return ResponseSpec(operation.method, "", {}, required, headers)


def _compare_payload(differ: SchemaDiffer, name: str, old: Operation, new: Operation) -> None:
    # Headers the provider sends (a signature, an event type) are read by the consumer's handler.
    compare_headers(differ, name, "", _sent_headers(old), _sent_headers(new))
    if old.request_body is None or new.request_body is None:
        return
    before = {media_name(k): v for k, v in old.request_body.content.items()}
    after = {media_name(k): v for k, v in new.request_body.content.items()}
    pointer = "/requestBody/content"
    if before:
        for media in sorted(after.keys() - before.keys()):
            differ.emit(
                "webhook.media-type.added",
                name,
                f"{pointer}/{escape_pointer(media)}",
                old=sorted(before),
                new=media,
                message=f"the payload may now be {media}",
            )
    for media in sorted(before.keys() & after.keys()):
        # Inverted: the consumer receives the payload, so it is judged as a response.
        differ.schema(
            name,
            before[media].schema,
            after[media].schema,
            f"{pointer}/{escape_pointer(media)}/schema",
            "response",
        )


def compare_webhooks(differ: SchemaDiffer, old: Spec, new: Spec) -> None:
    """The OpenAPI 3.1 ``webhooks`` of two specs."""
    _compare_set(differ, "WEBHOOK", old.webhooks, new.webhooks, "/webhooks")


def compare_callbacks(differ: SchemaDiffer, op: str, old: Operation, new: Operation) -> None:
    """The ``callbacks`` of one operation pair, callback by callback."""
    for key in sorted(old.callbacks.keys() | new.callbacks.keys()):
        _compare_set(
            differ,
            f"CALLBACK {op} {key.split(' ', 1)[0]}",
            old.callbacks.get(key, ()),
            new.callbacks.get(key, ()),
            f"/callbacks/{escape_pointer(key.split(' ', 1)[0])}",
        )
