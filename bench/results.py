"""What one bench run found, per backend (filled by `bench.runner`, printed by `bench.report`)."""

from dataclasses import dataclass, field
from typing import Any

from bench.datasets import Dataset
from bench.floor import FloorRun
from bench.http import ClientOverhead, LoadRun
from bench.inprocess import GatewayRun


@dataclass(frozen=True, slots=True)
class PageResult:
    """The gateway and the floor at one page size."""

    gateway: GatewayRun
    floor: FloorRun
    # None when the floor fetched the same devices, relations and counts as the gateway.
    mismatch: str | None

    @property
    def ratio(self) -> float:
        return self.gateway.latency.median_ms / self.floor.latency.median_ms


@dataclass(slots=True)
class BackendResult:
    dataset: Dataset
    pages: list[PageResult] = field(default_factory=list)
    load: list[LoadRun] = field(default_factory=list)
    overhead: ClientOverhead | None = None
    # The same pages on the reference executor (`FAST_PATH=false`); `pages` are the fast path's.
    reference_pages: list[PageResult] = field(default_factory=list)
    # Mean µs of GET /healthz through httpx's ASGI transport (included in in-process latency).
    asgi_overhead_us: float | None = None
    # How busy the CPUs were (other processes) just before this backend was measured.
    cpu_busy_before_pct: float | None = None
    http_error: str | None = None

    @property
    def backend(self) -> str:
        return self.dataset.backend

    @property
    def statements_constant(self) -> bool:
        """The largest page always issues the same count, and no smaller page issues more.

        A small page may issue fewer: when none of its devices has, say, an observed user, the
        relation's loader has no key and reads nothing.
        """
        by_size = {
            page.gateway.page_size: set(page.gateway.statement_counts) for page in self.pages
        }
        if not by_size:
            return False
        largest = by_size[max(by_size)]
        return len(largest) == 1 and all(max(c) <= min(largest) for c in by_size.values())

    @property
    def floor_matches(self) -> bool:
        return all(page.mismatch is None for page in self.pages)

    def page(self, size: int) -> PageResult | None:
        return next((page for page in self.pages if page.gateway.page_size == size), None)

    def reference_page(self, size: int) -> PageResult | None:
        return next((page for page in self.reference_pages if page.gateway.page_size == size), None)

    def level(self, size: int, concurrency: int) -> LoadRun | None:
        return next(
            (run for run in self.load if run.page_size == size and run.concurrency == concurrency),
            None,
        )


@dataclass(slots=True)
class BenchRun:
    """Everything one `python -m bench` found."""

    quick: bool
    cpus: int
    results: list[BackendResult] = field(default_factory=list)
    # Backends not measured, and why.
    skipped: dict[str, str] = field(default_factory=dict)
    cpu_busy_after_pct: float | None = None
    runtime_s: float = 0.0
    # The nested view with upstream fields (`bench/upstreams.py`), on the first backend.
    upstreams: list[Any] = field(default_factory=list)
    # 1 and 2 workers on PostgreSQL with Redis, and Redis's cost per call (`bench/workers.py`).
    workers: Any = None
    # Issue 8's targets that need servers and simulators (`bench/targets.py`).
    http_targets: Any = None
    upstream_target: Any = None
