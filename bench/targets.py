"""Issue 8's targets that need servers: the gateway over HTTP against a plain asyncpg + orjson
endpoint, its memory after 10,000 requests (and over a soak), and the nested view with upstream
fields against a floor of the same database and upstream fetches.

Over HTTP (PostgreSQL): three servers on loopback, each uvicorn with uvloop and httptools and one
worker: the gateway with the fast path, the gateway with the reference executor, and
`bench/plain.py`. Each is loaded at 1, 16 and 64 concurrent connections with the nested view at
100 devices per page (the same bounded load loop as `bench/http.py`); the ratios are the
gateway's requests per second over the plain endpoint's. Then each gateway serves 10,000 more
requests (10 devices per page, 8 connections) and its RSS is read from `/proc`. `SOAK=1` adds a
soak: the fast path's server under load for `SOAK_SECONDS` (600), its RSS sampled every 30 s.
"""

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.engine import make_url

from app.settings import Environment, Settings
from app.upstreams.client import Deadline
from bench.datasets import Dataset
from bench.floor import floor_once
from bench.http import (
    LoadRun,
    ServerError,
    load_level,
    post_request,
    uvicorn_server,
    warm_up,
)
from bench.inprocess import nested_view_body
from bench.runner import note
from bench.upstreams import simulators_process
from bench.viewer import bench_viewer
from tests.queries import NESTED_DEVICE_VIEW

CONCURRENCY = (1, 16, 64)
RSS_REQUESTS = 10_000
RSS_PAGE = 10
RSS_CONCURRENCY = 8
SOAK_SAMPLE_S = 30.0


def soak_seconds() -> float | None:
    """`SOAK=1` (as `make bench SOAK=1` passes it): how long the soak runs (`SOAK_SECONDS`, 600)."""
    if os.environ.get("SOAK", "") in ("", "0"):
        return None
    return float(os.environ.get("SOAK_SECONDS", "600"))


def rss_mb(pid: int) -> float:
    """The resident set size of process `pid`, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ServerError(f"no VmRSS for process {pid}")


def gateway_server(url: str, *, fast_path: bool) -> Any:
    return uvicorn_server(
        url,
        env={
            "FAST_PATH": "true" if fast_path else "false",
            "MIRROR_REFRESH_SECONDS": "0",  # no upstream runs beside these servers
        },
    )


def plain_server(url: str, tenant: int) -> Any:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return uvicorn_server(
        url,
        app="bench.plain:create_app",
        env={"PLAIN_DATABASE_URL": dsn, "PLAIN_TENANT": str(tenant)},
    )


@dataclass(slots=True)
class HttpTargets:
    """Requests per second of the three servers at each concurrency, and the gateways' RSS."""

    levels: dict[tuple[str, int], LoadRun] = field(default_factory=dict)
    rss_mb: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # before, after, n
    soak: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB), fast path
    soak_requests: tuple[int, int] = (0, 0)  # (answered, errors) over the soak
    error: str | None = None

    def ratio(self, executor: str, concurrency: int) -> float | None:
        ours = self.levels.get((executor, concurrency))
        plain = self.levels.get(("plain", concurrency))
        if ours is None or plain is None or not plain.rps:
            return None
        return ours.rps / plain.rps


async def _rss_after(port: int, pid: int, token: str, requests: int) -> tuple[float, float, int]:
    request = post_request(port, "/graphql", nested_view_body(RSS_PAGE), token)
    before = rss_mb(pid)
    run = await load_level(port, request, RSS_PAGE, RSS_CONCURRENCY, requests, cap_s=3600)
    if run.errors:
        raise ServerError(f"{run.errors} errors while loading {requests} requests")
    return before, rss_mb(pid), run.ok


async def _soak(port: int, pid: int, token: str, seconds: float, found: "HttpTargets") -> None:
    request = post_request(port, "/graphql", nested_view_body(100), token)
    found.soak = [(0.0, rss_mb(pid))]
    answered = errors = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        window = min(SOAK_SAMPLE_S, seconds - elapsed)
        run = await load_level(port, request, 100, 4, 10**9, cap_s=window)
        answered, errors = answered + run.ok, errors + run.errors
        found.soak.append((time.perf_counter() - started, rss_mb(pid)))
    found.soak_requests = (answered, errors)


