"""Tenant scoping: the one place that restricts reads to the viewer's client organisation.

Every resolver query starts from `TenantScope.select(table)`, so a row of another tenant is
unreachable by construction, whichever id a client sends.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True, slots=True)
class TenantScope:
    """Reads through the engine, restricted to `tenant_id` (None: every tenant, for operators)."""

    engine: AsyncEngine
    tenant_id: int | None

    def where(self, table: sa.FromClause) -> sa.ColumnElement[bool]:
        if self.tenant_id is None:
            return sa.true()
        # The clients table is the tenant itself; every other table names its tenant.
        tenant = table.c.client_id if "client_id" in table.c else table.c.id
        return tenant == self.tenant_id

    def select(self, table: sa.Table, *columns: Any) -> sa.Select[Any]:
        """`SELECT columns (default: every column) FROM table WHERE <tenant>`."""
        stmt = sa.select(*columns) if columns else sa.select(table)
        if self.tenant_id is not None:
            stmt = stmt.where(self.where(table))
        return stmt.select_from(table) if columns else stmt

    async def all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).all()

    async def scalar(self, stmt: sa.Select[Any]) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()
