"""Following asynchronous provider work to its end.

Reassignment (INITIATED, then SUCCESS or FAILED), wipes and retirements finish at the provider
after the request that started them. The follower looks at every target still PENDING every
`ACTION_POLL_SECONDS`, re-reads its device at the provider, and settles it when the provider says
it is done; a target still PENDING after `ACTION_TIMEOUT_SECONDS` fails with TIMED_OUT, so no run
stays PENDING forever (not even one whose request died between recording it and calling the
provider). Its state is the database's: a restarted process carries on where the last one
stopped, and target updates are conditional on PENDING, so two followers cannot both settle one.
"""

import asyncio
import logging
from collections import defaultdict
from contextlib import suppress
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions.catalog import SPECS, ActionSpec
from app.actions.runs import DEVICES, RUNS, TARGETS, RunLog, TargetOutcome, mirror, now
from app.broker import Broker
from app.db.scope import TenantScope
from app.enums import ActionFailureCode, ActionRunStatus, DeviceAction
from app.mirror import UpstreamMirror
from app.settings import Settings
from app.upstreams.client import Deadline
from app.upstreams.errors import UpstreamError
from app.upstreams.registry import Upstreams

logger = logging.getLogger("gateway.actions")
PENDING = ActionRunStatus.PENDING.value


class ActionFollower:
    def __init__(
        self,
        settings: Settings,
        reader: AsyncEngine,
        writer: AsyncEngine,
        upstreams: Upstreams,
        broker: Broker,
        mirror: UpstreamMirror,
    ) -> None:
        self.settings = settings
        self.mirror = mirror
        self.reader, self.writer = reader, writer
        self.upstreams = upstreams
        self.broker = broker
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="action-follower")

    def poke(self) -> None:
        """Look now rather than at the next tick (after a run was recorded)."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.follow_once()
            except Exception:
                logger.exception("the action follower failed a round; it retries next tick")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.action_poll_seconds)
            self._wake.clear()

    async def follow_once(self) -> int:
        """One round over every PENDING target; how many it settled."""
        operator = TenantScope(self.reader, None)
        stmt = (
            sa.select(
                TARGETS.c.run_id,
                TARGETS.c.device_id,
                RUNS.c.client_id,
                RUNS.c.action,
                RUNS.c.input,
                RUNS.c.created_at,
                DEVICES.c.mdm_device_id,
            )
            .join(RUNS, RUNS.c.id == TARGETS.c.run_id)
            .join(DEVICES, DEVICES.c.id == TARGETS.c.device_id)
            .where(TARGETS.c.status == PENDING)
            .order_by(TARGETS.c.run_id, TARGETS.c.id)
            .limit(500)
        )
        rows = await operator.all(stmt)
        by_run: dict[int, list[sa.Row[Any]]] = defaultdict(list)
        for row in rows:
            by_run[row.run_id].append(row)
        settled = 0
        for run_id, targets in by_run.items():
            settled += await self._follow_run(run_id, targets)
        return settled

    async def _follow_run(self, run_id: int, targets: list[sa.Row[Any]]) -> int:
        """Settle what the provider says is done, inside one transaction that holds the run's
        PENDING targets (`FOR UPDATE SKIP LOCKED` on PostgreSQL): another worker skips them
        meanwhile, and if this one dies mid-way its transaction ends, the locks go, and the next
        round anywhere picks the targets up again. SQLite has one writer and no row locks: the
        updates' PENDING condition is what keeps a target from being settled twice there."""
        first = targets[0]
        action = DeviceAction(first.action)
        spec = SPECS[action]
        expired = now() - first.created_at > timedelta(seconds=self.settings.action_timeout_seconds)
        scope = TenantScope(self.reader, first.client_id, self.writer)
        runs = RunLog(scope, self.broker)
        mdm = self.upstreams.mdm
        async with scope.transaction() as writes:
            held = await writes.all(
                scope.select(TARGETS, TARGETS.c.device_id)
                .where(TARGETS.c.run_id == run_id, TARGETS.c.status == PENDING)
                .with_for_update(skip_locked=True)
            )
            held_ids = {row.device_id for row in held}
            outcomes = await self._outcomes(
                run_id, spec, [t for t in targets if t.device_id in held_ids], first, expired
            )
            if not outcomes:
                return 0
            by_status: dict[ActionRunStatus, list[int]] = defaultdict(list)
            for outcome in outcomes:
                by_status[outcome.status].append(outcome.device_id)
            for status, device_ids in by_status.items():
                await mirror(writes, action, status, device_ids, first.input)
            status = await runs.settle_within(writes, run_id, outcomes)
        await runs.notify(run_id, status)
        await mdm.forget(first.client_id)
        await self.mirror.refresh_devices(first.client_id, [o.device_id for o in outcomes])
        return len(outcomes)

    async def _outcomes(
        self,
        run_id: int,
        spec: ActionSpec,
        targets: list[sa.Row[Any]],
        first: sa.Row[Any],
        expired: bool,
    ) -> list[TargetOutcome]:
        deadline = Deadline(self.settings.upstream_deadline_seconds)
        outcomes: list[TargetOutcome] = []
        for target in targets:
            verdict = None
            if spec.follow is not None and target.mdm_device_id is not None:
                try:
                    record = await self.upstreams.mdm.device(target.mdm_device_id, deadline)
                except UpstreamError as error:
                    logger.info("follow-up read failed", extra={"run": run_id, "code": error.code})
                    record = None
                if record is not None:
                    verdict = spec.follow(record, first.input)
            if verdict is not None:
                status, code, reason = verdict
                outcomes.append(
                    TargetOutcome(target.device_id, status, code, reason, {"final": True})
                )
            elif expired:
                outcomes.append(
                    TargetOutcome(
                        target.device_id,
                        ActionRunStatus.FAILED,
                        ActionFailureCode.TIMED_OUT.value,
                        "the MDM provider did not finish it in time",
                        {"final": False},
                    )
                )
        return outcomes
