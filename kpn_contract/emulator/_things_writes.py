"""The writes of the new KPN Things API: devices, memberships, network adapters and downlinks.

Devices are written to the beta's store, so a device created with ``POST /devices`` is listed by
``GET /api/devices`` too. Bodies are checked by hand, field by field, so that a 400 names the field.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kpn_contract.emulator._devices import MAIN_ACCOUNT, client_id_of
from kpn_contract.emulator._echo import echo
from kpn_contract.emulator._scopes import DeniedError, problem
from kpn_contract.emulator._state import EmulatorState
from kpn_contract.emulator._things_api import device_or_404, find, guarded
from kpn_contract.emulator._things_data import command_message, downlink_tags, stamp

__all__ = ["WRITE_ROUTES"]

_LORA_PAYLOAD = re.compile(r"(?:[0-9A-Fa-f]{2}){1,242}")
_MAX_FPORT: Final = 223  # LoRaWAN application ports are 1..223


def _bad(detail: str) -> DeniedError:
    return DeniedError(problem(400, detail))


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _bad("the body is not JSON") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    """A required NonBlankString field."""
    value = body.get(name)
    if value is None:
        raise _bad(f"{name} is required")
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{name} must be a non-blank string")
    return value


def _uuid(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if name not in body and not required:
        return None
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, str) else _fail_uuid(name)
    except ValueError:
        return _fail_uuid(name)


def _fail_uuid(name: str) -> str:
    raise _bad(f"{name} must be a UUID")


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    """A ``[string, "null"]`` field: any string, even empty, or null or absent."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise _bad(f"{name} must be a string or null")
    return value


def _device_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _text(body, "name"),
        "description": _optional_text(body, "description"),
        "barcode": _optional_text(body, "barcode"),
        "deviceSpecificationUUID": _uuid(body, "deviceSpecificationId"),
    }


async def _create_device(request: Request, state: EmulatorState) -> Response:
    body = await _body(request)
    fields = _device_fields(body)
    client = _uuid(body, "clientId", required=False) or client_id_of(MAIN_ACCOUNT)
    owner = state.owner_of_client(client)
    if owner is None:
        # The spec's 404 (body_reference): an identifier that names no client the caller may use.
        raise DeniedError(problem(404, f"clientId '{echo(client)}' names no client this caller may manage"))
    device = state.save_device(owner, {"uuid": str(uuid.uuid4()), "metadata": None, **fields})
    return JSONResponse(device, 201, headers={"location": f"/devices/{device['id']}"})


async def _update_device(request: Request, state: EmulatorState) -> Response:
    current = device_or_404(state, request.path_params["deviceId"])
    fields = _device_fields(await _body(request))
    owner = state.owner_of_client(current["clientId"]) or MAIN_ACCOUNT
    beta = next(
        d for d in state.devices(None if owner == MAIN_ACCOUNT else owner) if d["uuid"] == current["id"]
    )
    return JSONResponse(state.save_device(owner, {**beta, **fields}))


