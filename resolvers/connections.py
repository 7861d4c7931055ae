"""Root connections: one keyset statement per page, and a COUNT only when `totalCount` is asked."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.db.scope import TenantScope
from app.settings import Settings
from resolvers.loaders import Condition, Counter
from resolvers.paging import Ordering, Page, PageArgs, apply_page, make_page, page_request


@dataclass(slots=True)
class RootPage:
    page: Page
    count: Counter


async def root_page(
    scope: TenantScope,
    table: sa.Table,
    conditions: Sequence[Condition],
    ordering: Ordering,
    args: PageArgs,
    settings: Settings,
) -> RootPage:
    request = page_request(
        args, ordering, default_size=settings.default_page_size, max_size=settings.max_page_size
    )
    filtered = scope.select(table).where(*conditions)
    rows = list(await scope.all(apply_page(filtered, ordering, request)))

    async def count() -> int:
        stmt: sa.Select[Any] = scope.select(table, sa.func.count()).where(*conditions)
        return int(await scope.scalar(stmt))

    return RootPage(make_page(rows, ordering, request), count)
