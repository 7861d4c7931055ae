"""Rental orders."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from resolvers.loaders import DEVICES_OF_ORDER
from resolvers.paging import PageArgs
from schema.connection import Connection, child_connection
from schema.context import Info
from schema.enums import OrderClientStatus
from schema.inputs import DeviceOrder
from schema.node import Node
from schema.types.money import Money

if TYPE_CHECKING:
    from schema.types.device import Device

LazyDevice = Annotated["Device", strawberry.lazy("schema.types.device")]


@strawberry.type(description="A rental order, holding one or more devices.")
class Order(Node):
    loader_name: ClassVar[str] = "order"
    client_id: strawberry.Private[int]
    rent_minor: strawberry.Private[int | None]

    client_status: OrderClientStatus
    order_number: str | None
    contract_number: str | None
    order_date: datetime | None
    currency: str | None = strawberry.field(description="ISO 4217 currency of the order.")
    num_devices: int | None
    device_names: list[str] = strawberry.field(description="Display names of the ordered devices.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Monthly rent of the whole order.")
    def rent(self) -> Money | None:
        return Money.of(self.rent_minor, self.currency)

    @strawberry.field(description="Devices of this order.")
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: DeviceOrder | None = None,
    ) -> Connection[LazyDevice]:
        from schema.types.device import Device

        return await child_connection(
            info.context,
            DEVICES_OF_ORDER,
            self.id,
            (order_by or DeviceOrder()).ordering(),
            PageArgs(first, after, last, before),
            Device.from_row,
        )
