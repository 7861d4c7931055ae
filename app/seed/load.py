"""Load the demo data into a migrated database with bulk Core inserts, batch by batch.

Each batch (about `DEFAULT_BATCH_DEVICES` devices and their orders, characteristics, MDM rows,
parcels and observed users) is one transaction of `executemany` inserts in foreign-key order,
so memory stays flat and a million devices load in minutes on PostgreSQL. The rows carry
their primary keys; on PostgreSQL each id sequence is moved past the largest id afterwards.
"""

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel
from tqdm import tqdm

import app.db.tables  # noqa: F401  (registers the tables on the metadata)
from app.seed.generate import DEFAULT_BATCH_DEVICES, TABLES, Row, generate
from app.seed.tenants import DEFAULT_DEVICES

# Tables whose primary key is a serial `id` (device_characteristics is keyed by device_id).
SEQUENCED_TABLES: tuple[str, ...] = tuple(
    table for table in TABLES if table != "device_characteristics"
)


class DatabaseNotEmptyError(RuntimeError):
    """The seed only loads into a database without clients."""


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """Rows inserted per table, and how long it took."""

    clients: int = 0
    users: int = 0
    addresses: int = 0
    orders: int = 0
    devices: int = 0
    device_characteristics: int = 0
    mdm_enrollments: int = 0
    parcels: int = 0
    device_observed_users: int = 0
    seconds: float = field(default=0.0, compare=False)

    def counts(self) -> dict[str, int]:
        """Rows per table, in insertion order."""
        values = asdict(self)
        return {table: values[table] for table in TABLES}

    @property
    def total_rows(self) -> int:
        return sum(self.counts().values())


def _table(name: str) -> sa.Table:
    return SQLModel.metadata.tables[name]


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def _insert(connection: AsyncConnection, table: str, rows: list[Row]) -> int:
    if rows:
        await connection.execute(sa.insert(_table(table)), rows)
    return len(rows)


async def database_is_empty(engine: AsyncEngine) -> bool:
    """True when the (migrated) database has no client yet."""
    async with engine.connect() as connection:
        result = await connection.execute(sa.select(_table("clients").c.id).limit(1))
        return result.first() is None


async def _reset_sequences(engine: AsyncEngine) -> None:
    """Move each id sequence past the explicit ids the seed inserted (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as connection:
        for table in SEQUENCED_TABLES:
            await connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )


async def seed(
    engine: AsyncEngine,
    devices: int = DEFAULT_DEVICES,
    *,
    progress: bool = False,
    batch_devices: int = DEFAULT_BATCH_DEVICES,
) -> SeedSummary:
    """Insert the demo data set of `devices` devices into an empty, migrated database.

    Raises `DatabaseNotEmptyError` when the database already has clients. With `progress`, a
    tqdm bar on stderr counts the devices inserted.
    """
    data = generate(devices)
    if not await database_is_empty(engine):
        raise DatabaseNotEmptyError("the database already has clients; seed an empty database")
    started = time.perf_counter()
    counts = dict.fromkeys(TABLES, 0)
    with tqdm(total=devices, unit="device", desc="seeding", disable=not progress) as bar:
        for tenant in data.tenants:
            async with engine.begin() as connection:
                counts["clients"] += await _insert(connection, "clients", [tenant.client()])
            for table, rows in (("users", tenant.users()), ("addresses", tenant.addresses())):
                for chunk in _chunks(rows, batch_devices):
                    async with engine.begin() as connection:
                        counts[table] += await _insert(connection, table, chunk)
            for batch in tenant.batches(batch_devices):
                async with engine.begin() as connection:
                    for table, rows in batch.tables():
                        counts[table] += await _insert(connection, table, rows)
                bar.update(len(batch.devices))
    await _reset_sequences(engine)
    return SeedSummary(**counts, seconds=round(time.perf_counter() - started, 3))


async def seed_if_empty(
    engine: AsyncEngine, devices: int = DEFAULT_DEVICES, *, progress: bool = False
) -> bool:
    """Seed when the database has no client yet; True when it seeded."""
    if not await database_is_empty(engine):
        return False
    await seed(engine, devices, progress=progress)
    return True


def summary_lines(summary: SeedSummary) -> list[str]:
    """The summary as aligned `table  rows` lines, for the command line."""
    width = max(len(table) for table in TABLES)
    lines = [f"{table:<{width}}  {count:>10,}" for table, count in summary.counts().items()]
    lines.append(f"{'total':<{width}}  {summary.total_rows:>10,}  in {summary.seconds:.1f} s")
    return lines
