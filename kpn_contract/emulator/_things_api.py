"""The new KPN Things API (``specs/kpn-things/*.yaml``), served beside the beta on the same origin.

Devices come from the beta's device store (``GET /api/devices`` and ``GET /devices`` list the same
devices, mapped as ``_devices.new_api_device`` says); the other resources from ``_things_data``.
Every route first checks the bearer token and the operation's scope (``_scopes.authorize``); list
routes page with ``_paging.list_page``; writes live in ``_things_writes``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kpn_contract.emulator._echo import echo
from kpn_contract.emulator._paging import (
    BadQueryError,
    Listing,
    UnknownCursorError,
    contains_ignoring_case,
    downlink_search,
    list_page,
)
from kpn_contract.emulator._scopes import DeniedError, authorize, problem
from kpn_contract.emulator._state import EmulatorState
from kpn_contract.emulator._things_data import ThingsData
from kpn_contract.emulator._tokens import emulator_state

__all__ = ["LISTINGS", "find", "guarded", "read_routes"]

Handler = Callable[[Request], Awaitable[Response]]
_AUDIT: Final = ("createdAt", "modifiedAt")
_BINDING_FILTERS: Final = {"clientId": "clientId", "deviceId": "deviceId"}

# path -> what its list operation accepts (THINGS-DECISIONS "Paging, sort, search, filters").
LISTINGS: Final[dict[str, Listing]] = {
    "/devices": Listing(
        sortable=(*_AUDIT, "name", "barcode"),
        search=contains_ignoring_case("name", "description"),
        exact={"clientId": "clientId"},
        partial={"barcode": "barcode"},
        any_of={"deviceSpecificationId": "deviceSpecificationId"},
        uuids=frozenset({"clientId", "deviceSpecificationId"}),
    ),
    "/device-groups": Listing(
        sortable=(*_AUDIT, "name"),
        search=contains_ignoring_case("name", "description"),
        q_min_length=0,  # KPN's device-group spec gives q no minLength [pub]
        exact={"clientId": "clientId", "projectId": "projectId"},
        uuids=frozenset({"clientId", "projectId"}),
    ),
    "/projects": Listing(
        sortable=(*_AUDIT, "name"),
        search=contains_ignoring_case("name", "description"),
        exact={"clientId": "clientId"},
        uuids=frozenset({"clientId"}),
    ),
    "/downlinks": Listing(sortable=_AUDIT, search=downlink_search),
    "/lora/downlinks": Listing(
        sortable=_AUDIT, exact={"deviceId": "deviceId"}, uuids=frozenset({"deviceId"})
    ),
    "/mqtt/downlinks": Listing(
        sortable=_AUDIT, exact={"deviceId": "deviceId"}, uuids=frozenset({"deviceId"})
    ),
    "/lora/bindings": Listing(
        sortable=_AUDIT, exact=_BINDING_FILTERS, uuids=frozenset({"clientId", "deviceId"})
    ),
    "/http/bindings": Listing(
        sortable=_AUDIT,
        exact={**_BINDING_FILTERS, "type": "type"},
        uuids=frozenset({"clientId", "deviceId"}),
    ),
    "/mqtt/bindings": Listing(
        sortable=_AUDIT,
        exact={**_BINDING_FILTERS, "username": "username"},
        uuids=frozenset({"clientId", "deviceId"}),
    ),
}
_GROUPS_OF_DEVICE: Final = Listing(sortable=(*_AUDIT, "name"))
_DEVICES_OF_GROUP: Final = Listing(sortable=(*_AUDIT, "name", "barcode"))
_ADAPTER_LISTING: Final = Listing(sortable=_AUDIT)


def guarded(operation_key: str, handler: Callable[[Request, EmulatorState], Awaitable[Response]]) -> Route:
    """A route for ``operation_key`` (``"METHOD /path"``) whose handler runs only for an authorized caller.

    ``DeniedError`` and ``BadQueryError`` raised by the handler become their 4xx problem responses.
    """
    method, path = operation_key.split(" ", 1)

    async def endpoint(request: Request) -> Response:
        try:
            authorize(request, operation_key)
            _check_path_ids(request)
            return await handler(request, emulator_state(request))
        except DeniedError as denied:
            return denied.response
        except BadQueryError as bad:
            return problem(400, str(bad))
        except UnknownCursorError as unknown:
            return problem(404, str(unknown))

    return Route(path, endpoint, methods=[method])


def _check_path_ids(request: Request) -> None:
    """Every path identifier of the new API is a UUID; anything else is a 400 (the specs say so)."""
    for name, value in request.path_params.items():
        try:
            uuid.UUID(value)
        except ValueError:
            raise BadQueryError(f"{name} must be a UUID") from None


def page_response(items: list[dict[str, Any]], request: Request, listing: Listing) -> JSONResponse:
    return JSONResponse(list_page(items, request.query_params, listing, request.url.path))


def find(items: list[dict[str, Any]], item_id: str, what: str) -> dict[str, Any]:
    """The item with ``item_id``, or a 404 naming what was not found."""
    found = next((item for item in items if item["id"] == item_id), None)
    if found is None:
        raise DeniedError(problem(404, f"{what} '{echo(item_id)}' does not exist"))
    return found


def device_or_404(state: EmulatorState, device_id: str) -> dict[str, Any]:
    device = state.new_api_device(device_id)
    if device is None:
        raise DeniedError(problem(404, f"device '{echo(device_id)}' does not exist"))
    return device


def _resource(name: str) -> Callable[[ThingsData], list[dict[str, Any]]]:
    def items(data: ThingsData) -> list[dict[str, Any]]:
        values: list[dict[str, Any]] = getattr(data, name)
        return list(values)

    return items


def _lister(
    path: str, items: Callable[[ThingsData], list[dict[str, Any]]]
) -> Callable[..., Awaitable[Response]]:
    async def handler(request: Request, state: EmulatorState) -> Response:
        return page_response(items(state.things()), request, LISTINGS[path])

    return handler


async def _search_devices(request: Request, state: EmulatorState) -> Response:
    return page_response(state.new_api_devices(), request, LISTINGS["/devices"])


async def _get_device(request: Request, state: EmulatorState) -> Response:
    return JSONResponse(device_or_404(state, request.path_params["deviceId"]))


async def _groups_of_device(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    data = state.things()
    groups = [g for g in data.device_groups if device_id in data.members.get(g["id"], set())]
    return page_response(groups, request, _GROUPS_OF_DEVICE)


async def _adapters_of_device(request: Request, state: EmulatorState) -> Response:
    device_id = device_or_404(state, request.path_params["deviceId"])["id"]
    return page_response(list(state.things().adapters.get(device_id, [])), request, _ADAPTER_LISTING)


async def _devices_of_group(request: Request, state: EmulatorState) -> Response:
    data = state.things()
    group = find(data.device_groups, request.path_params["deviceGroupId"], "device group")
    members = data.members.get(group["id"], set())
    devices = [d for d in state.new_api_devices() if d["id"] in members]
    return page_response(devices, request, _DEVICES_OF_GROUP)


async def _get_project(request: Request, state: EmulatorState) -> Response:
    return JSONResponse(find(state.things().projects, request.path_params["projectId"], "project"))


def read_routes() -> list[Route]:
    """The read routes of the new API; the writes are ``_things_writes.WRITE_ROUTES``.

    ``_app`` joins the two: the writes use this module's helpers, so importing them here would make
    an import circle.
    """
    return [
        guarded("GET /devices", _search_devices),
        guarded("GET /devices/{deviceId}", _get_device),
        guarded("GET /devices/{deviceId}/device-groups", _groups_of_device),
        guarded("GET /devices/{deviceId}/network-adapters", _adapters_of_device),
        guarded("GET /device-groups", _lister("/device-groups", _resource("device_groups"))),
        guarded("GET /device-groups/{deviceGroupId}/devices", _devices_of_group),
        guarded("GET /projects", _lister("/projects", _resource("projects"))),
        guarded("GET /projects/{projectId}", _get_project),
        guarded("GET /downlinks", _lister("/downlinks", _resource("downlinks"))),
        guarded("GET /lora/downlinks", _lister("/lora/downlinks", _resource("lora_downlinks"))),
        guarded("GET /mqtt/downlinks", _lister("/mqtt/downlinks", _resource("mqtt_downlinks"))),
        guarded("GET /lora/bindings", _lister("/lora/bindings", _resource("lora_bindings"))),
        guarded("GET /http/bindings", _lister("/http/bindings", _resource("http_bindings"))),
        guarded("GET /mqtt/bindings", _lister("/mqtt/bindings", _resource("mqtt_bindings"))),
    ]
