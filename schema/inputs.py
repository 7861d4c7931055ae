"""Filter and ordering inputs of the lists, and their translation into resolver criteria."""

from datetime import datetime
from typing import TypeVar

import strawberry

from resolvers.devices import AttributeMatch, DeviceCriteria, TimeRange, device_ordering
from resolvers.observed import ObservedListing
from resolvers.orders import OrderCriteria, order_ordering
from resolvers.paging import Ordering
from resolvers.users import UserCriteria, user_ordering
from schema.enums import (
    AgentStatus,
    DeviceClientStatus,
    DeviceOrderField,
    MdmStatus,
    ObservedUserOrderField,
    OrderClientStatus,
    OrderDirection,
    OrderOrderField,
    PlatformType,
    RegistrationState,
    UserOrderField,
)
from schema.node import expect_global_id

T = TypeVar("T")


def _tuple(values: list[T] | None) -> tuple[T, ...] | None:
    return None if values is None else tuple(values)


@strawberry.input(description="A time interval; either bound may be left open.")
class DateTimeRange:
    after: datetime | None = strawberry.field(default=None, description="Inclusive lower bound.")
    before: datetime | None = strawberry.field(default=None, description="Exclusive upper bound.")

    def range(self) -> TimeRange:
        return TimeRange(self.after, self.before)


@strawberry.input(
    description="A custom attribute at the MDM provider, by name, with any of values."
)
class CustomAttributeFilter:
    key: str = strawberry.field(description="The name (case-insensitive, without `_#`).")
    values: list[str] | None = strawberry.field(
        default=None, description="Any of these values; absent: any value."
    )


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
    # The upstream summary, from the local mirror (see `Device.syncedAt`).
    os_name: list[str] | None = strawberry.field(
        default=None, description="Devices whose agent reports any of these OS names."
    )
    agent_status: list[AgentStatus] | None = strawberry.field(
        default=None, description="Devices whose agent is in any of these states."
    )
    last_seen: DateTimeRange | None = strawberry.field(
        default=None, description="Devices whose agent was last seen in this interval."
    )
    last_checkin: DateTimeRange | None = strawberry.field(
        default=None, description="Devices that last checked in with the MDM in this interval."
    )
    registration_state: list[RegistrationState] | None = strawberry.field(
        default=None, description="Devices in any of these MDM registration states."
    )
    platform_type: list[PlatformType] | None = strawberry.field(
        default=None, description="Devices of any of these MDM platforms."
    )
    compliant: bool | None = strawberry.field(
        default=None, description="Devices the MDM provider reports (non-)compliant."
    )
    custom_attribute: CustomAttributeFilter | None = strawberry.field(
        default=None, description="Devices carrying this custom attribute."
    )
    observed_user_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Devices the agent observed this user on (`userId` is the assignee).",
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
            os_names=_tuple(self.os_name),
            agent_statuses=_tuple(self.agent_status),
            last_seen=None if self.last_seen is None else self.last_seen.range(),
            last_checkin=None if self.last_checkin is None else self.last_checkin.range(),
            registration_states=_tuple(self.registration_state),
            platform_types=_tuple(self.platform_type),
            compliant=self.compliant,
            custom_attribute=None
            if self.custom_attribute is None
            else AttributeMatch(self.custom_attribute.key, _tuple(self.custom_attribute.values)),
            observed_user_ids=None
            if self.observed_user_id is None
            else (expect_global_id(self.observed_user_id, "User", "filter.observedUserId"),),
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


@strawberry.input(
    description="How to order the users observed on a device (the inventory's sorts)."
)
class ObservedUserOrder:
    field: ObservedUserOrderField = ObservedUserOrderField.LAST_SEEN_AT
    direction: OrderDirection = OrderDirection.DESC

    def listing(self, search: str | None) -> ObservedListing:
        return ObservedListing.of(search, self.field, self.direction)
