"""Nested connections (a device's parcels, a user's devices, ...) read for a whole page at once.

Each parent asks the same per-request loader, so a page of 100 devices costs one windowed
statement per relation, plus one grouped COUNT when `totalCount` is selected.
"""

from collections.abc import Hashable
from dataclasses import dataclass

from resolvers.context import RequestContext
from resolvers.loaders import (
    PARCELS,
    TARGETS,
    ChildRelation,
    Condition,
    Counter,
)
from resolvers.paging import OrderDirection, Ordering, Page, PageArgs, page_request

# A device's parcels, newest first (as the rental API lists them).
PARCEL_ORDERING = Ordering(
    "CREATED_AT", PARCELS.c.created_at, PARCELS.c.id, OrderDirection.DESC, False
)

# A device's action runs, newest first (run ids grow with time).
ACTION_RUN_ORDERING = Ordering("RUN", TARGETS.c.run_id, TARGETS.c.id, OrderDirection.DESC, False)


@dataclass(slots=True)
class ChildPage:
    page: Page
    count: Counter


async def child_page(
    context: RequestContext,
    relation: ChildRelation,
    parent_id: int,
    ordering: Ordering,
    args: PageArgs,
    conditions: tuple[Condition, ...] = (),
    condition_key: Hashable = (),
) -> ChildPage:
    settings = context.settings
    request = page_request(
        args, ordering, default_size=settings.default_page_size, max_size=settings.max_page_size
    )
    loaders = context.loaders
    page = await loaders.page(relation, ordering, request, conditions, condition_key).load(
        parent_id
    )

    async def count() -> int:
        return await loaders.count(relation, conditions, condition_key).load(parent_id)

    return ChildPage(page, count)
