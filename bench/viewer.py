"""The bench asks as a tenant admin of `acme`, the floor reads that same tenant."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.auth import issue_token
from app.db import tables
from app.db.engine import create_engine
from app.enums import Role
from app.settings import Settings

TENANT = "acme"


@dataclass(frozen=True, slots=True)
class BenchViewer:
    tenant_id: int
    token: str

    @property
    def header(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


async def bench_viewer(url: str) -> BenchViewer:
    """A token for the first TENANT_ADMIN of `acme` in the bench database (signed with the
    settings the bench's gateways use)."""
    users, clients = tables.User.__table__, tables.Client.__table__
    query = (
        sa.select(clients.c.id, users.c.id)
        .join(users, users.c.client_id == clients.c.id)
        .where(clients.c.slug == TENANT, users.c.role == Role.TENANT_ADMIN.value)
        .order_by(users.c.id)
        .limit(1)
    )
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tenant_id, user_id = (await conn.execute(query)).one()
    finally:
        await engine.dispose()
    token = issue_token(
        Settings(database_url=url), tenant_id=tenant_id, user_id=user_id, roles={Role.TENANT_ADMIN}
    )
    return BenchViewer(tenant_id, token)
