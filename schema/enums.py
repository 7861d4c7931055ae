"""GraphQL enums: the shared enums of `app.enums` and the orderings of `resolvers/`."""

from enum import Enum
from typing import TypeVar

import strawberry

from app import enums
from resolvers.devices import DeviceOrderField
from resolvers.observed import ObservedUserOrderField
from resolvers.orders import OrderOrderField
from resolvers.paging import OrderDirection
from resolvers.users import UserOrderField

E = TypeVar("E", bound=type[Enum])


def _expose(cls: E, description: str | None = None, *, name: str | None = None) -> E:
    return strawberry.enum(cls, name=name, description=description or cls.__doc__)


DeviceClientStatus = _expose(enums.DeviceClientStatus)
KeyboardLayout = _expose(enums.KeyboardLayout)
MdmStatus = _expose(enums.MdmStatus)
OrderClientStatus = _expose(enums.OrderClientStatus)
ParcelType = _expose(enums.ParcelType)
ParcelStatus = _expose(enums.ParcelStatus)
RegistrationState = _expose(enums.RegistrationState)
PlatformType = _expose(enums.PlatformType)
KioskState = _expose(enums.KioskState)
OwnershipType = _expose(enums.OwnershipType)
AgentStatus = _expose(enums.AgentStatus)
Role = _expose(enums.Role)

OrderDirection = _expose(OrderDirection, "Ascending (NULLs last) or descending (NULLs first).")
DeviceOrderField = _expose(DeviceOrderField, "What a device list can be ordered by.")
UserOrderField = _expose(UserOrderField, "What a user list can be ordered by.")
OrderOrderField = _expose(OrderOrderField, "What an order list can be ordered by.")

UserErrorCode = _expose(enums.UserErrorCode)
DeviceAction = _expose(enums.DeviceAction)
ActionRunStatus = _expose(enums.ActionRunStatus)
IneligibilityCode = _expose(
    enums.ActionExceptionCode,
    "Why a device is not eligible for an action: the MDM provider's action exception codes "
    "and the gateway's own checks.",
    name="IneligibilityCode",
)
ActionFailureCode = _expose(enums.ActionFailureCode)
ConfigStatus = _expose(enums.ConfigStatus)
CertificateState = _expose(enums.CertificateState)
ObservedUserOrderField = _expose(
    ObservedUserOrderField,
    "What the users observed on a device can be ordered by (as the inventory sorts).",
)
