"""The local mirror of each device's upstream summary, so the fleet table filters and sorts by
agent and MDM facts ("Windows laptops last seen more than 30 days ago") in one SQL query with
keyset cursors, instead of paging two upstreams per request.

What is mirrored (columns of `devices`, plus `device_custom_attributes`): the inventory's OS name,
agent status, last-seen and install times; the MDM provider's registration state, platform,
compliance, last check-in and custom attributes; and `synced_at`, when both were last read. The
users the agent observed on each device (`device_observed_users`, behind the `observedUserId`
filter) are refreshed from the inventory at the same time, one call per device (the API has no
bulk form), at most `UPSTREAM_CONCURRENCY` at once; `Device.observedUsers` itself reads the
inventory live.

Freshness: the whole fleet of every tenant is re-read every `MIRROR_REFRESH_SECONDS` (the
providers' list calls, 500 devices a call, so a refresh costs a few calls per tenant), the
devices of an action are re-read when it settles, and `syncDeviceSummaries` (or
`python -m app sync`) re-reads at once. An upstream that fails keeps its previous values.
"""

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import tables
from app.db.scope import TenantScope
from app.enums import AgentStatus, PlatformType, RegistrationState, known
from app.redis_client import connect
from app.settings import Settings
from app.upstreams.client import Deadline
from app.upstreams.errors import UpstreamError
from app.upstreams.registry import Upstreams
from app.upstreams.values import epoch_ms, iso

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("gateway.mirror")

DEVICES = tables.Device.__table__
CLIENTS = tables.Client.__table__
ATTRIBUTES = tables.DeviceCustomAttribute.__table__
OBSERVED = tables.DeviceObservedUser.__table__
USERS = tables.User.__table__
NUMERIC_SUFFIX = "_#"
Record = dict[str, Any]

INVENTORY_COLUMNS = ("os_name", "agent_status", "last_seen_at", "installed_at")
MDM_COLUMNS = ("registration_state", "platform_type", "compliant", "last_checkin_at")


def inventory_summary(record: Record | None) -> dict[str, Any]:
    if record is None:
        return dict.fromkeys(INVENTORY_COLUMNS)
    os_name = record.get("os_name")
    return {
        "os_name": str(os_name)[:80] if os_name else None,
        "agent_status": known(AgentStatus, record.get("status")).value,
        "last_seen_at": iso(record.get("last_seen_at")),
        "installed_at": iso(record.get("installed_at")),
    }


def mdm_summary(record: Record | None) -> dict[str, Any]:
    if record is None:
        return dict.fromkeys(MDM_COLUMNS)
    compliant = record.get("complianceState")
    return {
        "registration_state": known(RegistrationState, record.get("registrationState")).value,
        "platform_type": known(PlatformType, record.get("platformType")).value,
        "compliant": compliant if isinstance(compliant, bool) else None,
        "last_checkin_at": epoch_ms(record.get("lastCheckin")),
    }


def custom_attributes(device_id: int, record: Record | None) -> list[dict[str, Any]]:
    """The provider's `customAttributes: {"attrs": {"cityid": ["SF"], "floor_#": ["3"]}}`."""
    attrs = (record or {}).get("customAttributes") or {}
    attrs = attrs.get("attrs") if isinstance(attrs, dict) else None
    rows = []
    for raw_key, raw_values in (attrs or {}).items():
        numeric = str(raw_key).endswith(NUMERIC_SUFFIX)
        key = str(raw_key).removesuffix(NUMERIC_SUFFIX).strip().casefold()[:100]
        values = raw_values if isinstance(raw_values, list) else [raw_values]
        for value in dict.fromkeys(str(v)[:200] for v in values if v is not None):
            rows.append({"device_id": device_id, "key": key, "value": value, "numeric": numeric})
    return rows


