"""The seeded KPN Things device sets and the page arithmetic of ``GET /api/devices``."""

from __future__ import annotations

import math
import random
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

__all__ = [
    "MAIN_ACCOUNT",
    "SORTABLE_FIELDS",
    "DeviceQuery",
    "build_page",
    "client_id_of",
    "new_api_device",
    "seed_devices",
    "seed_history",
]

# Mixed case on purpose: `search` is a case-sensitive partial match, and the seeded set must show it.
_KINDS: Final = ("Temperature", "Door", "GPS", "water", "Parking", "Smoke", "humidity")
_PLACES: Final = ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen")
SPECIFICATIONS: Final = tuple(str(uuid.UUID(int=n * 0x1111_1111_1111, version=4)) for n in range(1, 5))

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
                "deviceSpecificationUUID": rng.choice(SPECIFICATIONS),
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


def _beta_device(device: dict[str, Any]) -> dict[str, Any]:
    """A device as the beta shows it: its ``description`` is always a string (the beta's Device schema);
    a device written through the new API without one (null there) shows ``""`` [?]."""
    return {**device, "description": device.get("description") or ""}


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
        "content": [_beta_device(d) for d in content],
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


# -- the new KPN Things API's view of the same devices ------------------------------------------------
# The new API names the owner of a device by a client UUID; the emulator derives one per owner of
# the beta store (the main account, each sub-customer), the same on every run.
_CLIENT_NAMESPACE: Final = uuid.UUID("6f1c3f0e-5b7a-4c1e-9a57-4b5054484e47")
MAIN_ACCOUNT: Final = "main-account"
SEED_EPOCH: Final = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def client_id_of(owner: str) -> str:
    """The new API's ``clientId`` (a UUID) of a beta owner: the main account or a sub-customer id."""
    return str(uuid.uuid5(_CLIENT_NAMESPACE, owner))


def principal(owner: str) -> str:
    """``createdBy`` / ``modifiedBy`` in KPN's documented form ``principal/<uuid>``."""
    return f"principal/{uuid.uuid5(_CLIENT_NAMESPACE, 'principal:' + owner)}"


def isoformat(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def seed_history(owner: str, devices: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The new-API fields the beta does not show, per device uuid: owner client and timestamps.

    A separate random stream from :func:`seed_devices`, so the beta's seeded values stay as they were.
    Every device gets a distinct ``createdAt`` (hours apart, per owner offset) and a later ``modifiedAt``.
    """
    rng = random.Random(zlib.crc32(f"history:{owner}".encode()))  # noqa: S311 - test data
    start = SEED_EPOCH + timedelta(minutes=zlib.crc32(owner.encode()) % 600)
    history = {}
    for index, device in enumerate(devices):
        created = start + timedelta(hours=7 * index, minutes=rng.randint(0, 59))
        modified = created + timedelta(days=rng.randint(0, 90), seconds=rng.randint(1, 3599))
        history[device["uuid"]] = {
            "clientId": client_id_of(owner),
            "createdAt": isoformat(created),
            "createdBy": principal(owner),
            "modifiedAt": isoformat(modified),
            "modifiedBy": principal(owner),
        }
    return history


def new_api_device(device: dict[str, Any], history: dict[str, Any]) -> dict[str, Any]:
    """The beta device in the new API's shape: ``uuid`` -> ``id``, ``deviceSpecificationUUID`` ->
    ``deviceSpecificationId``; ``metadata`` has no counterpart [?] (THINGS-DECISIONS "Objects")."""
    return {
        "id": device["uuid"],
        "clientId": history["clientId"],
        "name": device["name"],
        "description": device["description"],
        "barcode": device["barcode"],
        "deviceSpecificationId": device["deviceSpecificationUUID"],
        "createdAt": history["createdAt"],
        "createdBy": history["createdBy"],
        "modifiedAt": history["modifiedAt"],
        "modifiedBy": history["modifiedBy"],
    }
