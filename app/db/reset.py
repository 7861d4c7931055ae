"""Empty every table of the gateway (for re-seeding a demo or benchmark database)."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import app.db.tables  # noqa: F401  (registers the tables)


async def reset(engine: AsyncEngine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            await conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())
