"""The ``next`` variant: the next beta of KPN Things, with deliberate, documented breaking changes.

:data:`NEXT_VARIANT_CHANGES` is the one description of what differs; the transforms below apply
exactly those entries, and the drift tests compare their findings against the table.
Pointers are JSON pointers into the response body; ``*`` stands for every item of an array.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["NEXT_VARIANT_CHANGES", "apply_next_to_device_page", "next_status"]

LIST_DEVICES: Final = "GET /api/devices"
CONTEXT_SWITCH: Final = "POST /api/v1/lifecycle/clients/{customerId}/context-switch"

NEXT_VARIANT_CHANGES: Final[list[dict[str, Any]]] = [
    {
        "operation": LIST_DEVICES,
        "pointer": "/content/*/deviceSpecificationUUID",
        "kind": "field-renamed",
        "old": "deviceSpecificationUUID",
        "new": "deviceSpecificationId",
        "description": "deviceSpecificationUUID is renamed to deviceSpecificationId "
        "(consumers see the old field removed and a new field added)",
    },
    {
        "operation": LIST_DEVICES,
        "pointer": "/totalElements",
        "kind": "type-changed",
        "old": "integer",
        "new": "string",
        "description": "totalElements becomes a string holding the number",
    },
    {
        "operation": LIST_DEVICES,
        "pointer": "/content/*/lastSeen",
        "kind": "field-added",
        "old": None,
        "new": "string (date-time), optional",
        "description": "a new optional field lastSeen (absent for devices that were never seen)",
    },
    {
        "operation": CONTEXT_SWITCH,
        "pointer": "",
        "kind": "status-changed",
        "old": 200,
        "new": 204,
        "description": "the context-switch call answers 204 No Content instead of 200",
    },
]

_RENAME: Final = NEXT_VARIANT_CHANGES[0]
_STATUS: Final = NEXT_VARIANT_CHANGES[3]


def apply_next_to_device_page(page: dict[str, Any]) -> dict[str, Any]:
    """Turn a current-variant device page into the next variant's page (rename, retype, add)."""
    old_name, new_name = _RENAME["old"], _RENAME["new"]
    content = []
    for device in page["content"]:
        changed = {(new_name if key == old_name else key): value for key, value in device.items()}
        # Deterministic: a device "was seen" unless its uuid ends in 0-4 (hex digits 0-4).
        if device["uuid"][-1] not in "01234":
            changed["lastSeen"] = "2026-11-20T08:00:00Z"
        content.append(changed)
    return {**page, "content": content, "totalElements": str(page["totalElements"])}


def next_status(operation: str, status: int) -> int:
    """The success status the next variant answers for ``operation`` instead of ``status``."""
    if operation == _STATUS["operation"] and status == _STATUS["old"]:
        return int(_STATUS["new"])
    return status
