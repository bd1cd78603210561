"""The new KPN Things API's resources besides devices: projects, device groups (and their members),
downlinks (actuator, LoRa, MQTT), connector bindings (LoRa, HTTP, MQTT) and network adapters.

Seeded from the device store (:class:`~kpn_contract.emulator._state.EmulatorState`), the same on
every run: every resource references real device ids, and every owner of devices owns some of each.
The object shapes are the [?] choices of ``specs/kpn-things/*.yaml`` (Project is [pub]).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from kpn_contract.emulator._devices import SEED_EPOCH, client_id_of, isoformat, principal

__all__ = ["RESOURCES", "ThingsData", "command_message", "downlink_tags", "stamp"]

_NAMESPACE: Final = uuid.UUID("0b8f2c55-3e0e-4d0b-8c4e-5448494e4753")
# The list resources other than devices, by the attribute of ThingsData that holds them.
RESOURCES: Final = (
    "projects",
    "device_groups",
    "downlinks",
    "lora_downlinks",
    "mqtt_downlinks",
    "lora_bindings",
    "http_bindings",
    "mqtt_bindings",
)
_PROJECTS: Final = (
    ("Smart Parking", "Parking sensors on city streets"),
    ("Cold Chain", "Temperature tracking of refrigerated transport"),
    ("Water Grid", "Leak detection in the water mains"),
    ("track & trace", "GPS trackers on rental bikes"),
)
_GROUP_WORDS: Final = ("Parking sensors", "Door sensors", "Trackers", "Smoke alarms", "Meters")
# Actuator commands [name, value]; mixed case on purpose: downlinks' q is case-sensitive [pub].
_COMMANDS: Final = (("valve", "open"), ("Valve", "close"), ("reboot", True), ("SET interval", 600),
                    ("set interval", 60))  # fmt: skip


def command_message(command: list[Any]) -> str:
    """The human-readable text of an actuator command, which downlinks' ``q`` searches."""
    name, value = command
    return str(name) if value is True else f"{name} {value}"


def downlink_tags(device_id: str) -> dict[str, str]:
    """The network-side names of a device that downlinks' ``q`` matches: ``tagValue`` and ``networkId``."""
    eui = _dev_eui(device_id)
    return {"tagValue": f"urn:dev:DEVEUI:{eui.lower()}:", "networkId": f"NET-{eui[:8]}"}


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(str(p) for p in parts)))


def stamp(owner_client: str, created: datetime, modified: datetime | None = None) -> dict[str, str]:
    """The audit fields every new-API object carries."""
    owner = f"client:{owner_client}"
    return {
        "createdAt": isoformat(created),
        "createdBy": principal(owner),
        "modifiedAt": isoformat(modified or created),
        "modifiedBy": principal(owner),
    }


def _dev_eui(device_id: str) -> str:
    return uuid.UUID(device_id).hex[:16].upper()