class UpstreamMirror:
    """Refreshes the mirror, a tenant or a few devices at a time."""

    def __init__(
        self, settings: Settings, reader: AsyncEngine, writer: AsyncEngine, upstreams: Upstreams
    ) -> None:
        self.settings = settings
        self.reader, self.writer = reader, writer
        self.upstreams = upstreams

    def scope(self, tenant_id: int) -> TenantScope:
        return TenantScope(self.reader, tenant_id, self.writer)

    def _deadline(self) -> Deadline:
        return Deadline(self.settings.mirror_deadline_seconds)

    async def refresh_tenant(self, tenant_id: int) -> tuple[int, datetime | None]:
        """Re-read the tenant's whole fleet from both upstreams' list calls (the cache is
        dropped first); (devices written, the new `synced_at` or None when an upstream failed)."""
        scope = self.scope(tenant_id)
        client = (await scope.all(scope.select(CLIENTS)))[0]
        deadline = self._deadline()
        mdm, inventory = self.upstreams.mdm, self.upstreams.inventory
        await mdm.forget(tenant_id)
        await inventory.forget(tenant_id)
        mdm_records: dict[int, Record] | None = {}
        agent_records: dict[str, Record] | None = {}
        try:
            if client.mdm_partition_id is not None:
                mdm_records = await mdm.partition_devices(
                    tenant_id, client.mdm_partition_id, deadline
                )
        except UpstreamError as error:
            logger.warning(
                "mirror: MDM listing failed", extra={"tenant": tenant_id, "code": error.code}
            )
            mdm_records = None
        try:
            if client.inventory_client_id is not None:
                agent_records = await inventory.client_devices(
                    tenant_id, client.inventory_client_id, deadline
                )
        except UpstreamError as error:
            logger.warning(
                "mirror: inventory listing failed", extra={"tenant": tenant_id, "code": error.code}
            )
            agent_records = None
        devices = await scope.all(
            scope.select(
                DEVICES, DEVICES.c.id, DEVICES.c.mdm_device_id, DEVICES.c.inventory_device_id
            )
        )
        synced = (
            datetime.now(UTC) if mdm_records is not None and agent_records is not None else None
        )
        rows: list[dict[str, Any]] = []
        attributes: list[dict[str, Any]] = []
        for device in devices:
            row: dict[str, Any] = {"id": device.id}
            if mdm_records is not None:
                record = (
                    None if device.mdm_device_id is None else mdm_records.get(device.mdm_device_id)
                )
                row |= mdm_summary(record)
                attributes += custom_attributes(device.id, record)
            if agent_records is not None:
                agent = (
                    None
                    if device.inventory_device_id is None
                    else agent_records.get(device.inventory_device_id)
                )
                row |= inventory_summary(agent)
            if synced is not None:
                row["synced_at"] = synced
            rows.append(row)
        observed = None
        if agent_records is not None and client.inventory_client_id is not None:
            observed = await self._observed_users(
                scope, client.inventory_client_id, devices, deadline
            )
        async with scope.transaction() as writes:
            if len(rows[0] if rows else {}) > 1:
                await writes.update_each(DEVICES, rows)
            if mdm_records is not None:
                await writes.delete(ATTRIBUTES, sa.true())
                await writes.insert(ATTRIBUTES, attributes)
            if observed is not None:
                refreshed, pairs = observed
                await writes.delete(OBSERVED, OBSERVED.c.device_id.in_(refreshed))
                await writes.insert(OBSERVED, pairs)
        return len(rows), synced

    async def _observed_users(
        self,
        scope: TenantScope,
        client_uuid: str,
        devices: Sequence[sa.Row[Any]],
        deadline: Deadline,
    ) -> tuple[list[int], list[dict[str, Any]]]:
        """(devices read, their observed-user rows): every page of each device's users; a device
        whose read failed is left out, so its previous rows stay."""
        inventory = self.upstreams.inventory
        gate = asyncio.Semaphore(self.settings.upstream_concurrency)
        tenant = scope.tenant_id
        assert tenant is not None

        async def read(device_id: str) -> list[Record] | None:
            users: list[Record] = []
            cursor = None
            async with gate:
                try:
                    while True:
                        page = await inventory.device_users(
                            tenant,
                            client_uuid,
                            device_id,
                            deadline,
                            search=None,
                            sort_by="last_seen_at",
                            sort_order="desc",
                            cursor=cursor,
                        )
                        if page is None:
                            return users
                        users += page.users
                        cursor = page.next_cursor
                        if cursor is None:
                            return users
                except UpstreamError:
                    return None

        agents = [d for d in devices if d.inventory_device_id is not None]
        found = await asyncio.gather(*(read(d.inventory_device_id) for d in agents))
        known = {
            row.inventory_user_id: row.id
            for row in await scope.all(
                scope.select(USERS, USERS.c.id, USERS.c.inventory_user_id).where(
                    USERS.c.inventory_user_id.is_not(None)
                )
            )
        }
        refreshed: list[int] = []
        pairs: list[dict[str, Any]] = []
        for device, users in zip(agents, found, strict=True):
            if users is None:
                continue
            refreshed.append(device.id)
            for user in users:
                user_id = known.get(user["id"])
                if user_id is not None:
                    pairs.append(
                        {
                            "device_id": device.id,
                            "user_id": user_id,
                            "enrolled_at": iso(user.get("enrolled_at")),
                            "last_seen_at": iso(user.get("last_seen_at")),
                        }
                    )
        return refreshed, list({(p["device_id"], p["user_id"]): p for p in pairs}.values())

    async def refresh_devices(self, tenant_id: int, device_ids: Sequence[int]) -> None:
        """Re-read a few devices' MDM records (after an action on them)."""
        scope = self.scope(tenant_id)
        devices = await scope.all(
            scope.select(DEVICES, DEVICES.c.id, DEVICES.c.mdm_device_id).where(
                DEVICES.c.id.in_(device_ids), DEVICES.c.mdm_device_id.is_not(None)
            )
        )
        deadline = self._deadline()
        gate = asyncio.Semaphore(self.settings.upstream_concurrency)

        async def read(mdm_id: int) -> Record | UpstreamError | None:
            async with gate:
                try:
                    return await self.upstreams.mdm.device(mdm_id, deadline)
                except UpstreamError as error:
                    return error

        found = await asyncio.gather(*(read(device.mdm_device_id) for device in devices))
        moment = datetime.now(UTC)
        rows, attributes, refreshed = [], [], []
        for device, record in zip(devices, found, strict=True):
            if isinstance(record, UpstreamError):
                continue
            rows.append({"id": device.id, **mdm_summary(record), "synced_at": moment})
            attributes += custom_attributes(device.id, record)
            refreshed.append(device.id)
        if not rows:
            return
        async with scope.transaction() as writes:
            await writes.update_each(DEVICES, rows)
            await writes.delete(ATTRIBUTES, ATTRIBUTES.c.device_id.in_(refreshed))
            await writes.insert(ATTRIBUTES, attributes)

    async def refresh_all(self) -> tuple[int, bool]:
        """Every tenant, one after the other: (devices written, whether every upstream read)."""
        operator = TenantScope(self.reader, None)
        written, complete = 0, True
        for (tenant_id,) in await operator.all(sa.select(CLIENTS.c.id).order_by(CLIENTS.c.id)):
            count, synced = await self.refresh_tenant(tenant_id)
            written += count
            complete = complete and synced is not None
        return written, complete


