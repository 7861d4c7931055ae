"""Device lists: the filters and orderings of the fleet table, as SQL over the devices table."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from app.db import tables
from app.db.scope import TenantScope
from app.enums import (
    AgentStatus,
    DeviceClientStatus,
    MdmStatus,
    PlatformType,
    RegistrationState,
)
from resolvers.loaders import DEVICES, MDM, OBSERVED, USERS, Condition, exposed_enrollment
from resolvers.paging import OrderDirection, Ordering

ATTRIBUTES = tables.DeviceCustomAttribute.__table__


class DeviceOrderField(StrEnum):
    NAME = "NAME"
    CLIENT_STATUS = "CLIENT_STATUS"
    CREATED_AT = "CREATED_AT"
    SERIAL_NUMBER = "SERIAL_NUMBER"
    # The upstream summary's (the local mirror, see app/mirror.py).
    LAST_SEEN_AT = "LAST_SEEN_AT"
    INSTALLED_AT = "INSTALLED_AT"
    AGENT_STATUS = "AGENT_STATUS"
    OS_NAME = "OS_NAME"
    LAST_CHECKIN_AT = "LAST_CHECKIN_AT"


_DEVICE_SORT_COLUMNS = {
    DeviceOrderField.NAME: DEVICES.c.name,
    DeviceOrderField.CLIENT_STATUS: DEVICES.c.client_status,
    DeviceOrderField.CREATED_AT: DEVICES.c.created_at,
    DeviceOrderField.SERIAL_NUMBER: DEVICES.c.serial_number,
    DeviceOrderField.LAST_SEEN_AT: DEVICES.c.last_seen_at,
    DeviceOrderField.INSTALLED_AT: DEVICES.c.installed_at,
    DeviceOrderField.AGENT_STATUS: DEVICES.c.agent_status,
    DeviceOrderField.OS_NAME: DEVICES.c.os_name,
    DeviceOrderField.LAST_CHECKIN_AT: DEVICES.c.last_checkin_at,
}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """`{ after, before }`: `after` inclusive, `before` exclusive (as the order list's dates);
    either may be open. A device with no value never matches."""

    after: datetime | None = None
    before: datetime | None = None

    def condition(self, column: sa.ColumnElement[Any]) -> Condition:
        found: list[Condition] = [column.is_not(None)]
        if self.after is not None:
            found.append(column >= self.after)
        if self.before is not None:
            found.append(column < self.before)
        return sa.and_(*found)


@dataclass(frozen=True, slots=True)
class AttributeMatch:
    """A custom attribute by name (case-insensitive, as the provider compares), with any of
    the values when given."""

    key: str
    values: tuple[str, ...] | None = None


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
    os_names: tuple[str, ...] | None = None
    agent_statuses: tuple[AgentStatus, ...] | None = None
    last_seen: TimeRange | None = None
    last_checkin: TimeRange | None = None
    registration_states: tuple[RegistrationState, ...] | None = None
    platform_types: tuple[PlatformType, ...] | None = None
    compliant: bool | None = None
    custom_attribute: AttributeMatch | None = None
    observed_user_ids: tuple[int, ...] | None = None

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
        found += self._upstream_conditions()
        return tuple(found)

    def _upstream_conditions(self) -> list[Condition]:
        """Conditions on the mirror of the upstream summary."""
        found: list[Condition] = []
        for column, values in (
            (DEVICES.c.os_name, self.os_names),
            (DEVICES.c.agent_status, self.agent_statuses),
            (DEVICES.c.registration_state, self.registration_states),
            (DEVICES.c.platform_type, self.platform_types),
        ):
            if values is not None:
                found.append(column.in_([str(value) for value in values]))
        if self.last_seen is not None:
            found.append(self.last_seen.condition(DEVICES.c.last_seen_at))
        if self.last_checkin is not None:
            found.append(self.last_checkin.condition(DEVICES.c.last_checkin_at))
        if self.compliant is not None:
            found.append(DEVICES.c.compliant.is_(self.compliant))
        if self.custom_attribute is not None:
            match = self.custom_attribute
            having = [ATTRIBUTES.c.key == match.key.strip().casefold()]
            if match.values is not None:
                having.append(ATTRIBUTES.c.value.in_(match.values))
            holders = sa.select(ATTRIBUTES.c.device_id).where(*having)
            found.append(DEVICES.c.id.in_(holders.scalar_subquery()))
        if self.observed_user_ids is not None:
            seen_on = sa.select(OBSERVED.c.device_id).where(
                OBSERVED.c.user_id.in_(self.observed_user_ids)
            )
            found.append(DEVICES.c.id.in_(seen_on.scalar_subquery()))
        return found


class DeviceFacet(StrEnum):
    """What the fleet can be counted by (the provider's `facetedResults`)."""

    REGISTRATION_STATE = "REGISTRATION_STATE"
    PLATFORM_TYPE = "PLATFORM_TYPE"
    CLIENT_STATUS = "CLIENT_STATUS"
    AGENT_STATUS = "AGENT_STATUS"
    OS_NAME = "OS_NAME"


FACET_COLUMNS = {
    DeviceFacet.REGISTRATION_STATE: DEVICES.c.registration_state,
    DeviceFacet.PLATFORM_TYPE: DEVICES.c.platform_type,
    DeviceFacet.CLIENT_STATUS: DEVICES.c.client_status,
    DeviceFacet.AGENT_STATUS: DEVICES.c.agent_status,
    DeviceFacet.OS_NAME: DEVICES.c.os_name,
}


async def facet_counts(
    scope: TenantScope, facet: DeviceFacet, conditions: tuple[Condition, ...]
) -> list[tuple[str | None, int]]:
    """(value, devices) for each value of the facet in the filtered fleet, most devices first:
    one GROUP BY statement."""
    column = FACET_COLUMNS[facet]
    count = sa.func.count().label("devices")
    stmt = (
        scope.select(DEVICES, column, count)
        .where(*conditions)
        .group_by(column)
        .order_by(count.desc(), column)
    )
    return [(row[0], int(row[1])) for row in await scope.all(stmt)]
