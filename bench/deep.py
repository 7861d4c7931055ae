"""Issue 8's deep paging target: a keyset page at the middle of a million devices costs what the
first page costs, and `totalCount` is counted only when a query selects it.

The measurement needs a large PostgreSQL database of its own (`BENCH_LARGE_URL`, a million
devices: seeding one takes minutes of CPU, too long to do inside `make bench`), so it runs only
when that database is there; otherwise the bench prints how to create it:

    nice -n 19 .venv/bin/python -m bench.deep --prepare   # create, migrate, seed 1,000,000
    .venv/bin/python -m bench.deep                        # measure just this part

Through the gateway in process (the fast path, as a TENANT_ADMIN of `acme`, the tenant holding
most devices), the same 100-device page query is timed on the first page (`after: null`) and on
the page after the row at the middle of the tenant's list. That row is found with one SQL query
(`OFFSET n/2` in the very order the gateway pages by) and its cursor encoded with the gateway's
own `Ordering`: paging there through the API would take thousands of requests. Both pages are
checked against SQL (the same rows, in the same order) before they are timed.
"""

import argparse
import asyncio
import gc
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import httpx
import orjson
import sqlalchemy as sa
import uvloop
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.enums import DeviceClientStatus
from bench.datasets import postgres_unreachable
from bench.inprocess import GatewayError, gateway, gateway_once, statements_of
from bench.machine import sample_cpu
from bench.report import BUSY_WARNING_PCT, table
from bench.timing import Latency
from bench.viewer import TENANT, bench_viewer
from resolvers.devices import DeviceOrderField, device_ordering
from resolvers.loaders import DEVICES
from resolvers.paging import OrderDirection, Ordering

DEFAULT_LARGE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gateway_bench_large"
# The size; the measurement is left out below it (a smaller list says little of depth).
LARGE_DEVICES = 1_000_000
PAGE_SIZE = 100
TARGET_RATIO = 1.5
TARGET_COUNT_MS = 100.0
# The default ordering (NAME ascending, what `devices` pages by without `orderBy`), then two
# other indexed orderings: a nullable column like NAME, and one that is never NULL.
ORDERINGS = (DeviceOrderField.NAME, DeviceOrderField.SERIAL_NUMBER, DeviceOrderField.CREATED_AT)
# Lines of a plan worth showing when a middle page misses the target.
PLAN_LINES = ("Scan", "Filter", "Rows Removed", "Index Cond", "Execution Time")
# The `totalCount` filter: a status most devices of the seed are in.
COUNT_STATUS = DeviceClientStatus.IN_SERVICE

PAGE_QUERY = """
query DeepPage($after: String, $orderBy: DeviceOrder) {
  devices(first: 100, after: $after, orderBy: $orderBy) {
    edges { cursor node { id name serialNumber } }
    pageInfo { hasNextPage endCursor }
  }
}"""
COUNT_QUERY = """
query DeepCount($filter: DeviceFilter) {
  devices(first: 1, filter: $filter) { totalCount }
}"""
NO_COUNT_QUERY = """
query DeepNoCount($filter: DeviceFilter) {
  devices(first: 1, filter: $filter) { edges { cursor } }
}"""


@dataclass(frozen=True, slots=True)
class Budget:
    warmup: int  # untimed requests of each kind
    runs: int  # timed requests of each kind, interleaved


FULL = Budget(warmup=5, runs=30)
QUICK = Budget(warmup=2, runs=5)


@dataclass(frozen=True, slots=True)
class PagePair:
    """The first page and the middle page of one ordering."""

    ordering: str  # e.g. `NAME:ASC`
    position: int  # the middle page starts after the row at this (0-based) position
    first: Latency
    middle: Latency
    statements: int  # SQL statements of one page request
    # When the middle page missed the target: the key lines of EXPLAIN ANALYZE of its statement.
    plan: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.middle.median_ms / self.first.median_ms


