"""Per-request DataLoaders over the upstream adapters.

Keys carry the device's tenant (taken from a row the tenant scope let through) and the tenant's
upstream identifiers come from the scoped `clients` row, so an upstream read can only be about the
viewer's own tenant. A failure is kept per key: each field that needed it resolves to null with
its own typed error, and everything else in the response is unaffected.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from aiodataloader import DataLoader

from app.upstreams.client import Deadline
from app.upstreams.errors import UpstreamError
from app.upstreams.registry import Upstreams
from resolvers.loaders import Loaders

Record = dict[str, Any]


class MdmKey(NamedTuple):
    client_id: int
    mdm_device_id: int


class InventoryKey(NamedTuple):
    client_id: int
    inventory_device_id: str


class UpstreamLoaders:
    def __init__(
        self, upstreams: Upstreams, loaders: Loaders, deadline: Deadline, concurrency: int
    ) -> None:
        self.upstreams = upstreams
        self.loaders = loaders
        self.deadline = deadline
        self._gate = asyncio.Semaphore(concurrency)
        mdm = upstreams.mdm
        self.mdm_record: DataLoader[MdmKey, Record | None] = DataLoader(self._mdm_records)
        self.inventory_record: DataLoader[InventoryKey, Record | None] = DataLoader(
            self._inventory_records
        )
        self.configs = self._per_device(lambda key: mdm.configs(key[0], key[1], deadline))
        self.policies = self._per_device(lambda key: mdm.policies(key[0], key[1], deadline))
        self.custom_attributes = self._per_device(
            lambda key: mdm.custom_attributes(key[0], key[1], deadline)
        )
        self.certificates = self._per_device(self._certificates)
        # Get Device Details, for what the search records lack; read only when selected.
        self.mdm_detail = self._per_device(lambda key: mdm.device_details(key[0], key[1], deadline))
        self.dep_profiles: DataLoader[int, list[Record]] = DataLoader(self._dep_profiles)
        # The tenant whose partition listing produced each provider device id in this request:
        # a detail read is then keyed by the tenant the record came from, never by a guess.
        self._tenant_of: dict[int, int] = {}

    async def _tenant_field(self, client_id: int, field: str) -> Any:
        row = await self.loaders.client.load(client_id)
        return None if row is None else getattr(row, field)

    async def _mdm_records(self, keys: Sequence[MdmKey]) -> list[Record | Exception | None]:
        """A page's device records from the partition search of each tenant (cached)."""

        async def tenant(client_id: int) -> dict[int, Record] | Exception:
            partition = await self._tenant_field(client_id, "mdm_partition_id")
            if partition is None:
                return {}
            try:
                return await self.upstreams.mdm.partition_devices(
                    client_id, partition, self.deadline
                )
            except UpstreamError as error:
                return error

        by_tenant = await self._per_tenant(keys, tenant)
        found = [_pick(by_tenant[key.client_id], key.mdm_device_id) for key in keys]
        for key, record in zip(keys, found, strict=True):
            if isinstance(record, dict):
                self._tenant_of[key.mdm_device_id] = key.client_id
        return found

    def detail_key(self, provider_id: int) -> MdmKey | None:
        """The key of a device whose record this request read (None: it read no such record)."""
        client_id = self._tenant_of.get(provider_id)
        return None if client_id is None else MdmKey(client_id, provider_id)

    async def _dep_profiles(self, client_ids: Sequence[int]) -> list[list[Record] | Exception]:
        """Each tenant's DEP profiles (cached per tenant by the adapter)."""

        async def tenant(client_id: int) -> list[Record] | Exception:
            partition = await self._tenant_field(client_id, "mdm_partition_id")
            if partition is None:
                return []
            try:
                return await self.upstreams.mdm.dep_profiles(client_id, partition, self.deadline)
            except UpstreamError as error:
                return error

        return list(await asyncio.gather(*map(tenant, client_ids)))

    async def _inventory_records(
        self, keys: Sequence[InventoryKey]
    ) -> list[Record | Exception | None]:
        """A page's agent records from each tenant's device list (cached)."""

        async def tenant(client_id: int) -> dict[str, Record] | Exception:
            client_uuid = await self._tenant_field(client_id, "inventory_client_id")
            if client_uuid is None:
                return {}
            try:
                return await self.upstreams.inventory.client_devices(
                    client_id, client_uuid, self.deadline
                )
            except UpstreamError as error:
                return error

        by_tenant = await self._per_tenant(keys, tenant)
        return [_pick(by_tenant[key.client_id], key.inventory_device_id) for key in keys]

    @staticmethod
    async def _per_tenant(
        keys: Sequence[MdmKey] | Sequence[InventoryKey],
        read: Callable[[int], Awaitable[dict[Any, Record] | Exception]],
    ) -> dict[int, dict[Any, Record] | Exception]:
        """Read each tenant's listing concurrently (a page may span tenants for an operator)."""
        tenants = sorted({key.client_id for key in keys})
        return dict(zip(tenants, await asyncio.gather(*map(read, tenants)), strict=True))

    async def _certificates(self, key: MdmKey) -> list[Record] | None:
        """Certificates are searched with the device's owner account, read from its record."""
        record = await self.mdm_record.load(key)
        owner = None if record is None else record.get("ownerId")
        if owner is None:
            return None
        return await self.upstreams.mdm.certificates(
            key.client_id, key.mdm_device_id, owner, self.deadline
        )

    def _per_device(self, read: Callable[[MdmKey], Awaitable[Any]]) -> "DataLoader[MdmKey, Any]":
        """A loader for a call that exists only per device: at most `concurrency` at once."""

        async def one(key: MdmKey) -> Any:
            async with self._gate:
                try:
                    return await read(key)
                except UpstreamError as error:
                    return error

        async def load(keys: Sequence[MdmKey]) -> list[Any]:
            return list(await asyncio.gather(*(one(key) for key in keys)))

        return DataLoader(load)


def _pick(found: dict[Any, Record] | Exception, key: Any) -> Record | Exception | None:
    return found if isinstance(found, Exception) else found.get(key)
