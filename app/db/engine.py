"""The async engine: SQLite through aiosqlite by default, PostgreSQL through asyncpg."""

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import stats


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 20, echo: bool = False) -> AsyncEngine:
    """Create the engine, with statement counting for `extensions.stats` and the tests."""
    # JSON columns through orjson: the drivers' default is the standard library's `json`, about
    # 5x slower per value (every device row carries two lists).
    options: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _json_text,
        "json_deserializer": orjson.loads,
    }
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 30}
    else:
        # No pre-ping: it costs a round trip per checkout. A connection the server dropped fails
        # once, is invalidated with its pool, and the next checkout reconnects.
        # No overflow: an overflow connection is closed when it is returned, so each use would
        # connect and prepare every statement anew (16 concurrent 100-device pages: 28 req/s
        # with as many overflow connections as pooled ones, 46 without). Past `pool_size`
        # concurrent reads, a read waits for a connection, which also keeps the CPU-bound
        # work of concurrent requests from interleaving more than the database can feed.
        options |= {"pool_size": pool_size, "max_overflow": 0, "pool_recycle": 1800}
    engine = create_async_engine(url, **options)

    sync_engine = engine.sync_engine
    if is_sqlite(url):

        @event.listens_for(sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        stats.count_sql_statement()

    return engine


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The engine reads run on: the same engine and pool, in autocommit on PostgreSQL (reads
    skip the BEGIN/ROLLBACK round trips). SQLite's driver opens no transaction for a SELECT
    anyway, and switching aiosqlite's isolation level on each checkout and back on each return
    costs two thread hops (about 0.4 ms a statement, measured), so there it is the engine."""
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")
