"""Scaling with worker processes, and what Redis costs per request.

1. **Workers.** `python -m app serve` (as `make run` and the container serve it) with `WORKERS=1`
   then `WORKERS=2`, on PostgreSQL with `REDIS_URL` set (so the rate limiter takes from Redis on
   every request, as a multi-worker deployment does), loaded with the nested view at 100 devices
   per page from `WORKER_CONCURRENCY` keep-alive connections. The ratio of the two is the scaling;
   the target is at least 1.7x on two cores. The load client and PostgreSQL share those cores.
2. **Redis per request.** Sequential calls on loopback: a rate-limit take (what every query
   does once) with `RedisRateLimiter` against `MemoryRateLimiter`, and a broker publish (what every
   action run change does) with `RedisBroker` against `MemoryBroker`, plus the delivery time of a
   published event to a subscriber through Redis.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as redis

from app.broker import MemoryBroker, RedisBroker
from app.ratelimit import MemoryRateLimiter, RedisRateLimiter
from app.settings import PROJECT_ROOT
from bench.http import (
    UNLIMITED,
    ServerError,
    _wait_ready,
    free_port,
    load_level,
    post_request,
    warm_up,
)
from bench.inprocess import nested_view_body
from bench.machine import sample_cpu
from bench.timing import percentile

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
WORKER_COUNTS = (1, 2)
WORKER_CONCURRENCY = 8
WORKER_PAGE = 100
TARGET_SCALING = 1.7


@dataclass(slots=True)
class WorkerRun:
    workers: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(slots=True)
class RedisCost:
    """Median and p99 of one call, in microseconds."""

    name: str
    median_us: float
    p99_us: float


@dataclass(slots=True)
class WorkersResult:
    redis_url: str
    runs: list[WorkerRun] = field(default_factory=list)
    costs: list[RedisCost] = field(default_factory=list)
    error: str | None = None
    # How busy the CPUs were with other work just before the worker runs (None: unknown).
    cpu_busy_pct: float | None = None

    @property
    def scaling(self) -> float | None:
        by_count = {run.workers: run.rps for run in self.runs}
        if by_count.get(1) and 2 in by_count:
            return by_count[2] / by_count[1]
        return None


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL


async def redis_unreachable(url: str) -> str | None:
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    except (OSError, redis.ConnectionError) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await client.aclose()
    return None


@asynccontextmanager
async def served(database_url: str, workers: int, redis: str) -> AsyncIterator[int]:
    """`python -m app serve` with `workers` processes on a free port; yields the port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as metrics_dir, tempfile.TemporaryFile() as log:
        env = os.environ | {
            "PYTHONPATH": str(PROJECT_ROOT),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis,
            "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
            "WORKERS": str(workers),
            "METRICS_DIR": metrics_dir,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SIMULATORS": "false",
            "MIRROR_REFRESH_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            **UNLIMITED,  # the Redis bucket is still taken from on every query
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", "serve",
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            await _wait_ready(process, port)
            yield port
        except BaseException:
            log.seek(0)
            print(log.read()[-3000:].decode(errors="replace"), file=sys.stderr)
            raise
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 40)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def measure_worker_scaling(
    database_url: str, token: str, result: WorkersResult, requests: int, cap_s: float
) -> None:
    body = nested_view_body(WORKER_PAGE)
    for workers in WORKER_COUNTS:
        async with served(database_url, workers, result.redis_url) as port:
            request = post_request(port, "/graphql", body, token)
            # Warm every worker: a few concurrent requests land on each.
            await asyncio.gather(*(warm_up(port, request, 5, 5.0) for _ in range(workers * 2)))
            run = await load_level(port, request, WORKER_PAGE, WORKER_CONCURRENCY, requests, cap_s)
            result.runs.append(
                WorkerRun(workers, run.rps, run.latency.median_ms, run.latency.p99_ms, run.errors)
            )


async def _timed(call: Callable[[], Awaitable[Any]], count: int) -> tuple[float, float]:
    samples: list[float] = []
    for _ in range(count):
        started = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return percentile(samples, 50), percentile(samples, 99)