async def measure_http_targets(
    dataset: Dataset, quick: bool, requests: int, cap_s: float, soak_s: float | None
) -> HttpTargets:
    """The gateway (fast path and reference) and the plain endpoint at 1, 16 and 64 connections,
    then each gateway's RSS after `RSS_REQUESTS` more requests (and a soak when asked)."""
    found = HttpTargets()
    viewer = await bench_viewer(dataset.url)
    body = nested_view_body(100)
    try:
        async with (
            gateway_server(dataset.url, fast_path=True) as (fast_port, fast_pid),
            gateway_server(dataset.url, fast_path=False) as (reference_port, reference_pid),
            plain_server(dataset.url, viewer.tenant_id) as (plain_port, _plain_pid),
        ):
            servers = {
                "fast": post_request(fast_port, "/graphql", body, viewer.token),
                "reference": post_request(reference_port, "/graphql", body, viewer.token),
                "plain": post_request(plain_port, "/view", b'{"first": 100}', viewer.token),
            }
            ports = {"fast": fast_port, "reference": reference_port, "plain": plain_port}
            for name, request in servers.items():
                await warm_up(ports[name], request, 3 if quick else 20, 2.0)
            for concurrency in CONCURRENCY:
                for name, request in servers.items():
                    note(f"  [postgres] HTTP targets: {name}, {concurrency} connections ...")
                    found.levels[(name, concurrency)] = await load_level(
                        ports[name], request, 100, concurrency, requests, cap_s
                    )
            count = 500 if quick else RSS_REQUESTS
            # The reference takes about three times as long per request: a fifth of the count
            # keeps the bench within minutes (its RSS is flat well before that).
            for name, port, pid, requests_for in (
                ("fast", fast_port, fast_pid, count),
                ("reference", reference_port, reference_pid, count // 5),
            ):
                note(f"  [postgres] RSS of the {name} gateway over {requests_for} requests ...")
                found.rss_mb[name] = await _rss_after(port, pid, viewer.token, requests_for)
            if soak_s:
                note(f"  [postgres] soak: the fast path under load for {soak_s:.0f} s ...")
                await _soak(fast_port, fast_pid, viewer.token, soak_s, found)
    except (ServerError, OSError) as error:
        found.error = f"{type(error).__name__}: {error}"
        note(f"  HTTP targets failed: {found.error}")
    return found


# -- upstream fields against a floor of the same database and upstream fetches -----------------

UPSTREAM_FIELDS = """
        configs(first: 5) { totalCount nodes { name status } }
        inventory { osName agentStatus lastSeenAt hardware { ram } }
"""
UPSTREAM_VIEW = NESTED_DEVICE_VIEW.replace(
    "        parcels(first: 3) {", UPSTREAM_FIELDS + "        parcels(first: 3) {", 1
)
assert UPSTREAM_VIEW != NESTED_DEVICE_VIEW


@dataclass(slots=True)
class UpstreamTarget:
    """The nested view + configs + inventory (simulators at zero latency, cache off) against the
    floor plus the same upstream calls (the gateway's own adapters, without GraphQL)."""

    median_ms: dict[str, float] = field(default_factory=dict)  # fast, reference
    floor_ms: float = 0.0
    runs: int = 0
    error: str | None = None

    def ratio(self, executor: str = "fast") -> float | None:
        found = self.median_ms.get(executor)
        return None if found is None or not self.floor_ms else found / self.floor_ms


def _upstream_settings(url: str, base_url: str, fast_path: bool) -> Settings:
    return Settings(
        database_url=url,
        gateway_env=Environment.DEVELOPMENT,
        log_level="WARNING",
        mdm_base_url=f"{base_url}/mdm",
        inventory_base_url=f"{base_url}/inventory/v2",
        upstream_cache_ttl_seconds=0,
        upstream_deadline_seconds=30,
        upstream_timeout_seconds=10,
        mirror_refresh_seconds=0,
        fast_path=fast_path,
    )


async def _upstream_floor(app: Any, settings: Settings, tenant: int) -> float:
    """One floor run: the database floor, then the listing of the tenant's agent devices and
    one configurations call per enrolled device of the page (16 at a time), as the gateway
    makes them, through the gateway's adapters (cache off); everything encoded once."""
    started = time.perf_counter()
    engine = app.state.engine
    sample = await floor_once(engine, 100, tenant)
    upstreams = app.state.upstreams
    deadline = Deadline(settings.upstream_deadline_seconds)
    client = await _tenant_row(engine, tenant)
    ids = [node["databaseId"] for node in sample.payload["devices"]["nodes"]]
    keys = await _upstream_keys(engine, ids)
    gate = asyncio.Semaphore(settings.upstream_concurrency)

    async def configs(mdm_id: int) -> Any:
        async with gate:
            return await upstreams.mdm.configs(tenant, mdm_id, deadline)

    inventory, found = await asyncio.gather(
        upstreams.inventory.client_devices(tenant, client["inventory_client_id"], deadline),
        asyncio.gather(*(configs(mdm) for _device, mdm, _inv in keys if mdm is not None)),
    )
    orjson.dumps({"floor": sample.payload, "inventory": list(inventory.values()), "c": found})
    return (time.perf_counter() - started) * 1000


async def _tenant_row(engine: Any, tenant: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from resolvers.loaders import CLIENTS

    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(CLIENTS).where(CLIENTS.c.id == tenant))).one()
    return dict(row._mapping)


