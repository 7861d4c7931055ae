"""Device action runs: what was asked, by whom, and where each device stands."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from strawberry.scalars import JSON

from app import enums
from schema.context import Info
from schema.enums import (
    ActionFailureCode,
    ActionRunStatus,
    DeviceAction,
    IneligibilityCode,
    UserErrorCode,
)
from schema.node import Node
from schema.rows import FromRow
from schema.types.user import User

if TYPE_CHECKING:
    from schema.types.device import Device

LazyDevice = Annotated["Device", strawberry.lazy("schema.types.device")]


async def _device(info: Info, device_id: int) -> "Device | None":
    from schema.types.device import Device

    return Device.from_optional(await info.context.loaders.device.load(device_id))


def _ineligibility(raw: str | None) -> enums.ActionExceptionCode:
    return enums.known(enums.ActionExceptionCode, raw)


@strawberry.type(description="Where one device of an action run stands.")
class DeviceActionTarget(FromRow):
    device_id: strawberry.Private[int]
    run_id: strawberry.Private[int]
    raw_code: strawberry.Private[str | None]

    status: ActionRunStatus
    reason: str | None = strawberry.field(description="Why it was rejected or failed, for people.")
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> "DeviceActionTarget":
        obj = super().from_row(row)
        obj.raw_code = row.code
        return obj

    @strawberry.field(description="The device.")
    async def device(self, info: Info) -> LazyDevice | None:
        return await _device(info, self.device_id)

    @strawberry.field(description="Why the device was not eligible (status REJECTED).")
    def code(self) -> IneligibilityCode | None:
        if self.status != enums.ActionRunStatus.REJECTED:
            return None
        return _ineligibility(self.raw_code)

    @strawberry.field(description="Why the action failed on the device (status FAILED).")
    def failure(self) -> ActionFailureCode | None:
        if self.status != enums.ActionRunStatus.FAILED or self.raw_code is None:
            return None
        try:
            return enums.ActionFailureCode(self.raw_code)
        except ValueError:
            return enums.ActionFailureCode.UPSTREAM_BAD_RESPONSE


@strawberry.type(description="One device action requested through the gateway, and its outcome.")
class DeviceActionRun(Node):
    loader_name: ClassVar[str] = "action_run"
    client_id: strawberry.Private[int]
    requested_by: strawberry.Private[int | None]
    input: strawberry.Private[dict[str, Any]]
    input_hash: strawberry.Private[str | None]
    idempotency_key: strawberry.Private[str | None]
    dry_run: strawberry.Private[bool]
    code: strawberry.Private[str | None]

    action: DeviceAction
    status: ActionRunStatus = strawberry.field(
        description="PENDING while any device is; then FAILED if any failed, SUCCEEDED if any "
        "succeeded, REJECTED when no device was eligible (or the viewer's role may not run it)."
    )
    reason: str | None = strawberry.field(description="Why the whole run was refused.")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @strawberry.field(description="Why the whole run was refused (FORBIDDEN), if it was.")
    def refusal(self) -> UserErrorCode | None:
        return None if self.code is None else enums.UserErrorCode(self.code)

    @strawberry.field(name="requestedBy", description="The user who asked for it.")
    async def requester(self, info: Info) -> User | None:
        if self.requested_by is None:
            return None
        return User.from_optional(await info.context.loaders.user.load(self.requested_by))

    @strawberry.field(
        name="input",
        description="What was asked: devices (database ids) and options, secrets left out.",
    )
    def recorded_input(self) -> JSON:
        return self.input

    @strawberry.field(description="Each device of the run, in the order they were asked for.")
    async def targets(self, info: Info) -> list[DeviceActionTarget]:
        rows = await info.context.loaders.targets_of_run.load(self.id)
        return [DeviceActionTarget.from_row(row) for row in rows]


@strawberry.type(description="A device the action cannot run on, and why.")
class IneligibleDevice:
    device_id: strawberry.Private[int]
    code: IneligibilityCode
    reason: str

    @strawberry.field(description="The device (null when the ID matches no device).")
    async def device(self, info: Info) -> LazyDevice | None:
        return await _device(info, self.device_id)