async def _delete_device(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    state.delete_device(device_id)
    data = state.things()
    with data.lock:
        for members in data.members.values():
            members.discard(device_id)
        data.adapters.pop(device_id, None)
    return Response(status_code=204)


async def _join_group(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    data = state.things()
    group = find(data.device_groups, request.path_params["deviceGroupId"], "device group")
    with data.lock:
        data.members.setdefault(group["id"], set()).add(device_id)
    return Response(status_code=204)


async def _leave_group(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    data = state.things()
    group = find(data.device_groups, request.path_params.get("deviceGroupId", ""), "device group")
    with data.lock:
        members = data.members.setdefault(group["id"], set())
        if device_id not in members:
            raise DeniedError(problem(404, f"device '{echo(device_id)}' is not a member of '{group['id']}'"))
        members.discard(device_id)
    return Response(status_code=204)


async def _add_members(request: Request, state: EmulatorState) -> Response:
    data = state.things()
    group = find(data.device_groups, request.path_params["deviceGroupId"], "device group")
    ids = (await _body(request)).get("deviceIds")
    if not isinstance(ids, list) or not ids or len(set(map(str, ids))) != len(ids):
        raise _bad("deviceIds must be a non-empty array of distinct device ids")
    ids = [_uuid({"deviceIds[]": value}, "deviceIds[]") for value in ids]
    known = {d["id"] for d in state.new_api_devices()}
    for position, device_id in enumerate(ids):
        if device_id not in known:
            # The operation declares 404 for identifiers that name nothing; a listed device is one.
            raise DeniedError(problem(404, f"deviceIds[{position}] names no device"))
    with data.lock:
        data.members.setdefault(group["id"], set()).update(ids)
    return Response(status_code=204)


def _now_stamp(device: dict[str, Any]) -> dict[str, str]:
    return stamp(device["clientId"], datetime.now(UTC).replace(microsecond=0))


_IDENTIFIERS: Final = {  # adapter type -> (field, pattern); the spec's NetworkAdapterCreate oneOf
    "cellular": ("imei", re.compile(r"[0-9]{15}")),
    "lora": ("devEui", re.compile(r"[0-9A-Fa-f]{16}")),
    "internet": None,
}


async def _add_adapter(request: Request, state: EmulatorState) -> Response:
    device = device_or_404(state, request.path_params["deviceId"])
    body = await _body(request)
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in _IDENTIFIERS:
        raise _bad(f"type must be one of {', '.join(_IDENTIFIERS)}")
    adapter: dict[str, Any] = {"id": str(uuid.uuid4()), "deviceId": device["id"], "type": kind}
    identifier = _IDENTIFIERS[kind]
    if identifier is not None:
        name, pattern = identifier
        value = body.get(name)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise _bad(f"a {kind} adapter needs {name} matching {pattern.pattern}")
        adapter[name] = value
    adapter.update(_now_stamp(device))
    data = state.things()
    with data.lock:
        data.adapters.setdefault(device["id"], []).append(adapter)
    return JSONResponse(adapter, 201)


async def _remove_adapter(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    data = state.things()
    with data.lock:
        adapters = data.adapters.get(device_id, [])
        adapter = find(adapters, request.path_params["networkAdapterId"], "network adapter")
        adapters.remove(adapter)
    return Response(status_code=204)


def _body_device(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    # The spec's 404 (body_reference): a deviceId in the body that names no device the caller can see.
    device = state.new_api_device(_uuid(body, "deviceId") or "")
    if device is None:
        raise DeniedError(problem(404, "deviceId names no device"))
    return device


def _queued(device: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "deviceId": device["id"], "status": "queued", **_now_stamp(device)}


async def _send_downlink(request: Request, state: EmulatorState) -> Response:
    body = await _body(request)
    device = _body_device(state, body)
    command = body.get("command")
    if (
        not isinstance(command, list)
        or len(command) != 2
        or not isinstance(command[0], str)
        or not command[0].strip()
        or not isinstance(command[1], str | int | float | bool)
    ):
        raise _bad("command must be [name, value]: a non-blank name and a number, string or boolean")
    reference = _optional_text(body, "externalReference")
    downlink = {**_queued(device), "command": command, "externalReference": reference,
                **downlink_tags(device["id"]), "message": command_message(command)}  # fmt: skip
    return _store_downlink(state, "downlinks", downlink)


async def _send_lora_downlink(request: Request, state: EmulatorState) -> Response:
    body = await _body(request)
    device = _body_device(state, body)
    port, payload, confirmed = body.get("port"), body.get("payloadHex"), body.get("confirmed", False)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= _MAX_FPORT:
        raise _bad(f"port must be an integer from 1 to {_MAX_FPORT}")
    if not isinstance(payload, str) or not _LORA_PAYLOAD.fullmatch(payload):
        raise _bad("payloadHex must be 1 to 242 bytes as hex digits")
    if not isinstance(confirmed, bool):
        raise _bad("confirmed must be true or false")
    downlink = {**_queued(device), "port": port, "payloadHex": payload, "confirmed": confirmed}
    return _store_downlink(state, "lora_downlinks", downlink)


async def _send_mqtt_downlink(request: Request, state: EmulatorState) -> Response:
    body = await _body(request)
    device = _body_device(state, body)
    message, qos = body.get("message"), body.get("qos", 0)
    if not isinstance(message, str):
        raise _bad("message must be a string")
    if qos not in (0, 1, 2) or isinstance(qos, bool):
        raise _bad("qos must be 0, 1 or 2")
    downlink = {**_queued(device), "topic": _text(body, "topic"), "message": message, "qos": qos}
    return _store_downlink(state, "mqtt_downlinks", downlink)


def _store_downlink(state: EmulatorState, resource: str, downlink: dict[str, Any]) -> Response:
    data = state.things()
    with data.lock:
        getattr(data, resource).append(downlink)
    return JSONResponse(downlink, 201)


WRITE_ROUTES: Final = [
    guarded("POST /devices", _create_device),
    guarded("PUT /devices/{deviceId}", _update_device),
    guarded("DELETE /devices/{deviceId}", _delete_device),
    guarded("PUT /devices/{deviceId}/device-groups/{deviceGroupId}", _join_group),
    guarded("DELETE /devices/{deviceId}/device-groups/{deviceGroupId}", _leave_group),
    guarded("POST /devices/{deviceId}/network-adapters", _add_adapter),
    guarded("DELETE /devices/{deviceId}/network-adapters/{networkAdapterId}", _remove_adapter),
    guarded("POST /device-groups/{deviceGroupId}/devices", _add_members),
    guarded("DELETE /device-groups/{deviceGroupId}/devices/{deviceId}", _leave_group),
    guarded("POST /downlinks", _send_downlink),
    guarded("POST /lora/downlinks", _send_lora_downlink),
    guarded("POST /mqtt/downlinks", _send_mqtt_downlink),
]
