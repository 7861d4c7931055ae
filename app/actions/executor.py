"""Running one device action request: permission, idempotency, eligibility, the provider call,
the record of it, and the local mirror of its effect.

The order matters. A viewer whose role may not run the action changes nothing (the refusal is
recorded). A repeated idempotency key returns the first run. Every target is then checked against
the gateway's rules on the device's live provider record, and against the provider's own viability
check where it has one; a dry run stops there. A real run is recorded (targets PENDING, or
REJECTED with their reason) before the provider is called, so a crash mid-call leaves a run that
the follower times out instead of a change nobody can see.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.actions.catalog import (
    REGISTRATION_OF_ENROLLMENT,
    ActionSpec,
    CallContext,
    Ineligible,
    Record,
    Target,
    Verdict,
)
from app.actions.runs import RunLog, TargetOutcome, input_hash, mirror
from app.auth import Viewer
from app.broker import Broker
from app.db import tables
from app.db.queries import exposed_enrollment
from app.db.scope import TenantScope
from app.enums import ActionExceptionCode, ActionRunStatus, DeviceAction, UserErrorCode, known
from app.errors import Problems
from app.mirror import UpstreamMirror
from app.permissions import role_for
from app.settings import Settings
from app.upstreams.client import Deadline
from app.upstreams.errors import UpstreamError
from app.upstreams.mdm import MdmAdapter

logger = logging.getLogger("gateway.actions")
security = logging.getLogger("gateway.security")

DEVICES = tables.Device.__table__
ENROLLMENTS = tables.MdmEnrollment.__table__
USERS = tables.User.__table__
CLIENTS = tables.Client.__table__
PENDING, SUCCEEDED, FAILED, REJECTED = (
    ActionRunStatus.PENDING,
    ActionRunStatus.SUCCEEDED,
    ActionRunStatus.FAILED,
    ActionRunStatus.REJECTED,
)


@dataclass(slots=True)
class ActionRequest:
    """A validated request: devices by database id (in input order), the action's options."""

    spec: ActionSpec
    device_ids: list[int]
    options: dict[str, Any]
    recorded_input: dict[str, Any]  # what the run keeps (no secrets), and the idempotency hash
    dry_run: bool = False
    idempotency_key: str | None = None
    assignee_id: int | None = None


@dataclass(slots=True)
class ActionResult:
    run_id: int | None = None
    ineligible: list[tuple[int, Ineligible]] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


