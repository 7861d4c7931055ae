"""The nested device view with upstream fields: calls per request and latency.

Both simulators are served on loopback (real HTTP) by their own process, seeded like the bench
database, and told to add `LATENCIES_MS` per call. The gateway runs in process; the view adds
`configs` (one MDM call per enrolled device: the provider has no batch call for them),
`mdmDetails` and `inventory` (one listing call per tenant). Measured cold (cache off: what a
first request costs) and warm (the per-tenant cache on, after one request).
"""

import asyncio
import os
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import orjson

from app.main import create_app
from app.settings import Environment, Settings
from bench.datasets import Dataset
from bench.viewer import bench_viewer
from tests.queries import NESTED_DEVICE_VIEW

PAGE_SIZE = 100
LATENCIES_MS = (0, 20)
UPSTREAM_FIELDS = """
        mdmDetails { platformType registrationState lastCheckinAt }
        configs(first: 5) { totalCount nodes { name status } }
        inventory { osName agentStatus lastSeenAt hardware { ram } }
"""
UPSTREAM_VIEW = NESTED_DEVICE_VIEW.replace(
    "        parcels(first: 3) {", UPSTREAM_FIELDS + "        parcels(first: 3) {", 1
)
# `identity`: uncompressed, as the floor and the plain endpoint answer (httpx would ask for gzip;
# at GZIP_LEVEL 4 that adds about 1 ms to a 100-device page, 0.2 ms to a 10-device one).
HEADERS = {
    "content-type": "application/json",
    "x-gateway-stats": "1",
    "accept-encoding": "identity",
}


@dataclass(frozen=True, slots=True)
class UpstreamRun:
    latency_ms: int
    cached: bool
    median_ms: float
    upstream_calls: int
    errors: int
    runs: int


def _settings(url: str, base_url: str, cache_ttl: float) -> Settings:
    return Settings(
        database_url=url,
        gateway_env=Environment.DEVELOPMENT,
        log_level="WARNING",
        mdm_base_url=f"{base_url}/mdm",
        inventory_base_url=f"{base_url}/inventory/v2",
        upstream_cache_ttl_seconds=cache_ttl,
        upstream_deadline_seconds=30,
        upstream_timeout_seconds=10,
    )


async def _run(
    dataset: Dataset, base_url: str, latency_ms: int, cached: bool, runs: int
) -> UpstreamRun:
    app = create_app(_settings(dataset.url, base_url, 30.0 if cached else 0.0))
    viewer = await bench_viewer(dataset.url)
    body = orjson.dumps({"query": UPSTREAM_VIEW, "variables": {"first": PAGE_SIZE}})
    elapsed: list[float] = []
    calls: list[int] = []
    errors = 0
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b", headers=viewer.header
        ) as client,
    ):
        await client.post("/graphql", content=body, headers=HEADERS)  # warm-up (fills the cache)
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.post("/graphql", content=body, headers=HEADERS)
            elapsed.append((time.perf_counter() - started) * 1000)
            parsed = orjson.loads(response.content)
            calls.append(parsed["extensions"]["stats"]["upstreamCalls"])
            errors += len(parsed.get("errors", []))
    return UpstreamRun(
        latency_ms, cached, statistics.median(elapsed), max(calls), errors, len(elapsed)
    )


@asynccontextmanager
async def simulators_process(devices: int) -> AsyncIterator[str]:
    """`python -m app simulators` in its own process (so it does not share the bench's GIL),
    on a free loopback port; yields its base URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SIMULATORS_PORT": str(port),
        "SIMULATORS_HOST": "127.0.0.1",
        "SIMULATOR_DEVICES": str(devices),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "simulators", env=env
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as probe_client:
            for _ in range(200):
                try:
                    if (await probe_client.get("/mdm/_sim/stats")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the simulators did not start within 10 s")
        yield base_url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def measure_upstreams(dataset: Dataset, quick: bool) -> list[UpstreamRun]:
    runs = 3 if quick else 10
    found: list[UpstreamRun] = []
    async with (
        simulators_process(dataset.devices) as base_url,
        httpx.AsyncClient(base_url=base_url) as control,
    ):
        for latency in LATENCIES_MS:
            for upstream in ("mdm", "inventory"):
                await control.put(
                    f"/{upstream}/_sim/faults", json={"mode": "none", "latency_ms": latency}
                )
            for cached in (False, True):
                found.append(await _run(dataset, base_url, latency, cached, runs))
    return found


def upstream_report(runs: list[UpstreamRun]) -> str:
    lines = [
        f"Upstreams ({PAGE_SIZE} devices/page, nested view + mdmDetails, configs, inventory; "
        "simulators over loopback HTTP):",
        "",
        "| simulator latency | cache | upstream calls/request | median ms | errors | runs |",
        "|------------------:|-------|-----------------------:|----------:|-------:|-----:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.latency_ms} ms | {'warm' if run.cached else 'off'} | {run.upstream_calls} "
            f"| {run.median_ms:.1f} | {run.errors} | {run.runs} |"
        )
    return "\n".join(lines)


def upstream_figures(runs: list[UpstreamRun]) -> dict[str, float | int]:
    figures: dict[str, float | int] = {}
    for run in runs:
        suffix = f"{'warm' if run.cached else 'cold'}_{run.latency_ms}ms"
        figures[f"upstream_calls_100_{suffix}"] = run.upstream_calls
        figures[f"upstream_median_ms_100_{suffix}"] = round(run.median_ms, 3)
    return figures