class MirrorRefresher:
    """The background job: refresh every tenant at start and every `MIRROR_REFRESH_SECONDS`;
    after a refresh an upstream failed (e.g. not up yet at start), again in `RETRY_SECONDS`.

    With several workers sharing Redis, one of them refreshes per interval: each round first
    takes a Redis key that expires with the interval (`SET NX PX`), and a worker that does not
    get it skips the round."""

    RETRY_SECONDS = 10.0

    def __init__(
        self,
        mirror: UpstreamMirror,
        interval_seconds: float,
        redis_url: str | None = None,
        redis_prefix: str = "fleet-gateway",
    ) -> None:
        self.mirror = mirror
        self.interval = interval_seconds
        self.redis: Redis | None = connect(redis_url) if redis_url else None
        self.lock_key = f"{redis_prefix}:mirror:refresh"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="mirror-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.redis is not None:
            await self.redis.aclose()

    async def _my_turn(self, seconds: float) -> bool:
        if self.redis is None:
            return True
        taken = await self.redis.set(self.lock_key, "1", nx=True, px=max(1, int(seconds * 1000)))
        return bool(taken)

    async def _loop(self) -> None:
        while True:
            complete = False
            try:
                if await self._my_turn(self.interval):
                    written, complete = await self.mirror.refresh_all()
                    logger.info(
                        "mirror refreshed", extra={"devices": written, "complete": complete}
                    )
                    if not complete and self.redis is not None:
                        await self.redis.delete(self.lock_key)  # let any worker retry soon
                else:
                    complete = True  # another worker has this round
            except Exception:
                logger.exception("mirror refresh failed")
            await asyncio.sleep(
                self.interval if complete else min(self.interval, self.RETRY_SECONDS)
            )
