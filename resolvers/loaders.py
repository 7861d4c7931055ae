"""Per-request DataLoaders: every relation of the graph is read in one statement per page.

Batch functions read through the request's `TenantScope`, so a key of another tenant finds
nothing. Rows come back as SQLAlchemy `Row`s; the schema layer turns them into GraphQL objects.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from app.db import tables
from app.db.queries import exposed_enrollment
from app.db.scope import TenantScope
from resolvers.paging import Ordering, Page, PageRequest, make_page, windowed

Row = sa.Row[Any]
Condition = sa.ColumnElement[bool]

CLIENTS = tables.Client.__table__
DEVICES = tables.Device.__table__
USERS = tables.User.__table__
ORDERS = tables.Order.__table__
ADDRESSES = tables.Address.__table__
PARCELS = tables.Parcel.__table__
MDM = tables.MdmEnrollment.__table__
CHARACTERISTICS = tables.DeviceCharacteristics.__table__
OBSERVED = tables.DeviceObservedUser.__table__
RUNS = tables.DeviceActionRun.__table__
TARGETS = tables.DeviceActionTarget.__table__


@dataclass(frozen=True, slots=True)
class ChildRelation:
    """A one-to-many edge read as a nested connection: `table` rows whose `parent` is the key."""

    name: str
    table: sa.Table
    parent: sa.Column[Any]


PARCELS_OF_DEVICE = ChildRelation("parcels", PARCELS, PARCELS.c.device_id)
DEVICES_OF_USER = ChildRelation("userDevices", DEVICES, DEVICES.c.user_id)
DEVICES_OF_ORDER = ChildRelation("orderDevices", DEVICES, DEVICES.c.order_id)
# A device's action runs, through their targets (one row per run the device was part of).
TARGETS_OF_DEVICE = ChildRelation("actionRuns", TARGETS, TARGETS.c.device_id)


class Loaders:
    """The DataLoaders of one request. Build a new one per request: they cache what they read."""

    def __init__(self, scope: TenantScope) -> None:
        self.scope = scope
        self.client = self._by_key(CLIENTS, CLIENTS.c.id)
        self.device = self._by_key(DEVICES, DEVICES.c.id)
        self.user = self._by_key(USERS, USERS.c.id)
        self.order = self._by_key(ORDERS, ORDERS.c.id)
        self.address = self._by_key(ADDRESSES, ADDRESSES.c.id)
        self.parcel = self._by_key(PARCELS, PARCELS.c.id)
        self.mdm_enrollment = self._by_key(MDM, MDM.c.id, exposed_enrollment())
        self.characteristics = self._by_key(CHARACTERISTICS, CHARACTERISTICS.c.device_id)
        self.mdm_of_device: DataLoader[int, Row | None] = DataLoader(self._current_enrollments)
        self.action_run = self._by_key(RUNS, RUNS.c.id)
        self.targets_of_run: DataLoader[int, list[Row]] = DataLoader(self._targets_of_runs)
        self._keyed: dict[Hashable, DataLoader[Any, Any]] = {}

    def _by_key(
        self, table: sa.Table, key: sa.Column[Any], *conditions: Condition
    ) -> "DataLoader[int, Row | None]":
        async def load(keys: Sequence[int]) -> list[Row | None]:
            stmt = self.scope.select(table).where(key.in_(keys), *conditions)
            found = {row._mapping[key.name]: row for row in await self.scope.all(stmt)}
            return [found.get(k) for k in keys]

        return DataLoader(load)

    async def _current_enrollments(self, device_ids: Sequence[int]) -> list[Row | None]:
        """The newest exposed enrollment of each device (older ones are history)."""
        stmt = (
            self.scope.select(MDM)
            .where(MDM.c.device_id.in_(device_ids), exposed_enrollment())
            .order_by(MDM.c.device_id, MDM.c.id.desc())
        )
        current: dict[int, Row] = {}
        for row in await self.scope.all(stmt):
            current.setdefault(row.device_id, row)
        return [current.get(k) for k in device_ids]

    async def _targets_of_runs(self, run_ids: Sequence[int]) -> list[list[Row]]:
        stmt = (
            self.scope.select(TARGETS).where(TARGETS.c.run_id.in_(run_ids)).order_by(TARGETS.c.id)
        )
        grouped: dict[int, list[Row]] = defaultdict(list)
        for row in await self.scope.all(stmt):
            grouped[row.run_id].append(row)
        return [grouped.get(run_id, []) for run_id in run_ids]

    def _memo(
        self, key: Hashable, make: Callable[[], DataLoader[Any, Any]]
    ) -> DataLoader[Any, Any]:
        loader = self._keyed.get(key)
        if loader is None:
            loader = self._keyed[key] = make()
        return loader

    def page(
        self,
        relation: ChildRelation,
        ordering: Ordering,
        request: PageRequest,
        conditions: tuple[Condition, ...] = (),
        condition_key: Hashable = (),
    ) -> "DataLoader[int, Page]":
        """A loader of one page of `relation` per parent, for the given arguments."""

        async def load(parent_ids: Sequence[int]) -> list[Page]:
            base = self.scope.select(relation.table).where(
                relation.parent.in_(parent_ids), *conditions
            )
            grouped: dict[int, list[Row]] = defaultdict(list)
            stmt = windowed(base, relation.table, relation.parent, ordering, request)
            for row in await self.scope.all(stmt):
                grouped[row._mapping[relation.parent.name]].append(row)
            return [make_page(grouped.get(p, []), ordering, request) for p in parent_ids]

        key = ("page", relation.name, ordering.tag, request, condition_key)
        return self._memo(key, lambda: DataLoader(load))

    def count(
        self,
        relation: ChildRelation,
        conditions: tuple[Condition, ...] = (),
        condition_key: Hashable = (),
    ) -> "DataLoader[int, int]":
        """A loader of the number of `relation` rows per parent (a nested `totalCount`)."""

        async def load(parent_ids: Sequence[int]) -> list[int]:
            stmt = (
                self.scope.select(relation.table, relation.parent, sa.func.count())
                .where(relation.parent.in_(parent_ids), *conditions)
                .group_by(relation.parent)
            )
            counts = dict(await self.scope.all(stmt))
            return [counts.get(p, 0) for p in parent_ids]

        key = ("count", relation.name, condition_key)
        return self._memo(key, lambda: DataLoader(load))


Counter = Callable[[], Awaitable[int]]