async def _upstream_keys(engine: Any, ids: list[int]) -> list[tuple[int, Any, Any]]:
    import sqlalchemy as sa

    from resolvers.loaders import DEVICES

    stmt = sa.select(DEVICES.c.id, DEVICES.c.mdm_device_id, DEVICES.c.inventory_device_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt.where(DEVICES.c.id.in_(ids)))).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def measure_upstream_target(dataset: Dataset, quick: bool) -> UpstreamTarget:
    from app.main import create_app

    found = UpstreamTarget()
    runs = 3 if quick else 15
    viewer = await bench_viewer(dataset.url)
    body = orjson.dumps({"query": UPSTREAM_VIEW, "variables": {"first": 100}})
    try:
        async with simulators_process(dataset.devices) as base_url:
            for fast_path in (True, False):
                settings = _upstream_settings(dataset.url, base_url, fast_path)
                app = create_app(settings)
                gateway_ms: list[float] = []
                floor_ms: list[float] = []
                async with (
                    app.router.lifespan_context(app),
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app),
                        base_url="http://bench.local",
                        headers=viewer.header,
                    ) as client,
                ):
                    headers = {"content-type": "application/json"}
                    for index in range(runs + 2):
                        started = time.perf_counter()
                        response = await client.post("/graphql", content=body, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                        parsed = orjson.loads(response.content)
                        if parsed.get("errors"):
                            raise ServerError(orjson.dumps(parsed["errors"][:2]).decode())
                        floor = await _upstream_floor(app, settings, viewer.tenant_id)
                        if index >= 2:  # two warm-up rounds
                            gateway_ms.append(elapsed)
                            floor_ms.append(floor)
                executor = "fast" if fast_path else "reference"
                found.median_ms[executor] = statistics.median(gateway_ms)
                if fast_path:
                    found.floor_ms = statistics.median(floor_ms)
                    found.runs = len(gateway_ms)
    except (ServerError, OSError, RuntimeError) as error:
        found.error = f"{type(error).__name__}: {error}"
        note(f"  upstream target failed: {found.error}")
    return found


# -- report and figures -------------------------------------------------------------------------


def targets_report(http: HttpTargets | None, upstream: UpstreamTarget | None) -> str:
    parts = []
    if http is not None:
        parts.append(
            "## Issue 8's HTTP targets (postgres, uvicorn + uvloop + httptools, 1 worker each, "
            "nested view at 100 devices/page)\n"
        )
        if http.error:
            parts.append(f"Not measured: {http.error}")
        else:
            rows = []
            for concurrency in CONCURRENCY:
                for name in ("plain", "fast", "reference"):
                    run = http.levels.get((name, concurrency))
                    if run is None:
                        continue
                    ratio = http.ratio(name, concurrency) if name != "plain" else None
                    rows.append(
                        f"| {concurrency} | {name} | {run.ok} | {run.errors} | {run.rps:.1f} | "
                        f"{run.latency.median_ms:.1f} | {run.latency.p99_ms:.1f} | "
                        f"{run.latency.p99_ms / run.latency.median_ms if run.ok else 0:.2f} | "
                        f"{'' if ratio is None else f'{ratio:.2f}x'} |"
                    )
            parts.append(
                "| connections | server | ok | errors | req/s | p50 ms | p99 ms | p99/p50 | "
                "req/s vs plain |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
                + "\n".join(rows)
            )
            for name, (before, after, count) in http.rss_mb.items():
                parts.append(
                    f"\nRSS of the {name} gateway: {before:.0f} MB before, {after:.0f} MB after "
                    f"{count} more requests ({RSS_PAGE} devices/page, {RSS_CONCURRENCY} "
                    "connections)."
                )
            if http.soak:
                samples = ", ".join(f"{mb:.0f}" for _s, mb in http.soak)
                answered, errors = http.soak_requests
                parts.append(
                    f"\nSoak (fast path, 100 devices/page, 4 connections), RSS MB every "
                    f"{SOAK_SAMPLE_S:.0f} s: {samples} ({answered} requests, {errors} errors)."
                )
    if upstream is not None:
        parts.append(
            "\n## Upstream fields (nested view + configs + inventory, 100 devices/page, "
            "simulators at 0 ms, upstream cache off)\n"
        )
        if upstream.error:
            parts.append(f"Not measured: {upstream.error}")
        else:
            floor = upstream.floor_ms
            parts.append(
                f"Floor (database floor + the same upstream calls through the adapters): "
                f"{floor:.1f} ms. Fast path {upstream.median_ms.get('fast', 0):.1f} ms "
                f"({upstream.ratio('fast') or 0:.1f}x), reference "
                f"{upstream.median_ms.get('reference', 0):.1f} ms "
                f"({upstream.ratio('reference') or 0:.1f}x), {upstream.runs} runs each."
            )
    return "\n".join(parts)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def targets_figures(http: HttpTargets | None, upstream: UpstreamTarget | None) -> dict[str, Any]:
    """The issue's keys (the fast path's figures) plus the reference's, prefixed."""
    figures: dict[str, Any] = {}
    if http is not None and not http.error:
        for concurrency in CONCURRENCY:
            for executor, prefix in (("fast", ""), ("reference", "reference_")):
                figures[f"{prefix}http_ratio_c{concurrency}"] = _r(
                    http.ratio(executor, concurrency)
                )
                run = http.levels.get((executor, concurrency))
                if run is not None and run.ok:
                    figures[f"{prefix}http_rps_vs_plain_c{concurrency}"] = _r(run.rps)
                    figures[f"{prefix}p99_p50_c{concurrency}"] = _r(
                        run.latency.p99_ms / run.latency.median_ms
                    )
                    figures[f"{prefix}http_errors_c{concurrency}"] = run.errors
            plain = http.levels.get(("plain", concurrency))
            if plain is not None:
                figures[f"plain_http_rps_c{concurrency}"] = _r(plain.rps)
        for executor, prefix in (("fast", ""), ("reference", "reference_")):
            if executor in http.rss_mb:
                figures[f"{prefix}rss_mb_10k"] = _r(http.rss_mb[executor][1])
                figures[f"{prefix}rss_requests"] = http.rss_mb[executor][2]
        if http.soak:
            first_minute = max(mb for seconds, mb in http.soak if seconds <= 60)
            figures["soak_seconds"] = round(http.soak[-1][0])
            figures["soak_rss_mb_start"] = _r(http.soak[0][1])
            figures["soak_rss_mb_end"] = _r(http.soak[-1][1])
            figures["soak_rss_growth_mb"] = _r(http.soak[-1][1] - first_minute)
            figures["soak_requests"], figures["soak_errors"] = http.soak_requests
    if upstream is not None and not upstream.error:
        figures["ratio_100_upstreams"] = _r(upstream.ratio("fast"))
        figures["reference_ratio_100_upstreams"] = _r(upstream.ratio("reference"))
        figures["upstreams_floor_ms_100"] = _r(upstream.floor_ms)
        figures["upstreams_median_ms_100"] = _r(upstream.median_ms.get("fast"))
        figures["reference_upstreams_median_ms_100"] = _r(upstream.median_ms.get("reference"))
    return figures