class ActionExecutor:
    def __init__(
        self,
        settings: Settings,
        viewer: Viewer,
        scope: TenantScope,
        mdm: MdmAdapter,
        broker: Broker,
        mirror: UpstreamMirror,
    ) -> None:
        self.settings = settings
        self.mirror = mirror
        self.viewer = viewer
        self.scope = scope
        self.mdm = mdm
        self.runs = RunLog(scope, broker)
        self.deadline = Deadline(settings.upstream_deadline_seconds)
        self._gate = asyncio.Semaphore(settings.upstream_concurrency)

    async def execute(self, request: ActionRequest) -> ActionResult:
        spec = request.spec
        denied = await self._denied(request)
        if denied is not None:
            return denied
        if request.idempotency_key and not request.dry_run:
            replay = await self._replay(request)
            if replay is not None:
                return replay
        result = ActionResult()
        rows = await self._devices(request.device_ids)
        assignee = None
        if spec.action is DeviceAction.ASSIGN:
            assignee = await self._assignee(request.assignee_id)
            if assignee is None:
                result.problems.add(("userId",), UserErrorCode.NOT_FOUND, "No such user.")
                return result
        outcomes: dict[int, TargetOutcome] = {}
        targets: list[Target] = []
        for device_id in request.device_ids:
            row = rows.get(device_id)
            if row is None:
                # Another tenant's device behaves exactly like one that does not exist.
                self._reject(
                    result,
                    outcomes,
                    device_id,
                    Ineligible(ActionExceptionCode.NOT_FOUND, "no such device"),
                )
            elif spec.call is None or row.mdm_device_id is None:
                if spec.action in (DeviceAction.ASSIGN, DeviceAction.UNASSIGN):
                    outcomes[device_id] = TargetOutcome(
                        device_id, SUCCEEDED, None, "assigned locally"
                    )
                else:
                    self._reject(
                        result,
                        outcomes,
                        device_id,
                        Ineligible(
                            ActionExceptionCode.NOT_ENROLLED,
                            "the device is not enrolled in the MDM",
                        ),
                    )
            else:
                targets.append(Target(device_id, row.mdm_device_id, {}))
        targets = await self._live_records(request, targets, result, outcomes)
        if spec.action is DeviceAction.ASSIGN and targets and assignee.mdm_account_id is None:
            for target in targets:
                self._reject(
                    result,
                    outcomes,
                    target.device_id,
                    Ineligible(
                        ActionExceptionCode.MISSING_PREREQUISITE,
                        "the user has no account at the MDM provider",
                    ),
                )
            targets = []
        targets = self._apply_rules(spec, request.options, targets, result, outcomes)
        targets = await self._provider_check(request, targets, result, outcomes)
        if request.dry_run:
            return result
        ordered = [outcomes.get(i) or TargetOutcome(i, PENDING) for i in request.device_ids]
        try:
            result.run_id = await self.runs.create(
                spec.action,
                request.recorded_input,
                self.viewer.user_id,
                ordered,
                idempotency_key=request.idempotency_key,
            )
        except sa.exc.IntegrityError:
            # Another request with the same key won the race: answer with its run.
            replay = await self._replay(request)
            assert replay is not None, "the key's run exists once the insert failed on it"
            return replay
        await self._mirror(spec.action, [o for o in ordered if o.status is SUCCEEDED], request)
        if targets:
            settled = await self._call(spec, request, targets, assignee)
            await self._mirror(spec.action, settled, request)
            await self.runs.settle(result.run_id, settled)
            await self.mdm.forget(self.viewer.tenant_id)
            await self.mirror.refresh_devices(self.viewer.tenant_id, [t.device_id for t in targets])
        elif any(o.status is SUCCEEDED for o in ordered):
            await self.runs.settle(result.run_id, [])
        return result

    # ---- the steps ---------------------------------------------------------------------------

    async def _denied(self, request: ActionRequest) -> ActionResult | None:
        role = role_for(request.spec.mutation)
        if self.viewer.has(role):
            return None
        result = ActionResult()
        message = f"`{request.spec.mutation}` needs the {role.value} role."
        result.problems.add((), UserErrorCode.FORBIDDEN, message)
        security.warning(
            "action refused: role",
            extra={
                "mutation": request.spec.mutation,
                "tenant": self.viewer.tenant_id,
                "user": self.viewer.user_id,
                "needs": role.value,
            },
        )
        if not request.dry_run:
            # Recorded without targets: nothing was checked or sent for any device.
            result.run_id = await self.runs.create(
                request.spec.action,
                request.recorded_input,
                self.viewer.user_id,
                [],
                code=UserErrorCode.FORBIDDEN.value,
                reason=message,
            )
        return result

    async def _replay(self, request: ActionRequest) -> ActionResult | None:
        assert request.idempotency_key is not None
        run = await self.runs.by_key(request.idempotency_key)
        if run is None:
            return None
        result = ActionResult()
        expected = input_hash(request.spec.action, request.recorded_input)
        if run.input_hash != expected:
            result.problems.add(
                ("idempotencyKey",),
                UserErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This idempotency key was used for a different request; use a new key.",
            )
            return result
        result.run_id = run.id
        for target in await self.runs.targets(run.id):
            if target.status == REJECTED.value:
                code = known(ActionExceptionCode, target.code)
                result.ineligible.append((target.device_id, Ineligible(code, target.reason or "")))
        return result

    async def _devices(self, device_ids: list[int]) -> dict[int, sa.Row[Any]]:
        stmt = self.scope.select(DEVICES, DEVICES.c.id, DEVICES.c.mdm_device_id).where(
            DEVICES.c.id.in_(device_ids)
        )
        return {row.id: row for row in await self.scope.all(stmt)}

    async def _assignee(self, user_id: int | None) -> sa.Row[Any] | None:
        if user_id is None:
            return None
        stmt = self.scope.select(USERS, USERS.c.id, USERS.c.mdm_account_id).where(
            USERS.c.id == user_id
        )
        rows = await self.scope.all(stmt)
        return rows[0] if rows else None

    async def _live_records(
        self,
        request: ActionRequest,
        targets: list[Target],
        result: ActionResult,
        outcomes: dict[int, TargetOutcome],
    ) -> list[Target]:
        """Each target's live provider record (and configurations, when its rules need them).
        A device the provider does not know is not enrolled; one it fails to answer for fails,
        and nothing is sent for it."""
        with_configs = request.spec.needs_configs(request.options)

        async def read(target: Target) -> Record | UpstreamError | None:
            async with self._gate:
                try:
                    record = await self.mdm.device(target.mdm_id, self.deadline)
                    if record is not None and with_configs:
                        configs = await self.mdm.device_configs(target.mdm_id, self.deadline)
                        record = {**record, "configs": configs or []}
                    return record
                except UpstreamError as error:
                    return error

        found = await asyncio.gather(*(read(target) for target in targets))
        if request.spec.local_fallback and any(isinstance(r, UpstreamError) for r in found):
            local = await self._local_states([t.device_id for t in targets])
            found = [
                {"registrationState": local[t.device_id]}
                if isinstance(r, UpstreamError) and t.device_id in local
                else r
                for t, r in zip(targets, found, strict=True)
            ]
        live = []
        for target, record in zip(targets, found, strict=True):
            if isinstance(record, UpstreamError):
                if request.dry_run:
                    raise record
                outcomes[target.device_id] = TargetOutcome(
                    target.device_id, FAILED, record.code, record.message
                )
            elif record is None:
                if request.spec.action is DeviceAction.ASSIGN:
                    outcomes[target.device_id] = TargetOutcome(
                        target.device_id, SUCCEEDED, None, "assigned locally"
                    )
                else:
                    self._reject(
                        result,
                        outcomes,
                        target.device_id,
                        Ineligible(
                            ActionExceptionCode.NOT_ENROLLED,
                            "the MDM provider does not know the device",
                        ),
                    )
            else:
                live.append(Target(target.device_id, target.mdm_id, record))
        return live

    async def _local_states(self, device_ids: list[int]) -> dict[int, str]:
        """The provider's registration state as the local enrollment records it (newest exposed
        row per device), for when the provider cannot be asked."""
        stmt = (
            self.scope.select(ENROLLMENTS, ENROLLMENTS.c.device_id, ENROLLMENTS.c.status)
            .where(ENROLLMENTS.c.device_id.in_(device_ids), exposed_enrollment())
            .order_by(ENROLLMENTS.c.device_id, ENROLLMENTS.c.id)
        )
        current = {row.device_id: row.status for row in await self.scope.all(stmt)}
        return {device: REGISTRATION_OF_ENROLLMENT[status] for device, status in current.items()}

    def _apply_rules(
        self,
        spec: ActionSpec,
        options: dict[str, Any],
        targets: list[Target],
        result: ActionResult,
        outcomes: dict[int, TargetOutcome],
    ) -> list[Target]:
        eligible = []
        for target in targets:
            broken = next(
                (found for rule in spec.rules if (found := rule(target.record, options))), None
            )
            if broken is None:
                eligible.append(target)
            else:
                self._reject(result, outcomes, target.device_id, broken)
        return eligible

    async def _provider_check(
        self,
        request: ActionRequest,
        targets: list[Target],
        result: ActionResult,
        outcomes: dict[int, TargetOutcome],
    ) -> list[Target]:
        spec = request.spec
        if spec.check_path is None or not targets:
            return targets
        try:
            refused = await self.mdm.ineligible(
                f"/api/v1/device/{spec.check_path}",
                [target.mdm_id for target in targets],
                self.deadline,
                spec.check_options(request.options),
            )
        except UpstreamError as error:
            if request.dry_run:
                raise
            for target in targets:
                outcomes[target.device_id] = TargetOutcome(
                    target.device_id, FAILED, error.code, error.message
                )
            return []
        eligible = []
        for target in targets:
            codes = refused.get(target.mdm_id)
            if codes is None:
                eligible.append(target)
                continue
            code = known(ActionExceptionCode, codes[0])
            self._reject(
                result,
                outcomes,
                target.device_id,
                Ineligible(
                    code, f"the MDM provider's viability check refused it ({', '.join(codes)})"
                ),
            )
        return eligible

    async def _call(
        self, spec: ActionSpec, request: ActionRequest, targets: list[Target], assignee: Any
    ) -> list[TargetOutcome]:
        assert spec.call is not None
        partition = await self._partition()
        ctx = CallContext(
            self.mdm,
            self.deadline,
            partition,
            None if assignee is None else assignee.mdm_account_id,
        )
        try:
            answer = await spec.call(ctx, targets, request.options)
        except UpstreamError as error:
            logger.warning(
                "action failed upstream",
                extra={"action": spec.action.value, "code": error.code, "devices": len(targets)},
            )
            return [TargetOutcome(t.device_id, FAILED, error.code, error.message) for t in targets]
        if isinstance(answer, dict):
            return [self._outcome(spec, t, answer.get(t.mdm_id)) for t in targets]
        if answer < 0 or answer == len(targets):
            return [self._outcome(spec, t, None) for t in targets]
        # The provider acted on fewer devices than sent: re-read each to learn which.
        return await self._reread(spec, targets)

    def _outcome(self, spec: ActionSpec, target: Target, verdict: Verdict | None) -> TargetOutcome:
        if verdict is None:
            status = PENDING if spec.follow is not None else SUCCEEDED
            reason = "under way at the MDM provider" if status is PENDING else None
            return TargetOutcome(target.device_id, status, None, reason, {"accepted": True})
        status, code, reason = verdict
        upstream = {"accepted": status is not REJECTED}
        return TargetOutcome(target.device_id, status, code, reason, upstream)

    async def _reread(self, spec: ActionSpec, targets: list[Target]) -> list[TargetOutcome]:
        async def one(target: Target) -> TargetOutcome:
            try:
                record = await self.mdm.device(target.mdm_id, self.deadline)
            except UpstreamError as error:
                return TargetOutcome(target.device_id, FAILED, error.code, error.message)
            codes = [] if record is None else record.get("actionExceptionCodes") or []
            if record is None or codes:
                code = ActionExceptionCode.NOT_FOUND if record is None else codes[0]
                verdict: Verdict = (
                    REJECTED,
                    known(ActionExceptionCode, code),
                    "refused by the provider",
                )
                return self._outcome(spec, target, verdict)
            return self._outcome(spec, target, None)

        return list(await asyncio.gather(*(one(target) for target in targets)))

    async def _partition(self) -> int | None:
        stmt = self.scope.select(CLIENTS, CLIENTS.c.mdm_partition_id)
        rows = await self.scope.all(stmt)
        return rows[0].mdm_partition_id if rows else None

    async def _mirror(
        self, action: DeviceAction, outcomes: Sequence[TargetOutcome], request: ActionRequest
    ) -> None:
        by_status: dict[ActionRunStatus, list[int]] = {}
        for outcome in outcomes:
            by_status.setdefault(outcome.status, []).append(outcome.device_id)
        if not by_status:
            return
        async with self.scope.transaction() as writes:
            for status, device_ids in by_status.items():
                await mirror(writes, action, status, device_ids, request.recorded_input)

    @staticmethod
    def _reject(
        result: ActionResult,
        outcomes: dict[int, TargetOutcome],
        device_id: int,
        why: Ineligible,
    ) -> None:
        result.ineligible.append((device_id, why))
        outcomes[device_id] = TargetOutcome(device_id, REJECTED, why.code.value, why.reason)
