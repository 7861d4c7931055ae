"""Users observed on a device, as the device-agent inventory reports them (their source of truth).

An edge is the inventory's `DeviceUserRef` (username, user key, last activity, and the enrollment
and last-seen times on this device) with the gateway's user it is, when the gateway knows them.
"""

from datetime import datetime
from typing import Any

import strawberry

from app.upstreams.values import iso
from resolvers.observed import InventoryUserKey, ObservedPage, ObservedRow
from resolvers.paging import Cursors
from schema.connection import PageInfo
from schema.context import Info
from schema.types.user import User


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@strawberry.type(description="When the inventory last saw a user active, anywhere and per channel.")
class ObservedUserActivity:
    at: datetime | None = strawberry.field(description="The latest activity, on any channel.")
    desktop_at: datetime | None = strawberry.field(description="The latest on a desktop agent.")
    web_at: datetime | None = strawberry.field(description="The latest on the web.")

    @classmethod
    def from_record(cls, record: Any) -> "ObservedUserActivity | None":
        if not isinstance(record, dict):
            return None
        return cls(
            at=iso(record.get("at")),
            desktop_at=iso(record.get("desktop_at")),
            web_at=iso(record.get("web_at")),
        )


@strawberry.type(
    description="A user the device agent observed on a device, as the inventory reports them."
)
class ObservedUserEdge:
    inventory_user_id: str = strawberry.field(description="The inventory's id of the user.")
    username: str | None = strawberry.field(description="The user's username in the inventory.")
    user_key: str | None = strawberry.field(
        description="The inventory's key of the user (what its search matches, with `username`)."
    )
    enrolled_at: datetime | None = strawberry.field(
        description="When the user was first observed on this device."
    )
    last_seen_at: datetime | None = strawberry.field(
        description="When the agent last saw the user on this device."
    )
    last_activity: ObservedUserActivity | None = strawberry.field(
        description="The user's latest activity, on any device."
    )
    client_id: strawberry.Private[int]
    row: strawberry.Private[ObservedRow]
    ordering: strawberry.Private[Cursors]

    @strawberry.field(
        description="The gateway's user the inventory user is; null when the gateway has none."
    )
    async def node(self, info: Info) -> User | None:
        key = InventoryUserKey(self.client_id, self.inventory_user_id)
        return User.from_optional(await info.context.observed.user.load(key))

    @strawberry.field(description="Pass to `after` or `before` to page from this edge.")
    def cursor(self) -> str:
        return self.ordering.cursor(self.row)

    @classmethod
    def of(cls, row: ObservedRow, client_id: int, ordering: Cursors) -> "ObservedUserEdge":
        record = row.record
        return cls(
            inventory_user_id=row.user_id,
            username=_str(record.get("username")),
            user_key=_str(record.get("user_key")),
            enrolled_at=iso(record.get("enrolled_at")),
            last_seen_at=iso(record.get("last_seen_at")),
            last_activity=ObservedUserActivity.from_record(record.get("last_activity")),
            client_id=client_id,
            row=row,
            ordering=ordering,
        )


@strawberry.type(description="A page of the users the device agent observed on a device.")
class ObservedUserConnection:
    edges: list[ObservedUserEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(
        description="How many users the inventory lists for the device (with the search)."
    )

    @strawberry.field(
        description="The gateway's users of this page, without the edge data (null for an "
        "inventory user the gateway does not know)."
    )
    async def nodes(self, info: Info) -> list[User | None]:
        keys = [InventoryUserKey(edge.client_id, edge.inventory_user_id) for edge in self.edges]
        rows = await info.context.observed.user.load_many(keys)
        return [User.from_optional(row) for row in rows]

    @classmethod
    def build(cls, found: ObservedPage, client_id: int) -> "ObservedUserConnection":
        page = found.page
        edges = [ObservedUserEdge.of(row, client_id, page.ordering) for row in page.rows]
        return cls(edges=edges, page_info=PageInfo.of(page), total_count=found.total_count)
