"""The MDM provider's device API (`mdm-provider-device-api.txt`): what the gateway reads from it.

Device records come from the partition search (500 rows a call, the provider's maximum; past its
10,000-result window with `searchAfterValues`), cached per tenant, so a page of devices costs a
call or two however many devices it holds. The device details (groups, privacy policy, terms,
security posture), configurations, compliance policies, custom attributes and certificates exist
only per device: those are read one device at a time, with bounded concurrency, by the
DataLoaders that call this adapter. DEP profiles are read per tenant.
"""

from typing import Any

from app.upstreams.cache import Codec
from app.upstreams.client import Deadline, UpstreamAdapter
from app.upstreams.errors import UpstreamBadResponse

SEARCH_ROWS = 500  # the provider's maximum `rows`
SEARCH_START_LIMIT = 10_000  # past this the provider wants `searchAfterValues`

Record = dict[str, Any]
# A listing keyed by the provider's device id, cached as its list of records.
BY_PROVIDER_ID = Codec(
    lambda devices: list(devices.values()),
    lambda records: {record["id"]: record for record in records},
)


class MdmAdapter(UpstreamAdapter):
    # The search's page size and the offset window before `searchAfterValues` takes over: the
    # provider's figures, instance attributes so a test can page a small fleet the same way.
    search_rows: int = SEARCH_ROWS
    search_window: int = SEARCH_START_LIMIT

    def _result(self, body: Any) -> Any:
        if not isinstance(body, dict) or body.get("errors"):
            raise UpstreamBadResponse(self.name)
        return body.get("result")

    def _search_results(self, body: Any) -> list[Record]:
        result = self._result(body)
        found = result.get("searchResults") if isinstance(result, dict) else None
        if not isinstance(found, list):
            raise UpstreamBadResponse(self.name)
        return found

    async def device(self, device_id: int, deadline: Deadline) -> Record | None:
        """The device's live details, never from the cache: actions decide on them."""
        body = await self.client.get_json(f"/api/v1/device/{device_id}", deadline)
        if body is None:
            return None
        record = self._result(body)
        if not isinstance(record, dict):
            raise UpstreamBadResponse(self.name)
        return record

    async def device_configs(self, device_id: int, deadline: Deadline) -> list[Record] | None:
        """The device's configurations and their status, never from the cache."""
        body = await self.client.get_json(f"/api/v1/device/{device_id}/configs", deadline)
        return None if body is None else self._search_results(body)

    async def ineligible(
        self, path: str, ids: list[int], deadline: Deadline, options: dict[str, Any] | None = None
    ) -> dict[int, list[str]]:
        """A viability check (`GET path?checkViability=true&ids=...`): the action exception codes
        of each device it may not run on. Devices absent from the answer are eligible."""
        params: dict[str, Any] = {**(options or {}), "checkViability": "true", "ids": ids}
        body = await self.client.get_json(path, deadline, params)
        if body is None:
            raise UpstreamBadResponse(self.name, status=404)
        found: dict[int, list[str]] = {}
        for record in self._search_results(body):
            codes = record.get("actionExceptionCodes") or []
            found[int(record["id"])] = [str(code) for code in codes if code] or ["UNKNOWN"]
        return found

    async def act(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """An action call; its `result` (a count, `true`, or the rejected devices). None: the
        provider does not know the device (404)."""
        body = await self.client.send(method, path, deadline, params=params, data=data, json=json)
        return None if body is None else self._result(body)

    async def forget(self, tenant_id: int) -> None:
        """Drop the tenant's cached reads: an action changed what they said."""
        await self.cache.forget_tenant("mdm", tenant_id)

    async def partition_devices(
        self, tenant_id: int, partition_id: int, deadline: Deadline
    ) -> dict[int, Record]:
        """Every device record of the tenant's partition, by the provider's device id.

        Pages of `search_rows` by offset while `start + rows` fits in the provider's window, then
        by `searchAfterValues` (the last device of the previous page), so a fleet of any size is
        read in ceil(devices / 500) calls."""

        async def load() -> dict[int, Record]:
            devices: dict[int, Record] = {}
            rows, start = self.search_rows, 0
            after: str | None = None
            while True:
                params: dict[str, Any] = {"dmPartitionId": partition_id, "rows": rows}
                if after is None:
                    params["start"] = start
                else:
                    params["searchAfterValues"] = after
                body = await self.client.get_json("/api/v1/device", deadline, params)
                if body is None:
                    return devices
                page = self._search_results(body)
                before = len(devices)
                devices.update((record["id"], record) for record in page if "id" in record)
                total = self._result(body).get("totalCount")
                everything = isinstance(total, int) and len(devices) >= total
                if len(page) < rows or everything or len(devices) == before:
                    # The last page, everything, or a provider that ignored the paging.
                    return devices
                start += rows
                if after is not None or start + rows > self.search_window:
                    after = self._search_after(body, page)
                    if after is None:
                        return devices

        return await self.cache.get_or_load(
            ("mdm", tenant_id, "partition", partition_id), load, BY_PROVIDER_ID
        )

    @staticmethod
    def _search_after(body: Any, page: list[Record]) -> str | None:
        """Where the next page starts: the provider's own `searchAfterValues` when it sends
        them, else the id of the page's last device (its results are sorted by id)."""
        given = body["result"].get("searchAfterValues")
        if isinstance(given, list) and given:
            return ",".join(str(value) for value in given)
        last = page[-1].get("id")
        return None if last is None else str(last)

    async def _per_device(
        self, tenant_id: int, path: str, deadline: Deadline, params: dict[str, Any] | None = None
    ) -> Any | None:
        """A per-device read, cached under the tenant; None when the provider does not know it."""
        key = ("mdm", tenant_id, path, tuple(sorted((params or {}).items())))
        return await self.cache.get_or_load(
            key, lambda: self.client.get_json(path, deadline, params)
        )

    async def configs(
        self, tenant_id: int, device_id: int, deadline: Deadline
    ) -> list[Record] | None:
        body = await self._per_device(tenant_id, f"/api/v1/device/{device_id}/configs", deadline)
        return None if body is None else self._search_results(body)

    async def policies(
        self, tenant_id: int, device_id: int, deadline: Deadline
    ) -> list[Record] | None:
        body = await self._per_device(tenant_id, f"/api/v1/device/{device_id}/policies", deadline)
        return None if body is None else self._search_results(body)

    async def custom_attributes(
        self, tenant_id: int, device_id: int, deadline: Deadline
    ) -> dict[str, Any] | None:
        body = await self._per_device(
            tenant_id, f"/api/v1/device/{device_id}/customattributes", deadline
        )
        if body is None:
            return None
        attrs = body.get("attrs") if isinstance(body, dict) else None
        if attrs is None and isinstance(body, dict) and isinstance(body.get("result"), dict):
            attrs = body["result"].get("attrs")
        if not isinstance(attrs, dict):
            raise UpstreamBadResponse(self.name)
        return attrs

    async def certificates(
        self, tenant_id: int, device_id: int, owner_id: int, deadline: Deadline
    ) -> list[Record] | None:
        body = await self._per_device(
            tenant_id,
            f"/api/v1/device/{device_id}/certs/search",
            deadline,
            {"accountId": owner_id},
        )
        return None if body is None else self._search_results(body)

    async def device_details(
        self, tenant_id: int, device_id: int, deadline: Deadline
    ) -> Record | None:
        """Get Device Details (`GET /api/v1/device/{id}`), cached: what the search records lack
        (groups, privacy policy, terms of service, most of the security posture)."""
        body = await self._per_device(tenant_id, f"/api/v1/device/{device_id}", deadline)
        if body is None:
            return None
        record = self._result(body)
        if not isinstance(record, dict):
            raise UpstreamBadResponse(self.name)
        return record

    async def dep_profiles(
        self, tenant_id: int, partition_id: int, deadline: Deadline
    ) -> list[Record]:
        """The DEP profiles of the partition's DEP servers (`GET /api/v1/depServer`, then
        `GET /api/v1/depServer/{id}/profiles` for each), cached per tenant. A server that does
        not name the partition is skipped: the gateway's credential may see other tenants'."""

        async def load() -> list[Record]:
            body = await self.client.get_json("/api/v1/depServer", deadline)
            if body is None:
                return []
            profiles: list[Record] = []
            for server in self._search_results(body):
                if server.get("dmPartitionId") != partition_id or "id" not in server:
                    continue
                found = await self.client.get_json(
                    f"/api/v1/depServer/{server['id']}/profiles", deadline
                )
                result = None if found is None else self._result(found)
                if isinstance(result, list):
                    profiles.extend(entry for entry in result if isinstance(entry, dict))
                elif found is not None:
                    raise UpstreamBadResponse(self.name)
            return profiles

        return await self.cache.get_or_load(("mdm", tenant_id, "dep", partition_id), load)
