"""The databases the bench measures: migrated, seeded once, then reused run after run."""

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.db.engine import create_engine
from app.db.migrate import upgrade
from resolvers.loaders import DEVICES


@dataclass(frozen=True, slots=True)
class Dataset:
    """A ready database: its backend label, URL, size, and whether this run had to seed it."""

    backend: str
    url: str
    devices: int
    seeded_seconds: float | None

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def backend_label(url: str) -> str:
    """`sqlite` or `postgres` (the suffix of the BENCH keys)."""
    name = make_url(url).get_backend_name()
    return "postgres" if name == "postgresql" else name


async def prepare(url: str, devices: int, backend: str) -> Dataset:
    """Migrate the database, seed `devices` devices if it is empty, and count what it holds."""
    from app.seed import database_is_empty, seed

    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        seeded: float | None = None
        if await database_is_empty(engine):
            started = time.perf_counter()
            await seed(engine, devices)
            seeded = time.perf_counter() - started
        async with engine.connect() as conn:
            count = (await conn.execute(sa.select(sa.func.count()).select_from(DEVICES))).scalar()
    finally:
        await engine.dispose()
    return Dataset(backend, url, int(count or 0), seeded)


async def postgres_unreachable(url: str) -> str | None:
    """Why the PostgreSQL server behind `url` cannot be used (None: it can).

    Connects to the `postgres` maintenance database and creates the bench database if missing.
    """
    parsed = make_url(url)
    try:
        admin = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database="postgres",
            timeout=5,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        return f"{type(error).__name__}: {error}".strip()
    try:
        name = parsed.database
        if not name:
            return "the URL names no database"
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            quoted = '"' + name.replace('"', '""') + '"'
            await admin.execute(f"CREATE DATABASE {quoted}")
    except asyncpg.PostgresError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await admin.close()
    return None
