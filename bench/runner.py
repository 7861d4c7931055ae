"""One backend's measurements: in process against the floor, then over HTTP."""

import gc
import sys
import time

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.config import HTTP_CONCURRENCY, HTTP_PAGE_SIZES, PAGE_SIZES, Budget
from bench.datasets import Dataset
from bench.floor import (
    FloorRun,
    FloorSample,
    compare,
    floor_once,
    view_of_floor,
    view_of_gateway,
)
from bench.http import (
    ServerError,
    client_overhead,
    load_level,
    post_request,
    uvicorn_server,
)
from bench.http import warm_up as http_warm_up
from bench.inprocess import (
    GatewayRun,
    GatewaySample,
    gateway,
    gateway_once,
    nested_view_body,
    statements_of,
    transport_overhead,
)
from bench.results import BackendResult, PageResult
from bench.viewer import BenchViewer, bench_viewer


def note(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


async def measure_page(
    client: httpx.AsyncClient, engine: AsyncEngine, size: int, budget: Budget, tenant: int
) -> PageResult:
    """The gateway and the floor at one page size, interleaved request by request (so that
    drift in the machine's speed hits both alike), after a warm-up of both."""
    body = nested_view_body(size)
    deadline = time.perf_counter() + budget.warmup_cap_s
    for _ in range(budget.warmup):
        await gateway_once(client, body)
        await floor_once(engine, size, tenant)
        if time.perf_counter() > deadline:
            break
    gc.collect()
    gateway_samples: list[GatewaySample] = []
    floor_samples: list[FloorSample] = []
    deadline = time.perf_counter() + budget.inprocess_cap_s
    for index in range(budget.runs[size]):
        # Alternate which goes first, so neither always runs right after the other.
        if index % 2:
            floor_samples.append(await floor_once(engine, size, tenant))
            gateway_samples.append(await gateway_once(client, body))
        else:
            gateway_samples.append(await gateway_once(client, body))
            floor_samples.append(await floor_once(engine, size, tenant))
        if time.perf_counter() > deadline:
            break
    labels = await statements_of(client, engine, body)
    run = GatewayRun.of(size, gateway_samples, labels)
    floor = FloorRun.of(size, floor_samples)
    try:
        mismatch = compare(view_of_gateway(run.data), view_of_floor(floor.payload))
    except (KeyError, TypeError) as error:
        mismatch = f"the nested view changed shape ({error!r}): update bench/floor.py"
    return PageResult(run, floor, mismatch)


async def measure_in_process(result: BackendResult, budget: Budget, viewer: BenchViewer) -> None:
    """The nested view at each page size through the ASGI app, and the floor on its engine:
    with the fast path (`result.pages`), then with the reference executor."""
    for fast_path in (True, False):
        executor = "fast path" if fast_path else "reference"
        pages = result.pages if fast_path else result.reference_pages
        async with gateway(result.dataset.url, viewer.header, fast_path=fast_path) as (app, client):
            engine = app.state.engine
            if fast_path:
                result.asgi_overhead_us = await transport_overhead(client, budget.overhead_requests)
            for size in PAGE_SIZES:
                note(f"  [{result.backend}] in process, {executor}, {size} devices/page ...")
                pages.append(await measure_page(client, engine, size, budget, viewer.tenant_id))


async def measure_http(result: BackendResult, budget: Budget, viewer: BenchViewer) -> None:
    """Serve the gateway with uvicorn and load it at each page size and concurrency."""
    note(f"  [{result.backend}] over HTTP: starting uvicorn ...")
    try:
        async with uvicorn_server(result.dataset.url) as (port, _pid):
            result.overhead = await client_overhead(port, budget.overhead_requests)
            for size in HTTP_PAGE_SIZES:
                request = post_request(port, "/graphql", nested_view_body(size), viewer.token)
                await http_warm_up(port, request, budget.warmup, budget.warmup_cap_s)
                for concurrency in HTTP_CONCURRENCY:
                    note(f"  [{result.backend}] over HTTP, {size} devices/page, c{concurrency} ...")
                    result.load.append(
                        await load_level(
                            port,
                            request,
                            size,
                            concurrency,
                            budget.http_requests,
                            budget.http_cap_s,
                        )
                    )
    except (ServerError, OSError) as error:
        result.http_error = f"{type(error).__name__}: {error}"
        note(f"  [{result.backend}] HTTP measurements failed: {result.http_error}")


async def measure_backend(dataset: Dataset, budget: Budget) -> BackendResult:
    result = BackendResult(dataset)
    viewer = await bench_viewer(dataset.url)
    await measure_in_process(result, budget, viewer)
    await measure_http(result, budget, viewer)
    return result
