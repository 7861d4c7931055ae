"""The viewer's client organisation, and who the viewer is."""

from datetime import datetime
from typing import ClassVar

import strawberry

from schema.context import Info
from schema.enums import Role
from schema.node import Node
from schema.types.user import User


@strawberry.type(description="A client organisation: the boundary of everything a viewer sees.")
class Tenant(Node):
    loader_name: ClassVar[str] = "client"
    inventory_client_id: strawberry.Private[str | None]
    mdm_partition_id: strawberry.Private[int | None]

    slug: str
    name: str
    currency: str = strawberry.field(description="ISO 4217 currency of the tenant's contracts.")
    created_at: datetime


@strawberry.type(description="Who is asking: the token's user, tenant and roles.")
class ViewerInfo:
    roles: list[Role]
    user_id: strawberry.Private[int]
    tenant_id: strawberry.Private[int]

    @strawberry.field(description="The user the token was issued to.")
    async def user(self, info: Info) -> User | None:
        return User.from_optional(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="The viewer's client organisation.")
    async def tenant(self, info: Info) -> Tenant:
        row = await info.context.loaders.client.load(self.tenant_id)
        assert row is not None, "a token names an existing tenant"
        return Tenant.from_row(row)
