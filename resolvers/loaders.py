"""Per-request DataLoaders: every relation of the graph is read in one statement per page.

Batch functions read through the request's `TenantScope`, so a key of another tenant finds
nothing. Rows come back as SQLAlchemy `Row`s; the schema layer turns them into GraphQL objects.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiodataloader
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


K = TypeVar("K")
V = TypeVar("V")


# Batches dispatched on the loop's next turn, still running.
_dispatching: set[asyncio.Task[None]] = set()


class BatchLoader(DataLoader[K, V]):
    """A DataLoader whose `load_many` queues the keys it does not hold yet together, as one
    batch dispatched by the first caller that awaits.

    aiodataloader's `load_many` is a `gather` of one `load` per key: a queue entry, a callback
    and a gathered future each. The fast path loads a whole page's relation with `load_many`
    (about a thousand keys per 100-device page), so here the missing keys are queued in one go
    and dispatched through aiodataloader's own `dispatch_queue_batch` (its error handling, and
    the batch-size metric that observes it). `load_many` calls made before anyone awaits share
    one batch (a parcel's two addresses, say); should nobody await, the loop's next turn
    dispatches them, as aiodataloader does. The cache is aiodataloader's: a future per key,
    which a concurrent `load` of the same key waits on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._many: list[aiodataloader.Loader] = []

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]:  # type: ignore[override]
        cache = self._cache
        futures = []
        queue = self._many
        for key in keys:
            cache_key = self.get_cache_key(key)
            future = cache.get(cache_key)
            if future is None:
                future = cache[cache_key] = self.loop.create_future()
                if not queue:
                    self.loop.call_soon(self._dispatch_later)
                queue.append(aiodataloader.Loader(key=key, future=future))
            futures.append(future)
        return self._results(futures)

    def _take_queue(self) -> list[aiodataloader.Loader]:
        queue, self._many = self._many, []
        return queue

    def _dispatch_later(self) -> None:
        if self._many:
            task = self.loop.create_task(
                aiodataloader.dispatch_queue_batch(self, self._take_queue())
            )
            _dispatching.add(task)  # referenced until done (the loop keeps only weak ones)
            task.add_done_callback(_dispatching.discard)

    async def _results(self, futures: list[Any]) -> list[V]:
        if self._many:
            await aiodataloader.dispatch_queue_batch(self, self._take_queue())
        try:
            return [future.result() if future.done() else await future for future in futures]
        except BaseException:
            for future in futures:
                if future.done() and not future.cancelled():
                    future.exception()  # retrieved, as `gather` would have
            raise


def clear_loaders(holder: object) -> None:
    """`clear_all()` every DataLoader `holder` keeps as an attribute or in a dict attribute (the
    loader classes of a request: `Loaders`, `UpstreamLoaders`, `ObservedLoaders`)."""
    for value in vars(holder).values():
        for loader in value.values() if isinstance(value, dict) else (value,):
            if isinstance(loader, DataLoader):
                loader.clear_all()


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
        self.mdm_of_device: DataLoader[int, Row | None] = BatchLoader(self._current_enrollments)
        self.action_run = self._by_key(RUNS, RUNS.c.id)
        self.targets_of_run: DataLoader[int, list[Row]] = BatchLoader(self._targets_of_runs)
        self._keyed: dict[Hashable, DataLoader[Any, Any]] = {}

    def _by_key(
        self, table: sa.Table, key: sa.Column[Any], *conditions: Condition
    ) -> "DataLoader[int, Row | None]":
        async def load(keys: Sequence[int]) -> list[Row | None]:
            stmt = self.scope.select(table).where(self.scope.among(key, keys), *conditions)
            found = {row._mapping[key.name]: row for row in await self.scope.all(stmt)}
            return [found.get(k) for k in keys]

        return BatchLoader(load)

    async def _current_enrollments(self, device_ids: Sequence[int]) -> list[Row | None]:
        """The newest exposed enrollment of each device (older ones are history)."""
        stmt = (
            self.scope.select(MDM)
            .where(self.scope.among(MDM.c.device_id, device_ids), exposed_enrollment())
            .order_by(MDM.c.device_id, MDM.c.id.desc())
        )
        current: dict[int, Row] = {}
        for row in await self.scope.all(stmt):
            current.setdefault(row.device_id, row)
        return [current.get(k) for k in device_ids]

    async def _targets_of_runs(self, run_ids: Sequence[int]) -> list[list[Row]]:
        stmt = (
            self.scope.select(TARGETS)
            .where(self.scope.among(TARGETS.c.run_id, run_ids))
            .order_by(TARGETS.c.id)
        )
        grouped: dict[int, list[Row]] = defaultdict(list)
        for row in await self.scope.all(stmt):
            grouped[row.run_id].append(row)
        return [grouped.get(run_id, []) for run_id in run_ids]

    def page(
        self,
        relation: ChildRelation,
        ordering: Ordering,
        request: PageRequest,
        conditions: tuple[Condition, ...] = (),
        condition_key: Hashable = (),
    ) -> "DataLoader[int, Page]":
        """A loader of one page of `relation` per parent, for the given arguments (every parent
        of a page asks: the loader is made by the first)."""
        key = ("page", relation.name, ordering.tag, request, condition_key)
        loader = self._keyed.get(key)
        if loader is not None:
            return loader

        async def load(parent_ids: Sequence[int]) -> list[Page]:
            base = self.scope.select(relation.table).where(
                self.scope.among(relation.parent, parent_ids), *conditions
            )
            grouped: dict[int, list[Row]] = defaultdict(list)
            stmt = windowed(base, relation.table, relation.parent, ordering, request)
            for row in await self.scope.all(stmt):
                grouped[row._mapping[relation.parent.name]].append(row)
            return [make_page(grouped.get(p, []), ordering, request) for p in parent_ids]

        loader = self._keyed[key] = BatchLoader(load)
        return loader

    def count(
        self,
        relation: ChildRelation,
        conditions: tuple[Condition, ...] = (),
        condition_key: Hashable = (),
    ) -> "DataLoader[int, int]":
        """A loader of the number of `relation` rows per parent (a nested `totalCount`)."""
        key = ("count", relation.name, condition_key)
        loader = self._keyed.get(key)
        if loader is not None:
            return loader

        async def load(parent_ids: Sequence[int]) -> list[int]:
            stmt = (
                self.scope.select(relation.table, relation.parent, sa.func.count())
                .where(self.scope.among(relation.parent, parent_ids), *conditions)
                .group_by(relation.parent)
            )
            counts = dict(await self.scope.all(stmt))
            return [counts.get(p, 0) for p in parent_ids]

        loader = self._keyed[key] = BatchLoader(load)
        return loader


Counter = Callable[[], Awaitable[int]]