@dataclass
class ThingsData:
    """Every new-API list resource except devices, plus memberships and network adapters."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    device_groups: list[dict[str, Any]] = field(default_factory=list)
    downlinks: list[dict[str, Any]] = field(default_factory=list)
    lora_downlinks: list[dict[str, Any]] = field(default_factory=list)
    mqtt_downlinks: list[dict[str, Any]] = field(default_factory=list)
    lora_bindings: list[dict[str, Any]] = field(default_factory=list)
    http_bindings: list[dict[str, Any]] = field(default_factory=list)
    mqtt_bindings: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, set[str]] = field(default_factory=dict)  # device group id -> device ids
    adapters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # device id -> adapters
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def seed(cls, owners: Sequence[str], devices: Sequence[dict[str, Any]]) -> ThingsData:
        data = cls()
        clients = [client_id_of(owner) for owner in owners]
        for index, (name, description) in enumerate(_PROJECTS):
            client = clients[index % len(clients)] if index else clients[0]
            created = SEED_EPOCH - timedelta(days=30 - 5 * index)
            data.projects.append(
                {
                    "id": _id("project", index),
                    "clientId": client,
                    **stamp(client, created, created + timedelta(days=index + 1)),
                    "name": name,
                    "description": description,
                    "definition": {"type": "STANDARD" if index % 2 == 0 else "TRACKING"},
                }
            )
        for index, words in enumerate(_GROUP_WORDS * 2):
            project = data.projects[index % len(data.projects)]
            created = SEED_EPOCH + timedelta(days=index, hours=index)
            group_id = _id("device-group", index)
            data.device_groups.append(
                {
                    "id": group_id,
                    "clientId": project["clientId"],
                    "projectId": project["id"],
                    "name": f"{words} {index + 1:02d}",
                    "description": f"{words} of project {project['name']}",
                    **stamp(project["clientId"], created, created + timedelta(days=2)),
                }
            )
            owned = [d["id"] for d in devices if d["clientId"] == project["clientId"]]
            data.members[group_id] = set(owned[index % 3 :: 3][:8])
        for index, device in enumerate(devices):
            data._seed_device(index, device)
        return data

    def _seed_device(self, index: int, device: dict[str, Any]) -> None:
        device_id, client = device["id"], device["clientId"]
        created = datetime.fromisoformat(device["createdAt"]) + timedelta(hours=1)
        eui = _dev_eui(device_id)
        kind = ("lora", "http", "mqtt")[index % 3]
        adapter: dict[str, Any] = {"id": _id("adapter", device_id), "deviceId": device_id}
        if kind == "lora":
            adapter.update(type="lora", devEui=eui)
        elif kind == "mqtt":
            adapter.update(type="cellular", imei=f"35{int(eui, 16) % 10**13:013d}")
        else:
            adapter.update(type="internet")
        self.adapters[device_id] = [{**adapter, **stamp(client, created)}]
        binding = {"id": _id("binding", kind, device_id), "clientId": client, "deviceId": device_id}
        if kind == "lora":
            self.lora_bindings.append({**binding, "devEui": eui, **stamp(client, created)})
        elif kind == "http":
            http_type = "http-senml" if index % 2 == 0 else "http-streamline"
            self.http_bindings.append({**binding, "type": http_type, **stamp(client, created)})
        else:
            username = f"urn:dev:DVNUUID:{device_id}:"
            self.mqtt_bindings.append({**binding, "username": username, **stamp(client, created)})
        if index % 2 == 0:
            command = list(_COMMANDS[index // 2 % len(_COMMANDS)])
            sent = created + timedelta(hours=2)
            self.downlinks.append(
                {
                    "id": _id("downlink", device_id),
                    "deviceId": device_id,
                    "command": command,
                    "externalReference": f"order-{index:04d}" if index % 4 == 0 else None,
                    "status": ("queued", "sent", "delivered", "failed")[index // 2 % 4],
                    # Not in the published object, but what q searches [pub]: kept as extra fields.
                    **downlink_tags(device_id),
                    "message": command_message(command),
                    **stamp(client, sent, sent + timedelta(minutes=1)),
                }
            )
        if kind == "lora":
            self.lora_downlinks.append(
                {
                    "id": _id("lora-downlink", device_id),
                    "deviceId": device_id,
                    "port": 1 + index % 223,
                    "payloadHex": f"{index % 256:02X}01",
                    "confirmed": index % 2 == 0,
                    "status": "delivered",
                    **stamp(client, created + timedelta(hours=3)),
                }
            )
        if kind == "mqtt":
            self.mqtt_downlinks.append(
                {
                    "id": _id("mqtt-downlink", device_id),
                    "deviceId": device_id,
                    "topic": f"devices/{device_id}/commands",
                    "message": f'{{"interval": {60 * (1 + index % 10)}}}',
                    "qos": index % 3,
                    "status": "sent",
                    **stamp(client, created + timedelta(hours=4)),
                }
            )