@dataclass(frozen=True, slots=True)
class CountResult:
    """`totalCount` on a filtered list, and the same list without it."""

    filter: str
    total: int
    with_count: Latency
    without_count: Latency
    statements_with: int
    statements_without: int
    labels_without: tuple[str, ...]

    @property
    def lazy(self) -> bool:
        """No COUNT runs unless `totalCount` is selected."""
        counted = any(label.endswith(" count") for label in self.labels_without)
        return not counted and self.statements_with == self.statements_without + 1


@dataclass(frozen=True, slots=True)
class DeepSkipped:
    """Why the measurement did not run, and how to make it run."""

    reason: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class DeepPaging:
    url: str
    devices: int  # in every tenant
    tenant_devices: int
    pages: tuple[PagePair, ...]  # the default ordering first
    count: CountResult
    vacuumed: bool  # this run vacuumed the freshly seeded database first
    cpu_busy_pct: float | None  # the CPUs' share busy with other work just before
    seconds: float


def large_url() -> str | None:
    """`BENCH_LARGE_URL` (`off`: skip the measurement)."""
    url = os.environ.get("BENCH_LARGE_URL", DEFAULT_LARGE_URL).strip()
    return None if url.lower() in ("", "off", "0") else url


def _display(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def how_to_create(url: str) -> str:
    env = "" if url == DEFAULT_LARGE_URL else f"BENCH_LARGE_URL={_display(url)} "
    return (
        f"Create it with `{env}nice -n 19 .venv/bin/python -m bench.deep --prepare` "
        f"(creates, migrates and seeds {LARGE_DEVICES:,} devices into an empty database; about "
        "8 minutes on 2 cores)."
    )


async def _connect(url: str, database: str | None = None) -> asyncpg.Connection:
    """A plain asyncpg connection to `url`'s server (to `database`, default the URL's)."""
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=database or parsed.database,
        timeout=5,
    )


async def _database_exists(url: str) -> str | None:
    """Why the large database cannot be measured (None: it exists). Never creates it."""
    name = make_url(url).database
    try:
        admin = await _connect(url, "postgres")
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        return f"PostgreSQL unreachable ({type(error).__name__}: {error})"
    try:
        found = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    return None if found else f"no database {name}"


async def vacuum_if_never(url: str) -> bool:
    """`VACUUM (ANALYZE)` the database if its devices table was never vacuumed (True: it was
    now). A bulk load leaves no planner statistics and no visibility map until (auto)vacuum
    runs, and this server may run without autovacuum: without them the plans (and an
    index-only COUNT) are not those of a database in service."""
    conn = await _connect(url)
    try:
        seen = await conn.fetchval(
            "SELECT COALESCE(last_vacuum, last_autovacuum) IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname = 'devices'"
        )
        if seen:
            return False
        await conn.execute("VACUUM (ANALYZE)", timeout=600)
        return True
    finally:
        await conn.close()


async def _devices_per_tenant(url: str) -> dict[int, int]:
    engine = create_engine(url)
    try:
        stmt = sa.select(DEVICES.c.client_id, sa.func.count()).group_by(DEVICES.c.client_id)
        async with engine.connect() as conn:
            return {int(tenant): int(count) for tenant, count in await conn.execute(stmt)}
    finally:
        await engine.dispose()


