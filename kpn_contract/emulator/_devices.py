"""The seeded KPN Things device sets and the page arithmetic of ``GET /api/devices``."""

from __future__ import annotations

import math
import random
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["SORTABLE_FIELDS", "DeviceQuery", "build_page", "seed_devices"]

# Mixed case on purpose: `search` is a case-sensitive partial match, and the seeded set must show it.
_KINDS: Final = ("Temperature", "Door", "GPS", "water", "Parking", "Smoke", "humidity")
_PLACES: Final = ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen")
_SPECIFICATIONS: Final = tuple(str(uuid.UUID(int=n * 0x1111_1111_1111, version=4)) for n in range(1, 5))

SORTABLE_FIELDS: Final = ("name", "uuid", "description", "barcode", "deviceSpecificationUUID")
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 2000  # Spring Data's default ceiling


def seed_devices(owner: str, count: int) -> list[dict[str, Any]]:
    """``count`` devices for ``owner`` (the main account or a sub-customer id), the same on every run."""
    rng = random.Random(zlib.crc32(owner.encode()))  # noqa: S311 - deterministic test data, not security
    devices = []
    for index in range(count):
        kind = _KINDS[index % len(_KINDS)]
        place = rng.choice(_PLACES)
        has_metadata = rng.random() < 0.6
        has_barcode = rng.random() < 0.5
        devices.append(
            {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": f"{kind} {place} {index + 1:03d}",
                "description": f"{kind} sensor in {place}",
                "metadata": {"floor": str(rng.randint(0, 9)), "owner": owner} if has_metadata else None,
                "deviceSpecificationUUID": rng.choice(_SPECIFICATIONS),
                "barcode": f"{rng.getrandbits(40):013d}" if has_barcode else None,
            }
        )
    return devices


@dataclass(frozen=True)
class DeviceQuery:
    """The validated query of a device listing."""

    current_page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    search: str | None = None
    sort_by: str = "name"
    sort_order: str = "ASC"


def _sort_key(field: str) -> Any:
    def key(device: dict[str, Any]) -> tuple[bool, str]:
        value = device.get(field)
        # Nulls sort last in ascending order (reversed with the rest for DESC).
        return (value is None, "" if value is None else str(value))

    return key


def build_page(devices: Sequence[dict[str, Any]], query: DeviceQuery) -> dict[str, Any]:
    """The documented page body (Spring Data's ``Page`` shape) for ``query`` over ``devices``."""
    selected = [d for d in devices if query.search is None or query.search in d["name"]]
    selected.sort(key=_sort_key(query.sort_by), reverse=query.sort_order == "DESC")
    total = len(selected)
    start = query.current_page * query.page_size
    content = selected[start : start + query.page_size]
    total_pages = math.ceil(total / query.page_size)
    ascending = query.sort_order == "ASC"
    return {
        "content": [dict(d) for d in content],
        "last": query.current_page + 1 >= total_pages,
        "first": query.current_page == 0,
        "totalPages": total_pages,
        "totalElements": total,
        "numberOfElements": len(content),
        "size": query.page_size,
        "number": query.current_page,
        "sort": [
            {
                "direction": query.sort_order,
                "property": query.sort_by,
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": ascending,
                "descending": not ascending,
            }
        ],
    }
