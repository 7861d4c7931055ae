"""The device-agent inventory (`inventory-api-*.txt`): what the gateway reads from it.

A tenant's device list is read in pages of 500 (the API's maximum) and cached per tenant, so a
page of devices costs a call or two however many devices it holds.
"""

from typing import Any

from app.upstreams.client import Deadline, UpstreamAdapter
from app.upstreams.errors import UpstreamBadResponse

PAGE_SIZE = 500  # the API's maximum `page_size`
MAX_PAGES = 200  # a runaway cursor stops here rather than looping

Record = dict[str, Any]


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

        return await self.cache.get_or_load(("inventory", tenant_id, "devices", client_uuid), load)