async def _keyset_rows(
    engine: AsyncEngine, tenant: int, ordering: Ordering, offset: int, limit: int
) -> list[str]:
    """The cursors of the tenant's rows `offset .. offset + limit - 1` in `ordering`: plain SQL
    in the gateway's order (its `ORDER BY`), cursors encoded by the gateway's `Ordering`."""
    stmt = (
        sa.select(ordering.column, ordering.id_column)
        .where(DEVICES.c.client_id == tenant)
        .order_by(*ordering.order_by())
        .offset(offset)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [ordering.cursor(row) for row in await conn.execute(stmt)]


def _body(query: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": query, "variables": variables})


async def _interleaved(
    client: httpx.AsyncClient, bodies: Sequence[bytes], budget: Budget
) -> list[Latency]:
    """Each body timed `budget.runs` times, in turns whose order alternates (so drift in the
    machine's speed hits every body alike), after `budget.warmup` untimed rounds."""
    for _ in range(budget.warmup):
        for body in bodies:
            await gateway_once(client, body)
    gc.collect()
    samples: list[list[int]] = [[] for _ in bodies]
    for run in range(budget.runs):
        order = range(len(bodies)) if run % 2 == 0 else reversed(range(len(bodies)))
        for index in order:
            samples[index].append((await gateway_once(client, bodies[index])).elapsed_ns)
    return [Latency.of(series) for series in samples]


class DeepCheckError(RuntimeError):
    """The gateway's page is not the rows SQL puts at that place in the list."""


async def _checked_page(
    client: httpx.AsyncClient, body: bytes, expected: list[str], what: str
) -> int:
    """Fetch a page, check its cursors against SQL's; its SQL statement count."""
    sample = await gateway_once(client, body)
    page = sample.data["devices"]
    cursors = [edge["cursor"] for edge in page["edges"]]
    if cursors != expected or not page["pageInfo"]["hasNextPage"]:
        raise DeepCheckError(
            f"{what}: the gateway returned {len(cursors)} rows that differ from SQL's "
            f"{len(expected)} (first {cursors[:1]} vs {expected[:1]})"
        )
    return sample.statements


async def _page_pair(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tenant: int,
    size: int,
    field: DeviceOrderField,
    budget: Budget,
) -> PagePair:
    """The first page and the page after the middle row, checked, then timed interleaved."""
    ordering = device_ordering(field, OrderDirection.ASC)
    middle = size // 2
    first_rows = await _keyset_rows(engine, tenant, ordering, 0, PAGE_SIZE)
    middle_rows = await _keyset_rows(engine, tenant, ordering, middle, PAGE_SIZE + 1)
    order_by = None if field is DeviceOrderField.NAME else {"field": field.value}
    first_body = _body(PAGE_QUERY, {"after": None, "orderBy": order_by})
    middle_body = _body(PAGE_QUERY, {"after": middle_rows[0], "orderBy": order_by})
    statements = await _checked_page(client, first_body, first_rows, f"{ordering.tag} first")
    await _checked_page(client, middle_body, middle_rows[1:], f"{ordering.tag} middle")
    first, deep = await _interleaved(client, [first_body, middle_body], budget)
    pair = PagePair(ordering.tag, middle, first, deep, statements)
    if pair.ratio <= TARGET_RATIO:
        return pair
    return replace(pair, plan=await _explained(client, engine, middle_body))


async def _explained(
    client: httpx.AsyncClient, engine: AsyncEngine, body: bytes
) -> tuple[str, ...]:
    """EXPLAIN ANALYZE of the devices statement the gateway runs for `body`, as it ran it (the
    same SQL text and parameters): the plan's key lines."""
    ran: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, sql: str, parameters: Any, *_args: object) -> None:
        if sql.lstrip("( \n").upper().startswith("SELECT") and "FROM devices" in sql:
            ran.append((sql, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await gateway_once(client, body)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    sql, parameters = ran[0]
    async with engine.connect() as conn:
        plan = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE) {sql}", parameters)
        lines = [str(row[0]).strip() for row in plan]
    return tuple(line for line in lines if any(key in line for key in PLAN_LINES))


async def _total_count(
    client: httpx.AsyncClient, engine: AsyncEngine, tenant: int, budget: Budget
) -> CountResult:
    """`totalCount` of the devices in COUNT_STATUS, checked against SQL, timed against the
    same request without it; and which statements the one without it runs."""
    variables = {"filter": {"clientStatus": [COUNT_STATUS.value]}}
    with_body, without_body = _body(COUNT_QUERY, variables), _body(NO_COUNT_QUERY, variables)
    stmt = sa.select(sa.func.count()).where(
        DEVICES.c.client_id == tenant, DEVICES.c.client_status == COUNT_STATUS.value
    )
    async with engine.connect() as conn:
        expected = int((await conn.execute(stmt)).scalar_one())
    counted = await gateway_once(client, with_body)
    total = counted.data["devices"]["totalCount"]
    if total != expected:
        raise DeepCheckError(f"totalCount {total}, SQL counts {expected}")
    uncounted = await gateway_once(client, without_body)
    labels = await statements_of(client, engine, without_body)
    with_count, without_count = await _interleaved(client, [with_body, without_body], budget)
    return CountResult(
        f"clientStatus: [{COUNT_STATUS.value}]",
        total,
        with_count,
        without_count,
        counted.statements,
        uncounted.statements,
        tuple(labels),
    )


async def measure_deep(quick: bool) -> DeepPaging | DeepSkipped:
    """The deep paging figures, or why they were not measured (a note for the report)."""
    url = large_url()
    if url is None:
        return DeepSkipped("turned off (BENCH_LARGE_URL)")
    reason = await _database_exists(url)
    if reason is not None:
        return DeepSkipped(f"{reason} at {_display(url)}", how_to_create(url))
    started = time.perf_counter()
    await asyncio.to_thread(upgrade, url)
    per_tenant = await _devices_per_tenant(url)
    devices = sum(per_tenant.values())
    if devices < LARGE_DEVICES:
        held = f"{_display(url)} holds {devices:,} devices, not {LARGE_DEVICES:,}"
        return DeepSkipped(held, how_to_create(url))
    vacuumed = await vacuum_if_never(url)
    viewer = await bench_viewer(url)
    size = per_tenant[viewer.tenant_id]
    budget = QUICK if quick else FULL
    busy = (await sample_cpu(0.5 if quick else 1.0)).busy_pct
    try:
        async with gateway(url, viewer.header, fast_path=True) as (app, client):
            engine: AsyncEngine = app.state.engine
            pages = tuple(
                [
                    await _page_pair(client, engine, viewer.tenant_id, size, field, budget)
                    for field in ORDERINGS
                ]
            )
            count = await _total_count(client, engine, viewer.tenant_id, budget)
    except (DeepCheckError, GatewayError) as error:
        # Recorded like the bench's other failed checks: printed, not a failed run.
        return DeepSkipped(f"check failed: {error}")
    seconds = time.perf_counter() - started
    return DeepPaging(url, devices, size, pages, count, vacuumed, busy, seconds)


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def deep_report(result: DeepPaging | DeepSkipped) -> str:
    """The deep paging section of the report (a note when it was not measured)."""
    if isinstance(result, DeepSkipped):
        return f"Note: deep paging not measured: {result.reason}. {result.hint}".rstrip()
    default = result.pages[0]
    verdict = "met" if default.ratio <= TARGET_RATIO else "MISSED"
    vacuumed = "; vacuumed first, as it never was" if result.vacuumed else ""
    parts = [
        f"## Deep keyset paging: {_display(result.url)} ({result.devices:,} devices, "
        f"{TENANT} holds {result.tenant_devices:,}; {result.seconds:.0f} s{vacuumed})\n",
    ]
    if (busy := result.cpu_busy_pct) is not None:
        noisy = " (noisy figures)" if busy > BUSY_WARNING_PCT else ""
        parts.append(f"CPUs busy with other work just before: {busy:.0f}%{noisy}\n")
    parts += [
        "In process, fast path, `devices(first: 100, after: $after)`, as a TENANT_ADMIN of "
        f"{TENANT}; each page checked against SQL:\n",
        _pages_table(result.pages),
        f"\nTarget (middle page at most {TARGET_RATIO}x the first, default ordering): "
        f"{verdict} ({default.ratio:.2f}x).",
    ]
    for pair in result.pages:
        if pair.plan:
            parts.append(f"\nEXPLAIN ANALYZE of the {pair.ordering} middle page's statement:")
            parts.extend(f"    {line}" for line in pair.plan)
    parts.append("\n" + _count_line(result.count))
    return "\n".join(parts)


def _pages_table(pages: Sequence[PagePair]) -> str:
    rows = [
        [
            pair.ordering,
            f"first / after row {pair.position:,}",
            f"{_ms(pair.first.median_ms)} / {_ms(pair.middle.median_ms)}",
            f"{_ms(pair.first.p90_ms)} / {_ms(pair.middle.p90_ms)}",
            f"{pair.ratio:.2f}x",
            pair.statements,
            pair.first.count,
        ]
        for pair in pages
    ]
    header = ["ordering", "pages", "p50 ms", "p90 ms", "middle/first", "SQL stmts/req", "runs"]
    return table(header, rows, "llrrrrr")


def _count_line(count: CountResult) -> str:
    verdict = "under" if count.with_count.median_ms < TARGET_COUNT_MS else "OVER"
    lazy = "not run without it (lazy)" if count.lazy else "RUN EVEN WITHOUT IT"
    return (
        f"`totalCount` of {count.total:,} devices ({count.filter}): median "
        f"{_ms(count.with_count.median_ms)} ms ({verdict} {TARGET_COUNT_MS:.0f} ms; the same "
        f"request without it {_ms(count.without_count.median_ms)} ms). Its COUNT is {lazy}: "
        f"{count.statements_with} statements with it, {count.statements_without} without "
        f"({', '.join(count.labels_without)})."
    )


def _round(value: float) -> float:
    return round(value, 3)


def deep_figures(result: DeepPaging | DeepSkipped) -> dict[str, Any]:
    """The `deep_*` keys of the BENCH line (`skipped_deep` with the reason when not measured)."""
    if isinstance(result, DeepSkipped):
        return {"skipped_deep": result.reason}
    default, *others = result.pages
    count = result.count
    figures: dict[str, Any] = {
        "deep_devices": result.devices,
        "deep_tenant_devices": result.tenant_devices,
        "deep_page_ratio": _round(default.ratio),
        "deep_first_ms": _round(default.first.median_ms),
        "deep_middle_ms": _round(default.middle.median_ms),
        "deep_cpu_busy_before_pct": None
        if result.cpu_busy_pct is None
        else round(result.cpu_busy_pct, 1),
    }
    for pair in others:
        name = pair.ordering.split(":")[0].lower()
        figures[f"deep_page_ratio_{name}"] = _round(pair.ratio)
        figures[f"deep_first_ms_{name}"] = _round(pair.first.median_ms)
        figures[f"deep_middle_ms_{name}"] = _round(pair.middle.median_ms)
    figures["deep_total_count"] = count.total
    figures["deep_total_count_ms"] = _round(count.with_count.median_ms)
    figures["deep_no_count_ms"] = _round(count.without_count.median_ms)
    figures["deep_count_lazy"] = count.lazy
    return figures


async def prepare_large(url: str, devices: int) -> None:
    """Create the large database if missing, migrate it, and seed it when empty (with a
    progress bar: a million devices take minutes), then vacuum it."""
    from app.seed import database_is_empty, seed  # Faker and the catalog: only --prepare

    reason = await postgres_unreachable(url)  # creates the database when missing
    if reason is not None:
        raise SystemExit(f"PostgreSQL unreachable at {_display(url)}: {reason}")
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        if not await database_is_empty(engine):
            print(f"{_display(url)} already holds data: not seeding", file=sys.stderr)
            return
        started = time.perf_counter()
        await seed(engine, devices, progress=True)
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    finally:
        await engine.dispose()
    await vacuum_if_never(url)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.deep", description="Issue 8's deep paging measurement alone."
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="create, migrate and seed BENCH_LARGE_URL instead of measuring",
    )
    parser.add_argument("--devices", type=int, default=LARGE_DEVICES, help="with --prepare")
    args = parser.parse_args()
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        if args.prepare:
            runner.run(prepare_large(large_url() or DEFAULT_LARGE_URL, args.devices))
            return
        result = runner.run(measure_deep(quick))
    print(deep_report(result))
    print("DEEP " + orjson.dumps(deep_figures(result)).decode())


if __name__ == "__main__":
    main()
