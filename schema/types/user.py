"""Employees of a client organisation."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from resolvers.loaders import DEVICES_OF_USER
from resolvers.paging import PageArgs
from schema.connection import Connection, child_connection
from schema.context import Info
from schema.inputs import DeviceOrder
from schema.node import Node

if TYPE_CHECKING:
    from schema.types.device import Device

LazyDevice = Annotated["Device", strawberry.lazy("schema.types.device")]


@strawberry.type(description="An employee of a client organisation.")
class User(Node):
    loader_name: ClassVar[str] = "user"
    client_id: strawberry.Private[int]
    role: strawberry.Private[str | None]
    mdm_account_id: strawberry.Private[int | None]
    inventory_user_id: strawberry.Private[str | None]

    name: str
    email: str
    team: str | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Devices assigned to this user.")
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
            DEVICES_OF_USER,
            self.id,
            (order_by or DeviceOrder()).ordering(),
            PageArgs(first, after, last, before),
            Device.from_row,
        )
