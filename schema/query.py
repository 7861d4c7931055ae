"""The root `Query`: node lookup and the device, user and order lists."""

import asyncio
from typing import Annotated

import strawberry

from app.auth import ROLE_ORDER
from app.errors import InvalidIdError
from resolvers.loaders import DEVICES, ORDERS, USERS
from resolvers.paging import MAX_OFFSET, PageArgs
from schema.connection import Connection, root_connection
from schema.context import Info
from schema.inputs import DeviceFilter, DeviceOrder, OrderFilter, OrderOrder, UserFilter, UserOrder
from schema.node import Node, from_global_id
from schema.types.action_run import DeviceActionRun
from schema.types.address import Address
from schema.types.device import Device
from schema.types.facets import DeviceFacets
from schema.types.mdm import MdmEnrollment
from schema.types.order import Order
from schema.types.parcel import Parcel
from schema.types.tenant import Tenant, ViewerInfo
from schema.types.user import User

NODE_TYPES: dict[str, type[Node]] = {
    cls.__name__: cls
    for cls in (Device, User, Order, Parcel, Address, MdmEnrollment, Tenant, DeviceActionRun)
}
MAX_NODES = 100


async def _node(info: Info, raw: str, argument: str) -> Node | None:
    type_name, database_id = from_global_id(raw, argument)
    cls = NODE_TYPES.get(type_name)
    if cls is None:
        return None
    loader = getattr(info.context.loaders, cls.loader_name)
    return cls.from_optional(await loader.load(database_id))


@strawberry.type
class Query:
    @strawberry.field(description="Who is asking: the token's user, tenant and roles.")
    def viewer(self, info: Info) -> ViewerInfo:
        viewer = info.context.viewer
        return ViewerInfo(
            roles=sorted(viewer.roles, key=ROLE_ORDER.index),
            user_id=viewer.user_id,
            tenant_id=viewer.tenant_id,
        )

    @strawberry.field(description="The object with this global ID, or null if there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _node(info, id, "id")

    @strawberry.field(
        description=f"The objects with these global IDs, in order (at most {MAX_NODES}); "
        "null for each ID that matches nothing."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidIdError(
                f"`ids` holds {len(ids)} IDs; at most {MAX_NODES} are allowed.",
                argument="ids",
                maximum=MAX_NODES,
            )
        return await asyncio.gather(*(_node(info, raw, f"ids[{i}]") for i, raw in enumerate(ids)))

    @strawberry.field(description="The fleet's devices.")
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DeviceFilter | None = None,
        order_by: DeviceOrder | None = None,
        offset: Annotated[
            int | None,
            strawberry.argument(
                description=f"Skip this many devices first (at most {MAX_OFFSET}), to jump to a "
                "page as the rental API does; cursors (`after`) are the fast way to page."
            ),
        ] = None,
    ) -> Connection[Device]:
        return await root_connection(
            info.context,
            DEVICES,
            (filter or DeviceFilter()).criteria().conditions(),
            (order_by or DeviceOrder()).ordering(),
            PageArgs(first, after, last, before, offset),
            Device.from_row,
        )

    @strawberry.field(
        description="Counts of the (filtered) fleet per value of registration state, platform, "
        "client status, agent status and OS name, as the MDM provider's `facetedResults`."
    )
    def device_facets(self, filter: DeviceFilter | None = None) -> DeviceFacets:
        return DeviceFacets(conditions=(filter or DeviceFilter()).criteria().conditions())

    @strawberry.field(description="Employees of the client organisation.")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: UserFilter | None = None,
        order_by: UserOrder | None = None,
    ) -> Connection[User]:
        return await root_connection(
            info.context,
            USERS,
            (filter or UserFilter()).criteria().conditions(),
            (order_by or UserOrder()).ordering(),
            PageArgs(first, after, last, before),
            User.from_row,
        )

    @strawberry.field(description="Rental orders.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: OrderFilter | None = None,
        order_by: OrderOrder | None = None,
    ) -> Connection[Order]:
        return await root_connection(
            info.context,
            ORDERS,
            (filter or OrderFilter()).criteria().conditions(),
            (order_by or OrderOrder()).ordering(),
            PageArgs(first, after, last, before),
            Order.from_row,
        )
