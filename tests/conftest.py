"""Fixtures: a seeded database on each backend, the ASGI app over it, and a GraphQL client.

Every test that takes `client` runs on SQLite and, when reachable, on PostgreSQL
(`TEST_DATABASE_URL`). With `REQUIRE_POSTGRES=1` (as in CI) an unreachable PostgreSQL fails the
run instead of skipping its half.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.util import find_tables
from starlette.applications import Starlette

from app.auth import token_for_first_user
from app.db import tables
from app.db.migrate import upgrade
from app.enums import Role
from app.main import create_app
from app.seed import seed
from app.settings import Environment, Settings

TEST_DEVICES = 240
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gateway_test"


async def _recreate_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


async def _postgres_reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        conn = await asyncpg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
        )
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def redis_url() -> str:
    """The test Redis (`TEST_REDIS_URL`); skips when it is down, fails under REQUIRE_POSTGRES=1
    (CI, where `.ci/run` starts both services)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    except (OSError, redis.ConnectionError):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis is required but unreachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    finally:
        await client.aclose()
    return url


@dataclass
class Backend:
    name: str
    url: str
    app: Starlette

    @property
    def engine(self) -> AsyncEngine:
        return self.app.state.engine

    async def tenant_id(self, slug: str) -> int:
        clients = tables.Client.__table__
        async with self.engine.connect() as conn:
            query = sa.select(clients.c.id).where(clients.c.slug == slug)
            return (await conn.execute(query)).scalar_one()

    async def token(self, slug: str = "acme", role: Role = Role.TENANT_ADMIN) -> str:
        """A bearer token for the first user of tenant `slug` holding `role`."""
        found = await token_for_first_user(self.engine, self.app.state.settings, slug, role)
        assert found is not None, f"the seed gives {slug} a {role.value}"
        return found[2]


def settings_for(url: str, **overrides: Any) -> Settings:
    # No background mirror refresh: tests that need the mirror refresh it themselves, and the
    # others count upstream calls.
    values: dict[str, Any] = {
        "gateway_env": Environment.TEST,
        "log_level": "WARNING",
        "mirror_refresh_seconds": 0,
        # Only the tests that watch runs finish follow them (else every test's gateway would
        # re-read the devices of runs earlier tests left PENDING, and count those reads).
        "action_follower": False,
    }
    return Settings(database_url=url, **(values | overrides))


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gateway")


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_root: Path) -> AsyncIterator[Backend]:
    """A migrated database seeded with the deterministic demo data, and the app over it."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_root / 'test.sqlite3'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
        if not await _postgres_reachable(url):
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail(f"PostgreSQL is required but unreachable at {url}")
            pytest.skip("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
        await _recreate_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
    app = create_app(settings_for(url))
    await seed(app.state.engine, TEST_DEVICES)
    yield Backend(request.param, url, app)
    await app.state.engine.dispose()


@dataclass
class GraphQLClient:
    """Sends GraphQL as a client would, with the bearer token of one tenant's user."""

    http: httpx.AsyncClient
    backend: Backend
    token: str | None = None
    tenant: str = "acme"

    async def tenant_id(self) -> int:
        """The database id of the tenant this client's token belongs to."""
        return await self.backend.tenant_id(self.tenant)

    async def rows(self, query: sa.Select[Any]) -> list[Any]:
        """What plain SQL finds, restricted to this client's tenant (the expectation of a test)."""
        tenant = await self.tenant_id()
        for source in query.get_final_froms():
            for table in find_tables(source, include_joins=True):
                if isinstance(table, sa.Table) and "client_id" in table.c:
                    query = query.where(table.c.client_id == tenant)
        async with self.backend.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def scalars(self, query: sa.Select[Any]) -> list[Any]:
        return [row[0] for row in await self.rows(query)]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, stats: bool = False
    ) -> dict[str, Any]:
        headers = {**self.auth, **({"X-Gateway-Stats": "1"} if stats else {})}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single error of a response that must fail."""
        body = await self.post(query, variables)
        assert len(body.get("errors", [])) == 1, body
        return body["errors"][0]


@pytest.fixture
async def client(backend: Backend) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=backend.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        yield GraphQLClient(http, backend, await backend.token())


@dataclass
class Simulators:
    """Both upstream simulators, served by uvicorn on a loopback port for the whole session."""

    base_url: str
    http: httpx.AsyncClient

    @property
    def mdm_url(self) -> str:
        return f"{self.base_url}/mdm"

    @property
    def inventory_url(self) -> str:
        return f"{self.base_url}/inventory/v2"

    async def fault(self, upstream: str, mode: str, **options: Any) -> None:
        response = await self.http.put(f"/{upstream}/_sim/faults", json={"mode": mode, **options})
        assert response.status_code == 200, response.text

    async def requests(self, upstream: str) -> int:
        return (await self.http.get(f"/{upstream}/_sim/stats")).json()["requests"]

    async def reset(self) -> None:
        for upstream in ("mdm", "inventory"):
            assert (await self.http.post(f"/{upstream}/_sim/reset")).status_code == 200


@pytest.fixture(scope="session")
async def simulators() -> AsyncIterator[Simulators]:
    from app.simulators.serve import running_simulators

    async with (
        running_simulators(TEST_DEVICES) as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        yield Simulators(base_url, http)


# Short enough that every fault test finishes in about a second.
UPSTREAM_TEST_SETTINGS = {
    "upstream_timeout_seconds": 0.4,
    "upstream_deadline_seconds": 1.5,
    "upstream_retries": 2,
    "breaker_failures": 50,
    "breaker_recovery_seconds": 5.0,
}


@asynccontextmanager
async def gateway(
    backend: Backend, slug: str = "acme", **settings: Any
) -> AsyncIterator[GraphQLClient]:
    """A gateway of its own (started like a server: lifespan, fresh caches and limiters) over the
    seeded database, with `settings` changed, and a client holding a token of tenant `slug`."""
    app = create_app(settings_for(backend.url, **settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as http,
    ):
        scoped = Backend(backend.name, backend.url, app)
        yield GraphQLClient(http, scoped, await scoped.token(slug), slug)


@pytest.fixture
async def upstream_client(
    backend: Backend, simulators: Simulators
) -> AsyncIterator[tuple[GraphQLClient, Simulators]]:
    """A gateway (with an empty upstream cache) over the seeded database and the simulators."""
    await simulators.reset()
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        **UPSTREAM_TEST_SETTINGS,
    ) as client:
        yield client, simulators
    await simulators.reset()


@pytest.fixture
async def steady_upstreams(
    backend: Backend, simulators: Simulators
) -> AsyncIterator[tuple[GraphQLClient, Simulators]]:
    """A gateway over the simulators with the default upstream timings: a page of devices reads
    the observed users of each (one inventory call per device), which the fault tests' short
    deadline does not leave room for on a busy machine."""
    await simulators.reset()
    upstreams = {"mdm_base_url": simulators.mdm_url, "inventory_base_url": simulators.inventory_url}
    async with gateway(backend, **upstreams) as client:
        yield client, simulators
    await simulators.reset()