async def measure_redis_costs(result: WorkersResult, count: int) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    limiters = {
        "ratelimit_take_redis": RedisRateLimiter(result.redis_url, 10**9, 10**9, prefix),
        "ratelimit_take_memory": MemoryRateLimiter(10**9, 10**9),
    }
    for name, limiter in limiters.items():
        try:
            await limiter.take(1, 1)
            median, p99 = await _timed(lambda limiter=limiter: limiter.take(1, 2000), count)
        finally:
            await limiter.aclose()
        result.costs.append(RedisCost(name, median, p99))
    message = {"runId": 1, "status": "PENDING"}
    brokers = {
        "broker_publish_redis": RedisBroker(result.redis_url, prefix),
        "broker_publish_memory": MemoryBroker(),
    }
    for name, broker in brokers.items():
        try:
            median, p99 = await _timed(
                lambda broker=broker: broker.publish("bench:topic", message), count
            )
        finally:
            await broker.aclose()
        result.costs.append(RedisCost(name, median, p99))
    # Publish to delivery through Redis (another worker's subscriber sees it this much later).
    broker = RedisBroker(result.redis_url, prefix)
    try:
        async with broker.subscribe("bench:delivery") as queue:

            async def round_trip() -> None:
                await broker.publish("bench:delivery", message)
                await asyncio.wait_for(queue.get(), 5)

            median, p99 = await _timed(round_trip, count)
    finally:
        await broker.aclose()
    result.costs.append(RedisCost("broker_delivery_redis", median, p99))


async def measure_workers(database_url: str, token: str, quick: bool) -> WorkersResult:
    result = WorkersResult(redis_url())
    reason = await redis_unreachable(result.redis_url)
    if reason is not None:
        result.error = f"Redis unreachable at {result.redis_url} ({reason})"
        return result
    await measure_redis_costs(result, 50 if quick else 1000)
    result.cpu_busy_pct = (await sample_cpu(0.5 if quick else 1.0)).busy_pct
    try:
        await measure_worker_scaling(
            database_url, token, result, 30 if quick else 2000, 2.0 if quick else 10.0
        )
    except (ServerError, OSError) as error:
        result.error = f"{type(error).__name__}: {error}"
    return result


def workers_report(result: WorkersResult) -> str:
    lines = ["## Workers and Redis (PostgreSQL, REDIS_URL set)\n"]
    if result.runs:
        lines += [
            f"Nested view, {WORKER_PAGE} devices/page, {WORKER_CONCURRENCY} connections, "
            "`python -m app serve`:\n",
            "| workers | req/s | p50 ms | p99 ms | errors |",
            "|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r.workers} | {r.rps:.1f} | {r.p50_ms:.0f} | {r.p99_ms:.0f} | {r.errors} |"
            for r in result.runs
        ]
        scaling = result.scaling
        if scaling is not None:
            verdict = "met" if scaling >= TARGET_SCALING else "missed"
            lines.append(
                f"\n2 workers / 1 worker: {scaling:.2f}x (target {TARGET_SCALING}x: {verdict})."
            )
        if result.cpu_busy_pct is not None:
            lines.append(f"CPUs busy with other work before the runs: {result.cpu_busy_pct:.0f}%.")
    if result.costs:
        lines += ["", "| one call, loopback | median µs | p99 µs |", "|---|---:|---:|"]
        lines += [f"| {c.name} | {c.median_us:.0f} | {c.p99_us:.0f} |" for c in result.costs]
    if result.error:
        lines.append(f"\nSkipped or failed: {result.error}")
    return "\n".join(lines)


def workers_figures(result: WorkersResult | None) -> dict[str, float | int]:
    if result is None:
        return {}
    figures: dict[str, float | int] = {}
    for run in result.runs:
        figures[f"workers_rps_{run.workers}_postgres"] = round(run.rps, 2)
        figures[f"workers_p99_ms_{run.workers}_postgres"] = round(run.p99_ms, 1)
    if result.scaling is not None:
        figures["workers_scaling_postgres"] = round(result.scaling, 3)
    if result.cpu_busy_pct is not None:
        figures["workers_cpu_busy_pct"] = round(result.cpu_busy_pct, 1)
    for cost in result.costs:
        figures[f"{cost.name}_us"] = round(cost.median_us, 1)
    return figures
