"""Return and inter-office shipments of a device."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from schema.context import Info
from schema.enums import ParcelStatus, ParcelType
from schema.node import Node
from schema.types.address import Address

if TYPE_CHECKING:
    from schema.types.device import Device


@strawberry.type(description="A shipment of a device: a return or an inter-office delivery.")
class Parcel(Node):
    loader_name: ClassVar[str] = "parcel"
    client_id: strawberry.Private[int]
    device_id: strawberry.Private[int]
    pickup_address_id: strawberry.Private[int | None]
    reception_address_id: strawberry.Private[int | None]

    type: ParcelType
    status: ParcelStatus
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    pickup_date: datetime | None
    reception_date: datetime | None
    shipping_date: datetime | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Where the carrier picks the parcel up.")
    async def pickup_address(self, info: Info) -> Address | None:
        if self.pickup_address_id is None:
            return None
        return Address.from_optional(
            await info.context.loaders.address.load(self.pickup_address_id)
        )

    @strawberry.field(description="Where the parcel is delivered.")
    async def reception_address(self, info: Info) -> Address | None:
        if self.reception_address_id is None:
            return None
        row = await info.context.loaders.address.load(self.reception_address_id)
        return Address.from_optional(row)

    @strawberry.field(description="The device shipped.")
    async def device(
        self, info: Info
    ) -> Annotated["Device", strawberry.lazy("schema.types.device")] | None:
        from schema.types.device import Device

        return Device.from_optional(await info.context.loaders.device.load(self.device_id))
