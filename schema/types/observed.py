"""Users observed on a device: an edge that carries when the user enrolled and was last seen."""

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from resolvers.loaders import Counter
from resolvers.paging import Cursors, Page
from schema.connection import PageInfo
from schema.context import Info
from schema.types.user import User


@strawberry.type(description="A user observed on a device, with the times the agent saw them.")
class ObservedUserEdge:
    enrolled_at: datetime | None = strawberry.field(description="When the user enrolled.")
    last_seen_at: datetime | None = strawberry.field(description="When the agent last saw them.")
    user_id: strawberry.Private[int]
    row: strawberry.Private[Row[Any]]
    ordering: strawberry.Private[Cursors]

    @strawberry.field(description="The observed user.")
    async def node(self, info: Info) -> User | None:
        return User.from_optional(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="Pass to `after` or `before` to page from this edge.")
    def cursor(self) -> str:
        return self.ordering.cursor(self.row)


@strawberry.type(description="A page of the users observed on a device.")
class ObservedUserConnection:
    edges: list[ObservedUserEdge]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description="The users of this page, without the edge data.")
    async def nodes(self, info: Info) -> list[User | None]:
        rows = await info.context.loaders.user.load_many([edge.user_id for edge in self.edges])
        return [User.from_optional(row) for row in rows]

    @strawberry.field(description="How many users were observed on the device.")
    async def total_count(self) -> int:
        return await self.counter()

    @classmethod
    def build(cls, page: Page, counter: Counter) -> "ObservedUserConnection":
        edges = [
            ObservedUserEdge(
                enrolled_at=row.enrolled_at,
                last_seen_at=row.last_seen_at,
                user_id=row.user_id,
                row=row,
                ordering=page.ordering,
            )
            for row in page.rows
        ]
        return cls(edges=edges, page_info=PageInfo.of(page), counter=counter)
