"""Relay connections: `edges { cursor node }`, `nodes`, `pageInfo` and a lazy `totalCount`."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import strawberry
from sqlalchemy import Row

from resolvers.connections import root_page
from resolvers.context import RequestContext
from resolvers.loaders import ChildRelation, Condition, Counter
from resolvers.paging import Cursors, Ordering, Page, PageArgs
from resolvers.relations import child_page

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page) -> "PageInfo":
        rows = page.rows
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.ordering.cursor(rows[0]) if rows else None,
            end_cursor=page.ordering.cursor(rows[-1]) if rows else None,
        )


@strawberry.type(description="An object in a list, with the cursor that points at it.")
class Edge(Generic[NodeT]):
    node: NodeT
    row: strawberry.Private[Any]
    ordering: strawberry.Private[Cursors]

    @strawberry.field(description="Pass to `after` or `before` to page from this edge.")
    def cursor(self) -> str:
        return self.ordering.cursor(self.row)


@strawberry.type(description="A page of a list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description="The objects of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many objects the whole list holds (all pages).")
    async def total_count(self) -> int:
        return await self.counter()

    @classmethod
    def build(
        cls, page: Page, counter: Counter, make: Callable[[Row[Any]], Any]
    ) -> "Connection[Any]":
        ordering = page.ordering
        edges = [Edge(node=make(row), row=row, ordering=ordering) for row in page.rows]
        return cls(edges=edges, page_info=PageInfo.of(page), counter=counter)


async def root_connection(
    context: RequestContext,
    table: sa.Table,
    conditions: tuple[Condition, ...],
    ordering: Ordering,
    args: PageArgs,
    make: Callable[[Row[Any]], Any],
) -> "Connection[Any]":
    """A page of a root list (`devices`, `users`, `orders`) as a connection."""
    found = await root_page(context.scope, table, conditions, ordering, args, context.settings)
    return Connection.build(found.page, found.count, make)


async def child_connection(
    context: RequestContext,
    relation: ChildRelation,
    parent_id: int,
    ordering: Ordering,
    args: PageArgs,
    make: Callable[[Row[Any]], Any],
) -> "Connection[Any]":
    """A page of a nested list (a device's parcels, a user's devices, ...) as a connection."""
    found = await child_page(context, relation, parent_id, ordering, args)
    return Connection.build(found.page, found.count, make)
