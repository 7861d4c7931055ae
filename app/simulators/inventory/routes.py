"""The inventory's endpoints, under `/v2` as in the documented base `https://api.example.com/v2`.

- `GET /v2/clients/{client_id}/devices`: devices with `q`, `user_id`, `status`, `os_name`,
  `sort_by`, `sort_order`, `page_size`, `cursor`;
- `GET /v2/clients/{client_id}/devices/{device_id}`: one device's full profile;
- `GET /v2/clients/{client_id}/devices/{device_id}/users`: users observed on a device, with
  `q`, `sort_by`, `sort_order`, `page_size`, `cursor`.
"""

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.simulators.inventory.auth import require_client_access
from app.simulators.inventory.errors import ApiError, JsonResponse
from app.simulators.inventory.paging import InvalidCursor, paginate
from app.simulators.inventory.params import (
    DEVICE_SORTS,
    USER_SORTS,
    device_filters,
    invalid_cursor,
    list_params,
)
from app.simulators.inventory.records import ClientData, DeviceRecord, DeviceUser, iso
from app.simulators.inventory.store import InventoryStore

API_PREFIX = "/v2"

DEVICE_KEYS: dict[str, Callable[[DeviceRecord], str]] = {
    "name": lambda d: d.name.casefold(),
    "status": lambda d: d.status,
    "os_name": lambda d: d.os_name.casefold(),
    "last_seen_at": lambda d: iso(d.last_seen_at) or "",
    "installed_at": lambda d: iso(d.installed_at) or "",
    "created_at": lambda d: iso(d.created_at) or "",
}
USER_KEYS: dict[str, Callable[[DeviceUser], str]] = {
    "username": lambda u: u.user.username.casefold(),
    "enrolled_at": lambda u: iso(u.observation.enrolled_at) or "",
    "last_seen_at": lambda u: iso(u.observation.last_seen_at) or "",
}


def _client(request: Request, store: InventoryStore) -> ClientData:
    client_id = request.path_params["client_id"].lower()
    require_client_access(request, client_id)
    data = store.client(client_id)
    if data is None:
        raise ApiError(404, "Client not found", {"client_id": client_id})
    return data


def _device(data: ClientData, device_id: str) -> DeviceRecord:
    record = data.devices.get(device_id.lower())
    if record is None:
        raise ApiError(404, "Device not found", {"device_id": device_id})
    return record


def routes(store: InventoryStore) -> list[Route]:
    """The API's routes over `store`."""

    async def list_devices(request: Request) -> Response:
        data = _client(request, store)
        params = list_params(request.query_params, DEVICE_SORTS)
        filters = device_filters(request.query_params)
        devices: list[DeviceRecord] = list(data.devices.values())
        if filters.user_id is not None:
            ids = data.devices_by_user.get(filters.user_id, set())
            devices = [d for d in devices if d.id in ids]
        if filters.status is not None:
            devices = [d for d in devices if d.status == filters.status]
        if filters.os_name is not None:
            os_name = filters.os_name.casefold()
            devices = [d for d in devices if d.os_name.casefold() == os_name]
        if params.q is not None:
            needle = params.q.casefold()
            devices = [d for d in devices if needle in d.name.casefold()]
        sort_key = DEVICE_KEYS[params.sort_by]
        try:
            page, next_cursor = paginate(
                devices,
                lambda d: (sort_key(d), d.id),
                resource="devices",
                sort_by=params.sort_by,
                sort_order=params.sort_order,
                page_size=params.page_size,
                cursor=params.cursor,
            )
        except InvalidCursor as error:
            raise invalid_cursor(params.cursor or "", str(error)) from None
        return JsonResponse(
            {
                "data": [d.to_json() for d in page],
                "total_count": len(devices),
                "next_cursor": next_cursor,
            }
        )

    async def get_device(request: Request) -> Response:
        data = _client(request, store)
        return JsonResponse(_device(data, request.path_params["device_id"]).to_json())

    async def list_device_users(request: Request) -> Response:
        data = _client(request, store)
        device = _device(data, request.path_params["device_id"])
        params = list_params(request.query_params, USER_SORTS)
        users = data.device_users(device.id)
        if params.q is not None:
            needle = params.q.casefold()
            users = [
                u
                for u in users
                if needle in u.user.username.casefold() or needle in u.user.user_key.casefold()
            ]
        sort_key = USER_KEYS[params.sort_by]
        try:
            page, next_cursor = paginate(
                users,
                lambda u: (sort_key(u), u.user.id),
                resource=f"users:{device.id}",
                sort_by=params.sort_by,
                sort_order=params.sort_order,
                page_size=params.page_size,
                cursor=params.cursor,
            )
        except InvalidCursor as error:
            raise invalid_cursor(params.cursor or "", str(error)) from None
        return JsonResponse(
            {
                "data": [u.to_json() for u in page],
                "total_count": len(users),
                "next_cursor": next_cursor,
            }
        )

    clients = f"{API_PREFIX}/clients/{{client_id}}"
    return [
        Route(f"{clients}/devices", list_devices, methods=["GET"]),
        Route(f"{clients}/devices/{{device_id}}", get_device, methods=["GET"]),
        Route(f"{clients}/devices/{{device_id}}/users", list_device_users, methods=["GET"]),
    ]
