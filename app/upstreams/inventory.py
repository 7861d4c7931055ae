"""The device-agent inventory (`inventory-api-*.txt`): what the gateway reads from it.

A tenant's device list is read in pages of 500 (the API's maximum) and cached per tenant, so a
page of devices costs a call or two however many devices it holds. The users observed on a device
exist only per device: one page of 500 per call, cached per tenant like the rest.
"""

from dataclasses import dataclass
from typing import Any

from app.upstreams.cache import Codec
from app.upstreams.client import Deadline, UpstreamAdapter
from app.upstreams.errors import UpstreamBadResponse

PAGE_SIZE = 500  # the API's maximum `page_size`
MAX_PAGES = 200  # a runaway cursor stops here rather than looping

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeviceUsersPage:
    """One page of `GET .../devices/{device_id}/users` as the inventory answered it."""

    users: tuple[Record, ...]  # `DeviceUserRef`s, each with a string `id`
    total_count: int  # users of the device matching the search, on every page
    next_cursor: str | None  # the inventory's cursor of the next page; None on the last


# How cached values are written as JSON (for the Redis cache) and read back.
BY_INVENTORY_ID = Codec(
    lambda devices: list(devices.values()),
    lambda records: {record["id"]: record for record in records},
)
USERS_PAGE = Codec(
    lambda page: (
        None
        if page is None
        else {"users": list(page.users), "total": page.total_count, "next": page.next_cursor}
    ),
    lambda raw: (
        None if raw is None else DeviceUsersPage(tuple(raw["users"]), raw["total"], raw["next"])
    ),
)


class InventoryAdapter(UpstreamAdapter):
    async def client_devices(
        self, tenant_id: int, client_uuid: str, deadline: Deadline
    ) -> dict[str, Record]:
        """Every device the agent reports for the tenant, by the inventory's device id."""

        async def load() -> dict[str, Record]:
            devices: dict[str, Record] = {}
            cursor: str | None = None
            for _ in range(MAX_PAGES):
                params: dict[str, Any] = {"page_size": PAGE_SIZE, "sort_by": "created_at"}
                if cursor is not None:
                    params["cursor"] = cursor
                body = await self.client.get_json(
                    f"/clients/{client_uuid}/devices", deadline, params
                )
                if body is None:
                    return devices
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, list):
                    raise UpstreamBadResponse(self.name)
                devices.update((record["id"], record) for record in data if "id" in record)
                cursor = body.get("next_cursor")
                if not cursor:
                    break
            return devices

        return await self.cache.get_or_load(
            ("inventory", tenant_id, "devices", client_uuid), load, BY_INVENTORY_ID
        )

    async def device_users(
        self,
        tenant_id: int,
        client_uuid: str,
        device_id: str,
        deadline: Deadline,
        *,
        search: str | None,
        sort_by: str,
        sort_order: str,
        cursor: str | None,
    ) -> DeviceUsersPage | None:
        """One page (of the API's maximum size) of the users observed on a device, in the
        inventory's own order, from `cursor` (the inventory's; None: the first page). Cached under
        the tenant; None when the inventory does not know the client or the device."""
        params: dict[str, Any] = {
            "page_size": PAGE_SIZE,
            "sort_by": sort_by,
            "sort_order": sort_order,
        }
        if search:
            params["q"] = search
        if cursor is not None:
            params["cursor"] = cursor
        path = f"/clients/{client_uuid}/devices/{device_id}/users"

        async def load() -> DeviceUsersPage | None:
            body = await self.client.get_json(path, deadline, params)
            return None if body is None else self._users_page(body)

        key = ("inventory", tenant_id, path, tuple(sorted(params.items())))
        return await self.cache.get_or_load(key, load, USERS_PAGE)

    async def forget(self, tenant_id: int) -> None:
        """Drop the tenant's cached reads (before a refresh of the mirror)."""
        await self.cache.forget_tenant("inventory", tenant_id)

    def _users_page(self, body: Any) -> DeviceUsersPage:
        """The page, checked: a user without an id, or paging fields of the wrong type, make the
        whole answer unreadable (an edge needs the id for its cursor and its node)."""
        if not isinstance(body, dict):
            raise UpstreamBadResponse(self.name)
        users, total = body.get("data"), body.get("total_count")
        next_cursor = body.get("next_cursor")
        if (
            not isinstance(users, list)
            or not all(isinstance(user, dict) and isinstance(user.get("id"), str) for user in users)
            or not isinstance(total, int)
            or isinstance(total, bool)
            or not (next_cursor is None or isinstance(next_cursor, str))
        ):
            raise UpstreamBadResponse(self.name)
        return DeviceUsersPage(tuple(users), max(total, len(users)), next_cursor or None)
