"""The platform's record of a device's MDM enrollment, as the rental API's `mdm` object."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from schema.context import Info
from schema.enums import MdmStatus
from schema.node import Node

if TYPE_CHECKING:
    from schema.types.device import Device


@strawberry.type(description="A device's MDM enrollment as the rental platform records it.")
class MdmEnrollment(Node):
    loader_name: ClassVar[str] = "mdm_enrollment"
    client_id: strawberry.Private[int]
    device_id: strawberry.Private[int]
    deleted_at: strawberry.Private[datetime | None]

    status: MdmStatus
    local_name: str | None
    is_locked: bool | None
    lock_date: datetime | None
    firewall_enabled: bool | None
    os_updates_enabled: bool | None
    is_encrypted: bool | None
    screenlock_enabled: bool | None
    is_compromised: bool | None
    os_updates_available: bool | None
    disk_encryption_profile_installed: bool | None
    enrollment_date: datetime | None
    unenrollment_date: datetime | None
    download_date: datetime | None
    last_seen_date: datetime | None
    last_sync_date: datetime | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The enrolled device.")
    async def device(
        self, info: Info
    ) -> Annotated["Device", strawberry.lazy("schema.types.device")] | None:
        from schema.types.device import Device

        return Device.from_optional(await info.context.loaders.device.load(self.device_id))
