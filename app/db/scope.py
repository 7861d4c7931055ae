"""Tenant scoping: the one place that restricts reads to the viewer's client organisation.

Every resolver query starts from `TenantScope.select(table)`, so a row of another tenant is
unreachable by construction, whichever id a client sends.
"""

import asyncio
from collections.abc import Callable, Coroutine, Sequence
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
        return await _to_completion(self._read(stmt, lambda result: result.all()))

    async def scalar(self, stmt: sa.Select[Any]) -> Any:
        return await _to_completion(self._read(stmt, lambda result: result.scalar()))

    async def _read(self, stmt: sa.Select[Any], fetch: Callable[[sa.Result[Any]], Any]) -> Any:
        async with self.engine.connect() as conn:
            return fetch(await conn.execute(stmt))


# Reads still running for a caller that was cancelled (kept referenced until they finish).
_finishing: set[asyncio.Task[Any]] = set()


async def _to_completion(read: Coroutine[Any, Any, Any]) -> Any:
    """Run a read in its own task, shielded from the caller's cancellation.

    graphql-core cancels sibling fields when one fails in a non-null position; a read cancelled
    between checking out a connection and closing it would never return the connection to the
    pool. Shielded, the read finishes (and checks the connection in) even when nobody waits.
    """
    task = asyncio.ensure_future(read)
    _finishing.add(task)
    task.add_done_callback(_finishing.discard)
    return await asyncio.shield(task)
