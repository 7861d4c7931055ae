"""Device lists: the filters and orderings of the fleet table, as SQL over the devices table."""

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from app.enums import DeviceClientStatus, MdmStatus
from resolvers.loaders import DEVICES, MDM, USERS, Condition, exposed_enrollment
from resolvers.paging import OrderDirection, Ordering


class DeviceOrderField(StrEnum):
    NAME = "NAME"
    CLIENT_STATUS = "CLIENT_STATUS"
    CREATED_AT = "CREATED_AT"
    SERIAL_NUMBER = "SERIAL_NUMBER"


_DEVICE_SORT_COLUMNS = {
    DeviceOrderField.NAME: DEVICES.c.name,
    DeviceOrderField.CLIENT_STATUS: DEVICES.c.client_status,
    DeviceOrderField.CREATED_AT: DEVICES.c.created_at,
    DeviceOrderField.SERIAL_NUMBER: DEVICES.c.serial_number,
}


def device_ordering(field: DeviceOrderField, direction: OrderDirection) -> Ordering:
    column = _DEVICE_SORT_COLUMNS[field]
    return Ordering(field.value, column, DEVICES.c.id, direction, bool(column.nullable))


@dataclass(frozen=True, slots=True)
class DeviceCriteria:
    """What a device list is filtered by; every field narrows the list."""

    search: str | None = None
    user_ids: tuple[int, ...] | None = None
    client_statuses: tuple[DeviceClientStatus, ...] | None = None
    types: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    mdm_statuses: tuple[MdmStatus, ...] | None = None
    order_ids: tuple[int, ...] | None = None

    def conditions(self) -> tuple[Condition, ...]:
        found: list[Condition] = []
        if self.search and (term := self.search.strip()):
            assignee = sa.select(USERS.c.id).where(
                sa.or_(
                    USERS.c.name.icontains(term, autoescape=True),
                    USERS.c.email.icontains(term, autoescape=True),
                    USERS.c.team.icontains(term, autoescape=True),
                )
            )
            found.append(
                sa.or_(
                    DEVICES.c.name.icontains(term, autoescape=True),
                    DEVICES.c.serial_number.icontains(term, autoescape=True),
                    DEVICES.c.user_id.in_(assignee.scalar_subquery()),
                )
            )
        if self.user_ids is not None:
            found.append(DEVICES.c.user_id.in_(self.user_ids))
        if self.client_statuses is not None:
            found.append(DEVICES.c.client_status.in_([s.value for s in self.client_statuses]))
        if self.types is not None:
            found.append(DEVICES.c.type.in_(self.types))
        if self.categories is not None:
            found.append(DEVICES.c.category.in_(self.categories))
        if self.mdm_statuses is not None:
            # A device's enrollment is its newest exposed row; older rows are history.
            current = sa.select(sa.func.max(MDM.c.id)).where(exposed_enrollment())
            enrolled = sa.select(MDM.c.device_id).where(
                MDM.c.id.in_(current.group_by(MDM.c.device_id).scalar_subquery()),
                MDM.c.status.in_([s.value for s in self.mdm_statuses]),
            )
            found.append(DEVICES.c.id.in_(enrolled.scalar_subquery()))
        if self.order_ids is not None:
            found.append(DEVICES.c.order_id.in_(self.order_ids))
        return tuple(found)
