"""Requests the provider sends to the consumer (OpenAPI 3.1 ``webhooks``, operation ``callbacks``),
and how a parameter is serialised (``style``/``explode``, Swagger 2.0 ``collectionFormat``).

Read for the spec diff's operation-level families; split from ``_operations`` to keep it small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpn_contract.contract._document import join_pointer

if TYPE_CHECKING:
    from kpn_contract.contract._operations import SpecReader
    from kpn_contract.contract.model import Operation

__all__ = ["read_callbacks", "read_webhooks"]


def read_callbacks(reader: SpecReader, raw: Any, pointer: str) -> dict[str, tuple[Operation, ...]]:
    """OpenAPI 3 ``callbacks``: ``"name expression"`` → the operations of that callback.

    A callback's own callbacks are not read: one level is what a consumer registers, and a callback
    that refers back to itself would otherwise be read without end.
    """
    result: dict[str, tuple[Operation, ...]] = {}
    if reader.format == "swagger-2.0" or not isinstance(raw, dict) or "/callbacks/" in pointer:
        return result
    for name, value in raw.items():
        node, _, at = reader.deref(value, reader.path, join_pointer(pointer, name))
        if not isinstance(node, dict):
            reader.warn(at, "callback is not an object; ignored")
            continue
        for expression, item in node.items():
            if isinstance(expression, str) and not expression.startswith("x-"):
                ops = reader.path_item_operations(expression, item, join_pointer(at, expression))
                result[f"{name} {expression}"] = tuple(ops)
    return result


def read_webhooks(reader: SpecReader) -> list[Operation]:
    """OpenAPI 3.1 ``webhooks``: each operation's path is the webhook's name."""
    raw = reader.root.get("webhooks")
    if reader.format != "openapi-3.1" or raw is None:
        return []
    if not isinstance(raw, dict):
        reader.warn("/webhooks", "'webhooks' is not an object; ignored")
        return []
    return [
        op
        for name, item in raw.items()
        if isinstance(name, str)
        for op in reader.path_item_operations(name, item, join_pointer("/webhooks", name))
    ]
