"""Devices: the heart of the graph, with everything the fleet table shows around them."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import strawberry
from aiodataloader import DataLoader

from resolvers.loaders import PARCELS_OF_DEVICE, TARGETS_OF_DEVICE
from resolvers.observed import observed_page
from resolvers.paging import PageArgs, Positions, list_page
from resolvers.relations import (
    ACTION_RUN_ORDERING,
    PARCEL_ORDERING,
    child_page,
)
from resolvers.upstream import InventoryKey, MdmKey
from schema.connection import Connection, child_connection
from schema.context import Info
from schema.enums import DeviceClientStatus
from schema.inputs import ObservedUserOrder
from schema.node import Node
from schema.types.action_run import DeviceActionRun
from schema.types.characteristics import DeviceCharacteristics
from schema.types.mdm import MdmEnrollment
from schema.types.money import Money
from schema.types.observed import ObservedUserConnection
from schema.types.order import Order
from schema.types.parcel import Parcel
from schema.types.upstream import (
    Certificate,
    CompliancePolicy,
    Config,
    CustomAttribute,
    InventoryDevice,
    MdmDeviceDetails,
)
from schema.types.user import User

CONFIG_POSITIONS = Positions("configs")
T = TypeVar("T")


@strawberry.type(description="A device rented or owned by a client organisation.")
class Device(Node):
    loader_name: ClassVar[str] = "device"
    client_id: strawberry.Private[int]
    user_id: strawberry.Private[int | None]
    order_id: strawberry.Private[int | None]
    rent_minor: strawberry.Private[int | None]
    rent_currency: strawberry.Private[str | None]
    client_purchase_price_minor: strawberry.Private[int | None]
    client_rental_price_minor: strawberry.Private[int | None]
    mdm_device_id: strawberry.Private[int | None]
    mdm_guid: strawberry.Private[str | None]
    inventory_device_id: strawberry.Private[str | None]

    name: str | None
    serial_number: str | None
    tracking_number: str | None = strawberry.field(description="Initial delivery tracking number.")
    tracking_url: str | None = strawberry.field(description="Initial delivery tracking page.")
    client_status: DeviceClientStatus
    type: str | None
    category: str | None
    source: str | None
    comment: str | None = strawberry.field(description="Free-form comment.")
    brand: str | None
    added_via: str | None = strawberry.field(description="How the device was added to the fleet.")
    is_rented: bool | None
    client_purchase_date: date | None
    client_warranty_end_date: date | None
    client_rental_start_date: date | None
    client_rental_end_date: date | None
    client_contract_number: str | None
    client_invoice_number: str | None
    created_at: datetime
    updated_at: datetime
    synced_at: datetime | None = strawberry.field(
        description="When the gateway last read this device's summary from the upstreams (what "
        "the agent and MDM filters and orderings of `devices` see); null: never."
    )

    @strawberry.field(description="Monthly rent of this device.")
    def rent(self) -> Money | None:
        return Money.of(self.rent_minor, self.rent_currency)

    @strawberry.field(description="Purchase price, for a device the client owns.")
    def client_purchase_price(self) -> Money | None:
        return Money.of(self.client_purchase_price_minor, self.rent_currency)

    @strawberry.field(description="Rental price the client pays for a device it rents elsewhere.")
    def client_rental_price(self) -> Money | None:
        return Money.of(self.client_rental_price_minor, self.rent_currency)

    @strawberry.field(description="Screen, processor, memory, keyboard and the rest.")
    async def characteristics(self, info: Info) -> DeviceCharacteristics | None:
        row = await info.context.loaders.characteristics.load(self.id)
        return DeviceCharacteristics.from_optional(row)

    @strawberry.field(description="The employee the device is assigned to.")
    async def assignee(self, info: Info) -> User | None:
        if self.user_id is None:
            return None
        return User.from_optional(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="The order the device came with.")
    async def order(self, info: Info) -> Order | None:
        if self.order_id is None:
            return None
        return Order.from_optional(await info.context.loaders.order.load(self.order_id))

    @strawberry.field(description="The device's MDM enrollment; null when it is not enrolled.")
    async def mdm(self, info: Info) -> MdmEnrollment | None:
        return MdmEnrollment.from_optional(await info.context.loaders.mdm_of_device.load(self.id))

    @strawberry.field(description="Return and inter-office shipments, newest first.")
    async def parcels(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Parcel]:
        return await child_connection(
            info.context,
            PARCELS_OF_DEVICE,
            self.id,
            PARCEL_ORDERING,
            PageArgs(first, after, last, before),
            Parcel.from_row,
        )

    @strawberry.field(
        description="Users the device agent observed on this device, from the inventory (most "
        "recently seen first unless `orderBy` says otherwise); null when the inventory does not "
        "know the device, and null with an UPSTREAM_* error when it cannot answer."
    )
    async def observed_users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Case-insensitive partial match on username or user key (the "
                "inventory's search)."
            ),
        ] = None,
        order_by: ObservedUserOrder | None = None,
    ) -> ObservedUserConnection | None:
        if self.inventory_device_id is None:
            return None
        listing = (order_by or ObservedUserOrder()).listing(search)
        args = PageArgs(first, after, last, before)
        found = await observed_page(
            info.context, self.client_id, self.inventory_device_id, listing, args
        )
        return None if found is None else ObservedUserConnection.build(found, self.client_id)

    @strawberry.field(
        description="Actions requested on this device through the gateway, newest first."
    )
    async def action_runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[DeviceActionRun]:
        found = await child_page(
            info.context,
            TARGETS_OF_DEVICE,
            self.id,
            ACTION_RUN_ORDERING,
            PageArgs(first, after, last, before),
        )
        runs = await info.context.loaders.action_run.load_many([r.run_id for r in found.page.rows])
        by_id = {run.id: run for run in runs if run is not None}
        return Connection.build(
            found.page, found.count, lambda row: DeviceActionRun.from_row(by_id[row.run_id])
        )

    # What the upstreams know. Each field is null when the upstream does not know the device, and
    # null with a typed error (UPSTREAM_*) when the upstream fails; the rest of the response stands.

    def _mdm_key(self) -> MdmKey | None:
        return None if self.mdm_device_id is None else MdmKey(self.client_id, self.mdm_device_id)

    async def _from_mdm(
        self, loader: "DataLoader[MdmKey, Any]", convert: Callable[[Any], T]
    ) -> T | None:
        """Read one of the provider's per-device answers; null when it does not know the device."""
        key = self._mdm_key()
        if key is None:
            return None
        found = await loader.load(key)
        return None if found is None else convert(found)

    @strawberry.field(description="The MDM provider's live view of the device.")
    async def mdm_details(self, info: Info) -> MdmDeviceDetails | None:
        return await self._from_mdm(info.context.upstream.mdm_record, MdmDeviceDetails.from_record)

    @strawberry.field(description="MDM configurations on the device, with their status there.")
    async def configs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Config] | None:
        key = self._mdm_key()
        if key is None:
            return None
        records = await info.context.upstream.configs.load(key)
        if records is None:
            return None
        settings = info.context.settings
        page = list_page(
            records,
            CONFIG_POSITIONS,
            PageArgs(first, after, last, before),
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )

        async def count() -> int:
            return len(records)

        return Connection.build(page, count, lambda row: Config.from_record(row[1]))

    @strawberry.field(description="Compliance policies applied to the device.")
    async def compliance(self, info: Info) -> list[CompliancePolicy] | None:
        return await self._from_mdm(
            info.context.upstream.policies,
            lambda records: [CompliancePolicy.from_record(r) for r in records],
        )

    @strawberry.field(description="The device's custom attributes at the MDM provider.")
    async def custom_attributes(self, info: Info) -> list[CustomAttribute] | None:
        return await self._from_mdm(
            info.context.upstream.custom_attributes, CustomAttribute.from_attrs
        )

    @strawberry.field(description="Certificates installed on the device.")
    async def certificates(self, info: Info) -> list[Certificate] | None:
        return await self._from_mdm(
            info.context.upstream.certificates,
            lambda records: [Certificate.from_record(r) for r in records],
        )

    @strawberry.field(description="What the device agent reports: OS, hardware, extensions.")
    async def inventory(self, info: Info) -> InventoryDevice | None:
        if self.inventory_device_id is None:
            return None
        key = InventoryKey(self.client_id, self.inventory_device_id)
        record = await info.context.upstream.inventory_record.load(key)
        return None if record is None else InventoryDevice.from_record(record)
