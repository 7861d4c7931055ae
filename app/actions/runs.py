"""Action runs in the database: recording a run and its targets, moving targets on, deriving the
run's status, and telling subscribers.

Every change goes through the tenant's scope (`TenantScope.transaction()`), and every target
update is conditional on the target still being PENDING, so two followers (or a follower and a
timeout) racing on one target cannot both move it.
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from app.broker import Broker, action_runs_topic
from app.db import tables
from app.db.queries import exposed_enrollment
from app.db.scope import TenantScope, TenantWrites
from app.enums import ActionRunStatus, DeviceAction, MdmEnrollmentStatus
from app.observability import metrics

RUNS = tables.DeviceActionRun.__table__
TARGETS = tables.DeviceActionTarget.__table__
DEVICES = tables.Device.__table__
ENROLLMENTS = tables.MdmEnrollment.__table__

PENDING = ActionRunStatus.PENDING
FINAL = frozenset({ActionRunStatus.SUCCEEDED, ActionRunStatus.FAILED, ActionRunStatus.REJECTED})


def now() -> datetime:
    return datetime.now(UTC)


def input_hash(action: DeviceAction, recorded_input: dict[str, Any]) -> str:
    """What an idempotency key is bound to: the action and its input (canonical JSON)."""
    canonical = orjson.dumps(
        {"action": action.value, "input": recorded_input}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def run_status(statuses: Iterable[str]) -> ActionRunStatus:
    """A run is PENDING while any target is; then FAILED if any target failed, SUCCEEDED if any
    succeeded (the others were rejected), and REJECTED when nothing was eligible."""
    found = set(statuses)
    for status in (PENDING, ActionRunStatus.FAILED, ActionRunStatus.SUCCEEDED):
        if status in found:
            return status
    return ActionRunStatus.REJECTED


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    device_id: int
    status: ActionRunStatus
    code: str | None = None
    reason: str | None = None
    upstream_result: dict[str, Any] | None = None


class RunLog:
    """A tenant's action runs: writes through its scope, change notices through the broker."""

    def __init__(self, scope: TenantScope, broker: Broker) -> None:
        self.scope = scope
        self.broker = broker

    async def by_key(self, key: str) -> sa.Row[Any] | None:
        rows = await self.scope.all(self.scope.select(RUNS).where(RUNS.c.idempotency_key == key))
        return rows[0] if rows else None

    async def targets(self, run_id: int) -> Sequence[sa.Row[Any]]:
        stmt = self.scope.select(TARGETS).where(TARGETS.c.run_id == run_id).order_by(TARGETS.c.id)
        return await self.scope.all(stmt)

    async def create(
        self,
        action: DeviceAction,
        recorded_input: dict[str, Any],
        requested_by: int,
        outcomes: Sequence[TargetOutcome],
        *,
        idempotency_key: str | None = None,
        code: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Record a run with its targets in one transaction (the idempotency key's unique
        constraint makes a second run with the same key fail here: `sa.exc.IntegrityError`)."""
        moment = now()
        status = run_status(outcome.status for outcome in outcomes)
        async with self.scope.transaction() as writes:
            (run_id,) = await writes.insert(
                RUNS,
                [
                    {
                        "action": action.value,
                        "status": status.value,
                        "input": recorded_input,
                        "input_hash": input_hash(action, recorded_input),
                        "idempotency_key": idempotency_key,
                        "requested_by": requested_by,
                        "dry_run": False,
                        "code": code,
                        "reason": reason,
                        "created_at": moment,
                        "updated_at": moment,
                        "finished_at": None if status is PENDING else moment,
                    }
                ],
            )
            await writes.insert(
                TARGETS,
                [
                    {
                        "run_id": run_id,
                        "device_id": outcome.device_id,
                        "status": outcome.status.value,
                        "code": outcome.code,
                        "reason": outcome.reason,
                        "upstream_result": outcome.upstream_result,
                        "updated_at": moment,
                    }
                    for outcome in outcomes
                ],
            )
        metrics.ACTION_RUNS.labels(action.value, status.value).inc()
        await self.notify(run_id, status)
        return run_id

    async def settle(self, run_id: int, outcomes: Sequence[TargetOutcome]) -> ActionRunStatus:
        """Move PENDING targets to their outcome, then the run to the status they give it."""
        async with self.scope.transaction() as writes:
            status = await self.settle_within(writes, run_id, outcomes)
        await self.notify(run_id, status)
        return status

    async def settle_within(
        self, writes: TenantWrites, run_id: int, outcomes: Sequence[TargetOutcome]
    ) -> ActionRunStatus:
        """`settle` inside the caller's transaction (the caller notifies after committing)."""
        moment = now()
        for outcome in outcomes:
            if outcome.status is PENDING and outcome.upstream_result is None:
                continue
            await writes.update(
                TARGETS,
                sa.and_(
                    TARGETS.c.run_id == run_id,
                    TARGETS.c.device_id == outcome.device_id,
                    TARGETS.c.status == PENDING.value,
                ),
                {
                    "status": outcome.status.value,
                    "code": outcome.code,
                    "reason": outcome.reason,
                    "upstream_result": outcome.upstream_result,
                    "updated_at": moment,
                },
            )
        return await self._refresh_status(writes, run_id, moment)

    async def _refresh_status(
        self, writes: TenantWrites, run_id: int, moment: datetime
    ) -> ActionRunStatus:
        rows = await writes.all(
            self.scope.select(TARGETS, TARGETS.c.status).where(TARGETS.c.run_id == run_id)
        )
        status = run_status(row.status for row in rows)
        moved = await writes.update(
            RUNS,
            sa.and_(RUNS.c.id == run_id, RUNS.c.status == PENDING.value),
            {
                "status": status.value,
                "updated_at": moment,
                "finished_at": None if status is PENDING else moment,
            },
        )
        if moved and status is not PENDING:
            metrics.ACTION_RUNS_FINISHED.labels(status.value).inc()
        return status

    async def notify(self, run_id: int, status: ActionRunStatus) -> None:
        tenant = self.scope.tenant_id
        if tenant is not None:
            await self.broker.publish(
                action_runs_topic(tenant), {"runId": run_id, "status": status.value}
            )


async def mirror(
    writes: TenantWrites,
    action: DeviceAction,
    status: ActionRunStatus,
    device_ids: list[int],
    recorded_input: dict[str, Any],
) -> None:
    """Keep the local records in step with what the provider now says: a locked device shows
    `isLocked` and `lockDate`, a retired one is UNENROLLED, an assigned one its new assignee."""
    if not device_ids:
        return
    moment = now()
    enrollment = sa.and_(ENROLLMENTS.c.device_id.in_(device_ids), exposed_enrollment())
    values: dict[str, Any] | None = None
    if status is ActionRunStatus.SUCCEEDED:
        values = {
            DeviceAction.LOCK: {"is_locked": True, "lock_date": moment},
            DeviceAction.UNLOCK: {"is_locked": False, "lock_date": None},
            DeviceAction.FORCE_CHECKIN: {"last_sync_date": moment},
            DeviceAction.WIPE: {
                "status": MdmEnrollmentStatus.UNENROLLED.value,
                "unenrollment_date": moment,
            },
            DeviceAction.RETIRE: {
                "status": MdmEnrollmentStatus.UNENROLLED.value,
                "unenrollment_date": moment,
            },
            DeviceAction.DELETE: {"deleted_at": moment},
        }.get(action)
        if action in (DeviceAction.ASSIGN, DeviceAction.UNASSIGN):
            assignee = recorded_input.get("assigneeId") if action is DeviceAction.ASSIGN else None
            await writes.update(
                DEVICES, DEVICES.c.id.in_(device_ids), {"user_id": assignee, "updated_at": moment}
            )
    elif status is PENDING and action is DeviceAction.WIPE:
        values = {"status": MdmEnrollmentStatus.DEVICE_WIPE_PENDING.value}
    if values:
        await writes.update(ENROLLMENTS, enrollment, {**values, "updated_at": moment})
