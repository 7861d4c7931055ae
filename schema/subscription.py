"""Subscriptions, over WebSocket with the graphql-transport-ws protocol."""

from collections.abc import AsyncGenerator

import strawberry

from app.broker import action_runs_topic
from app.enums import ActionRunStatus
from app.errors import PublicError
from schema.context import Info
from schema.node import expect_global_id
from schema.types.action_run import DeviceActionRun

FINAL = frozenset(
    status.value for status in ActionRunStatus if status is not ActionRunStatus.PENDING
)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each change of the viewer's tenant's action runs, or of one run (`runId`): "
        "that run is sent at once, then at each change, and the subscription completes when it "
        "reaches its final state."
    )
    async def device_action_run_updated(
        self, info: Info, run_id: strawberry.ID | None = None
    ) -> AsyncGenerator[DeviceActionRun, None]:
        context = info.context
        wanted = None if run_id is None else expect_global_id(run_id, "DeviceActionRun", "runId")
        topic = action_runs_topic(context.viewer.tenant_id)
        # Subscribe before the first read, so no change between the read and the subscription
        # is lost.
        async with context.services.broker.subscribe(topic) as queue:
            if wanted is not None:
                row = await context.loaders.action_run.load(wanted)
                if row is None:
                    raise PublicError("No such action run.", code="NOT_FOUND", argument="runId")
                yield DeviceActionRun.from_row(row)
                if row.status in FINAL:
                    return
            while True:
                message = await queue.get()
                if wanted is not None and message.get("runId") != wanted:
                    continue
                context.forget_reads()
                row = await context.loaders.action_run.load(int(message["runId"]))
                if row is None:
                    continue
                yield DeviceActionRun.from_row(row)
                if wanted is not None and row.status in FINAL:
                    return
