"""The bench's knobs, read from the environment once (see the package docstring)."""

import os
from dataclasses import dataclass

from app.settings import get_settings

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gateway_bench"
PAGE_SIZES = (10, 50, 100)
HTTP_PAGE_SIZES = (100, 10)
HTTP_CONCURRENCY = (1, 16)


@dataclass(frozen=True, slots=True)
class Budget:
    """How many requests each measurement makes, and the time caps that bound them.

    A cap stops a series early (the report shows how many requests were timed); it never fails.
    """

    # Untimed requests before each series (in process and per HTTP page size), and their cap.
    warmup: int
    warmup_cap_s: float
    # Timed in-process requests per page size, each followed or preceded by a floor run, and
    # the cap of the whole series.
    runs: dict[int, int]
    inprocess_cap_s: float
    # Requests per HTTP load level, and its cap (requests in flight at the cap still complete).
    http_requests: int
    http_cap_s: float
    # GET /healthz round trips per client when measuring the clients' own cost.
    overhead_requests: int


FULL = Budget(
    warmup=20,
    warmup_cap_s=2.0,
    runs={10: 200, 50: 100, 100: 60},
    inprocess_cap_s=7.0,
    http_requests=2000,
    http_cap_s=6.0,
    overhead_requests=300,
)
QUICK = Budget(
    warmup=3,
    warmup_cap_s=0.5,
    runs={10: 10, 50: 6, 100: 5},
    inprocess_cap_s=1.5,
    http_requests=40,
    http_cap_s=1.5,
    overhead_requests=50,
)


@dataclass(frozen=True, slots=True)
class BenchConfig:
    sqlite_url: str
    postgres_url: str | None
    devices: int
    quick: bool
    budget: Budget

    @classmethod
    def from_env(cls) -> "BenchConfig":
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        postgres = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL).strip()
        return cls(
            sqlite_url=os.environ.get("BENCH_DATABASE_URL") or get_settings().database_url,
            postgres_url=None if postgres.lower() in ("", "off", "0") else postgres,
            devices=int(os.environ.get("BENCH_DEVICES", "1400")),
            quick=quick,
            budget=QUICK if quick else FULL,
        )
