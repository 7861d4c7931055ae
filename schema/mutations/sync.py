"""Refreshing the mirror of the upstreams' device summaries on demand."""

from datetime import datetime

import strawberry

from app.enums import UserErrorCode
from app.errors import Problems
from app.permissions import role_for
from schema.context import Info
from schema.mutations.common import UserError, user_errors


@strawberry.input(description="Re-read the tenant's devices from the upstreams now.")
class SyncDeviceSummariesInput:
    client_mutation_id: str | None = None


@strawberry.type(description="What the refresh read.")
class SyncDeviceSummariesPayload:
    devices: int = strawberry.field(description="Devices whose summary was written.")
    synced_at: datetime | None = strawberry.field(
        description="The new `Device.syncedAt`; null when an upstream failed (what it could "
        "read was kept, the rest keeps its previous values)."
    )
    user_errors: list[UserError]
    client_mutation_id: str | None


@strawberry.type
class SyncMutations:
    @strawberry.mutation(
        description="Re-read the fleet's agent and MDM summaries now (what the `devices` filters "
        "on agent and MDM facts see), rather than at the next background refresh. Needs "
        f"{role_for('syncDeviceSummaries').value} (or a stronger role)."
    )
    async def sync_device_summaries(
        self, info: Info, input: SyncDeviceSummariesInput
    ) -> SyncDeviceSummariesPayload:
        context = info.context
        role = role_for("syncDeviceSummaries")
        if not context.viewer.has(role):
            problems = Problems()
            problems.add((), UserErrorCode.FORBIDDEN, f"This needs the {role.value} role.")
            return SyncDeviceSummariesPayload(
                devices=0,
                synced_at=None,
                user_errors=user_errors(problems),
                client_mutation_id=input.client_mutation_id,
            )
        written, synced_at = await context.services.mirror.refresh_tenant(context.viewer.tenant_id)
        return SyncDeviceSummariesPayload(
            devices=written,
            synced_at=synced_at,
            user_errors=[],
            client_mutation_id=input.client_mutation_id,
        )
