"""The gateway in process: the nested device view through the ASGI app, timed per request.

`httpx.AsyncClient` over `httpx.ASGITransport` runs the whole path (middleware, Starlette,
Strawberry's view, GraphQL execution, SQL, orjson encoding) without sockets; its own cost is a
small constant per request (tens of µs), which counts against the gateway.
"""

import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Environment, Settings
from bench.timing import Latency
from tests.queries import NESTED_DEVICE_VIEW

# `identity`: uncompressed, as the floor and the plain endpoint answer (httpx would ask for gzip;
# at GZIP_LEVEL 4 that adds about 1 ms to a 100-device page, 0.2 ms to a 10-device one).
HEADERS = {
    "content-type": "application/json",
    "x-gateway-stats": "1",
    "accept-encoding": "identity",
}


def nested_view_body(first: int) -> bytes:
    """The POST body of the nested device view for the first page of `first` devices."""
    return orjson.dumps({"query": NESTED_DEVICE_VIEW, "variables": {"first": first}})


def bench_settings(url: str, *, fast_path: bool = True) -> Settings:
    """Development settings (so `X-Gateway-Stats` is honoured), quiet logs; `fast_path` False:
    the reference executor (graphql-core through Strawberry) runs every operation."""
    return Settings(
        database_url=url,
        gateway_env=Environment.DEVELOPMENT,
        log_level="WARNING",
        fast_path=fast_path,
        # No background re-reads of the upstreams (none run beside the in-process bench).
        mirror_refresh_seconds=0,
    )


@asynccontextmanager
async def gateway(
    url: str, headers: dict[str, str], *, fast_path: bool = True
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The ASGI app over `url` (started and stopped as a server would: its lifespan tunes the
    garbage collector and disposes the engine) and a client that calls it without sockets."""
    app = create_app(bench_settings(url, fast_path=fast_path))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://bench.local", headers=headers
        ) as client,
    ):
        yield app, client


class GatewayError(RuntimeError):
    """The gateway answered the bench's query with an error."""


@dataclass(frozen=True, slots=True)
class GatewaySample:
    elapsed_ns: int
    statements: int  # `extensions.stats.sqlStatements`
    body_bytes: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GatewayRun:
    page_size: int
    latency: Latency
    # Distinct `extensions.stats.sqlStatements` values seen over the timed requests.
    statement_counts: frozenset[int]
    body_bytes: int
    data: dict[str, Any]
    # What each statement of one (untimed) request read, in the order they ran.
    statement_labels: tuple[str, ...]

    @property
    def statements(self) -> int:
        return max(self.statement_counts)

    @classmethod
    def of(
        cls, page_size: int, samples: Sequence[GatewaySample], labels: Sequence[str]
    ) -> "GatewayRun":
        last = samples[-1]
        return cls(
            page_size,
            Latency.of([sample.elapsed_ns for sample in samples]),
            frozenset(sample.statements for sample in samples),
            last.body_bytes,
            last.data,
            tuple(labels),
        )


_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


def statement_label(sql: str) -> str:
    """`table`, `table count` or `table page` (a windowed nested page) for a SELECT."""
    match = _FROM.search(sql)
    label = match.group(1) if match else sql.split(None, 1)[0]
    lowered = sql.lower()
    if "row_number()" in lowered:
        return f"{label} page"
    if "count(" in lowered:
        return f"{label} count"
    return label


@contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Collect a label for every statement the engine runs inside the block."""
    labels: list[str] = []

    def record(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        labels.append(statement_label(sql))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield labels
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _parsed(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise GatewayError(f"HTTP {response.status_code}: {response.text[:500]}")
    parsed = orjson.loads(response.content)
    if parsed.get("errors"):
        raise GatewayError(orjson.dumps(parsed["errors"][:3]).decode())
    return parsed


async def gateway_once(client: httpx.AsyncClient, body: bytes) -> GatewaySample:
    """One timed POST of `body` (checked, and parsed after the clock stops)."""
    started = time.perf_counter_ns()
    response = await client.post("/graphql", content=body, headers=HEADERS)
    elapsed = time.perf_counter_ns() - started
    parsed = _parsed(response)
    statements = parsed["extensions"]["stats"]["sqlStatements"]
    return GatewaySample(elapsed, statements, len(response.content), parsed["data"])


async def statements_of(client: httpx.AsyncClient, engine: AsyncEngine, body: bytes) -> list[str]:
    """The labels of the statements one request of `body` runs."""
    with recorded_statements(engine) as labels:
        await gateway_once(client, body)
    return labels


async def transport_overhead(client: httpx.AsyncClient, requests: int) -> float:
    """Mean µs of `GET /healthz` through the ASGI transport: the client's share of a request."""
    for _ in range(10):
        await client.get("/healthz")
    started = time.perf_counter()
    for _ in range(requests):
        (await client.get("/healthz")).raise_for_status()
    return (time.perf_counter() - started) / requests * 1e6
