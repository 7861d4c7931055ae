"""Filter and ordering inputs of the lists, and their translation into resolver criteria."""

from datetime import datetime
from typing import TypeVar

import strawberry

from resolvers.devices import DeviceCriteria, device_ordering
from resolvers.orders import OrderCriteria, order_ordering
from resolvers.paging import Ordering
from resolvers.users import UserCriteria, user_ordering
from schema.enums import (
    DeviceClientStatus,
    DeviceOrderField,
    MdmStatus,
    OrderClientStatus,
    OrderDirection,
    OrderOrderField,
    UserOrderField,
)
from schema.node import expect_global_id

T = TypeVar("T")


def _tuple(values: list[T] | None) -> tuple[T, ...] | None:
    return None if values is None else tuple(values)


@strawberry.input(description="Narrows a device list; every field given must match.")
class DeviceFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive partial match on name, serial number, "
        "assignee name or email, or team.",
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Devices assigned to this user."
    )
    client_status: list[DeviceClientStatus] | None = strawberry.field(
        default=None, description="Devices in any of these client statuses."
    )
    type: list[str] | None = strawberry.field(default=None, description="Devices of these types.")
    category: list[str] | None = strawberry.field(
        default=None, description="Devices of these categories."
    )
    mdm_status: list[MdmStatus] | None = strawberry.field(
        default=None, description="Devices whose MDM enrollment is in any of these states."
    )
    order_id: strawberry.ID | None = strawberry.field(
        default=None, description="Devices of this order."
    )

    def criteria(self) -> DeviceCriteria:
        return DeviceCriteria(
            search=self.search,
            user_ids=None
            if self.user_id is None
            else (expect_global_id(self.user_id, "User", "filter.userId"),),
            client_statuses=_tuple(self.client_status),
            types=_tuple(self.type),
            categories=_tuple(self.category),
            mdm_statuses=_tuple(self.mdm_status),
            order_ids=None
            if self.order_id is None
            else (expect_global_id(self.order_id, "Order", "filter.orderId"),),
        )


@strawberry.input(description="How to order a device list.")
class DeviceOrder:
    field: DeviceOrderField = DeviceOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC

    def ordering(self) -> Ordering:
        return device_ordering(self.field, self.direction)


@strawberry.input(description="Narrows a user list.")
class UserFilter:
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive partial match on name, email or team."
    )
    team: list[str] | None = strawberry.field(default=None, description="Users of these teams.")

    def criteria(self) -> UserCriteria:
        return UserCriteria(search=self.search, teams=_tuple(self.team))


@strawberry.input(description="How to order a user list.")
class UserOrder:
    field: UserOrderField = UserOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC

    def ordering(self) -> Ordering:
        return user_ordering(self.field, self.direction)


@strawberry.input(description="A time interval; either bound may be left open.")
class DateTimeRange:
    after: datetime | None = strawberry.field(default=None, description="Inclusive lower bound.")
    before: datetime | None = strawberry.field(default=None, description="Exclusive upper bound.")


@strawberry.input(description="Narrows an order list.")
class OrderFilter:
    search: str | None = strawberry.field(
        default=None, description="Partial match on order or contract number."
    )
    client_status: list[OrderClientStatus] | None = strawberry.field(
        default=None, description="Orders in any of these client statuses."
    )
    order_date: DateTimeRange | None = strawberry.field(
        default=None, description="Orders placed in this interval."
    )

    def criteria(self) -> OrderCriteria:
        dates = self.order_date or DateTimeRange()
        return OrderCriteria(
            search=self.search,
            client_statuses=_tuple(self.client_status),
            ordered_after=dates.after,
            ordered_before=dates.before,
        )


@strawberry.input(description="How to order an order list.")
class OrderOrder:
    field: OrderOrderField = OrderOrderField.ORDER_DATE
    direction: OrderDirection = OrderDirection.DESC

    def ordering(self) -> Ordering:
        return order_ordering(self.field, self.direction)
