"""Prometheus metrics (the standard `prometheus_client`), served at `/metrics`.

Every metric is defined here, once per process. With several workers (`WORKERS>1`, or
`METRICS_DIR` set) `python -m app serve` points `PROMETHEUS_MULTIPROC_DIR` at a directory before
any worker imports this module, each worker writes its samples there, and `/metrics` on any
worker aggregates all of them (prometheus_client's multiprocess mode).

Label values are bounded: operation names beyond `MAX_OPERATION_NAMES` per process (or not
GraphQL names) are counted as `other`, so a client cannot grow the series without limit.
"""

import hmac
import ipaddress
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import aiodataloader
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")

# Latency buckets from 5 ms (a small page) to 10 s (the upstream deadline and beyond).
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "gateway_requests",
    "GraphQL HTTP requests by operation name and outcome "
    "(ok, errors: answered with GraphQL errors, refused: 4xx, failed: 5xx).",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "gateway_request_duration_seconds",
    "Time from the request's arrival to its last response byte, by operation name.",
    ["operation"],
    buckets=_SECONDS,
)
ERRORS = Counter("gateway_graphql_errors", "GraphQL errors returned, by code.", ["code"])
IN_FLIGHT = Gauge(
    "gateway_requests_in_flight",
    "HTTP requests being served now (summed over live workers).",
    multiprocess_mode="livesum",
)
UPSTREAM_CALLS = Counter(
    "gateway_upstream_calls",
    "HTTP calls to an upstream, by upstream and HTTP status (or timeout, unreachable).",
    ["upstream", "code"],
)
UPSTREAM_FAILURES = Counter(
    "gateway_upstream_failures",
    "Failed upstream calls by upstream and the gateway's error code (BREAKER_OPEN: refused "
    "without a call while the circuit is open).",
    ["upstream", "code"],
)
UPSTREAM_SECONDS = Histogram(
    "gateway_upstream_call_duration_seconds",
    "Duration of one HTTP call to an upstream.",
    ["upstream"],
    buckets=_SECONDS,
)
BREAKER_OPEN = Gauge(
    "gateway_upstream_breaker_open",
    "1 while an upstream's circuit breaker is open (in any live worker), as of its last call.",
    ["upstream"],
    multiprocess_mode="livemax",
)
LOADER_BATCH = Histogram(
    "gateway_dataloader_batch_size",
    "Keys per DataLoader batch (one SQL statement or upstream read each), by loader.",
    ["loader"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
)
RATE_LIMIT_REFUSALS = Counter(
    "gateway_rate_limit_refusals",
    "Operations refused with RATE_LIMITED because the tenant's budget was spent, by tenant id.",
    ["tenant"],
)
ACTION_RUNS = Counter(
    "gateway_action_runs_recorded",
    "Device action runs recorded, by action and the status they were recorded with.",
    ["action", "status"],
)
ACTION_RUNS_FINISHED = Counter(
    "gateway_action_runs_finished",
    "PENDING device action runs that reached a final status, by that status.",
    ["status"],
)

_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for an operation name: `anonymous`, the name, or `other`."""
    if not name:
        return "anonymous"
    if name in _operations:
        return name
    if len(_operations) >= MAX_OPERATION_NAMES or not _GRAPHQL_NAME.fullmatch(name):
        return "other"
    _operations.add(name)
    return name


def outcome_label(status: int, error_codes: Sequence[str]) -> str:
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "errors" if error_codes else "ok"


def observe_request(
    operation: str | None, status: int, seconds: float, error_codes: Sequence[str]
) -> None:
    """Count one GraphQL request (called once per request by the request middleware)."""
    label = operation_label(operation)
    REQUESTS.labels(label, outcome_label(status, error_codes)).inc()
    REQUEST_SECONDS.labels(label).observe(seconds)
    for code in error_codes:
        ERRORS.labels(code).inc()


def upstream_label(name: str) -> str:
    """`MDM provider` -> `mdm_provider`: a stable, plain label from an upstream's name."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def loader_name(batch: Callable[..., Any]) -> str:
    """Which loader a batch function belongs to: `Class.method`, or a closure's qualified name
    with the table or relation it reads (e.g. `Loaders._by_key:users`)."""
    owner = getattr(batch, "__self__", None)
    if owner is not None:
        return f"{type(owner).__name__}.{getattr(batch, '__name__', '?')}"
    qualname = getattr(batch, "__qualname__", type(batch).__name__)
    name = qualname.replace(".<locals>", "").removesuffix(".load")
    code = getattr(batch, "__code__", None)
    for var, cell in zip(
        code.co_freevars if code else (), getattr(batch, "__closure__", None) or (), strict=False
    ):
        if var in ("table", "relation"):
            value = getattr(cell.cell_contents, "name", None)
            if isinstance(value, str):
                return f"{name}:{value}"
    return name


def instrument_dataloaders() -> None:
    """Observe every DataLoader batch's size, for all loaders at once: aiodataloader dispatches
    each batch through its module-level `dispatch_queue_batch`, which is wrapped here (once)."""
    original = aiodataloader.dispatch_queue_batch
    if getattr(original, "_gateway_metrics", False):
        return

    async def observed(loader: aiodataloader.DataLoader[Any, Any], queue: list[Any]) -> None:
        LOADER_BATCH.labels(loader_name(loader.batch_load_fn)).observe(len(queue))
        await original(loader, queue)

    observed._gateway_metrics = True  # type: ignore[attr-defined]
    aiodataloader.dispatch_queue_batch = observed  # type: ignore[assignment]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> bytes:
    """The text exposition: this process's registry, or every worker's in multiprocess mode."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def forget_this_worker() -> None:
    """At a worker's exit in multiprocess mode: drop its live gauges (in-flight requests,
    breaker state) from the aggregate; its counters stay, as counters should."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_endpoint(token: str | None) -> Callable[[Request], Any]:
    """`GET /metrics`: with `METRICS_TOKEN` set, only for `Authorization: Bearer <token>`;
    without it, only for loopback clients (a scraper beside the process, or a port-forward)."""

    async def metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            expected = f"Bearer {token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return Response(
                    "metrics need the bearer token (METRICS_TOKEN)\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                    media_type="text/plain",
                )
        elif not _is_loopback(request.client.host if request.client else None):
            return Response(
                "metrics are served to loopback clients only (set METRICS_TOKEN)\n",
                status_code=403,
                media_type="text/plain",
            )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
