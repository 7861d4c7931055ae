"""Users observed on a device: an edge that carries when the user enrolled and was last seen."""

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from resolvers.context import RequestContext
from resolvers.loaders import Counter
from resolvers.paging import Ordering, Page
from schema.connection import PageInfo, cursor_of
from schema.types.user import User


@strawberry.type(description="A user observed on a device, with the times the agent saw them.")
class ObservedUserEdge:
    node: User
    enrolled_at: datetime | None = strawberry.field(
        description="When the user first used the device."
    )
    last_seen_at: datetime | None = strawberry.field(
        description="When the agent last saw the user."
    )
    row: strawberry.Private[Row[Any]]
    ordering: strawberry.Private[Ordering]

    @strawberry.field(description="Pass to `after` or `before` to page from this edge.")
    def cursor(self) -> str:
        return cursor_of(self.ordering, self.row)


@strawberry.type(description="A page of the users observed on a device.")
class ObservedUserConnection:
    edges: list[ObservedUserEdge]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description="The users of this page, without the edge data.")
    def nodes(self) -> list[User]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many users were observed on the device.")
    async def total_count(self) -> int:
        return await self.counter()

    @classmethod
    async def build(
        cls, context: RequestContext, page: Page, counter: Counter
    ) -> "ObservedUserConnection":
        users = await context.loaders.user.load_many([row.user_id for row in page.rows])
        edges = [
            ObservedUserEdge(
                node=User.from_row(user),
                enrolled_at=row.enrolled_at,
                last_seen_at=row.last_seen_at,
                row=row,
                ordering=page.ordering,
            )
            for row, user in zip(page.rows, users, strict=True)
            if user is not None
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), counter=counter)
