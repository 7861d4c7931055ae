"""Per-request figures (SQL statements, upstream calls, duration), reachable from any layer.

A request sets a fresh `RequestStats` in a context variable; tasks and DataLoader batches
spawned inside that request see the same object, so counters need no plumbing.
"""

from contextvars import ContextVar
from dataclasses import dataclass, field
from time import perf_counter


@dataclass(slots=True)
class RequestStats:
    started: float = field(default_factory=perf_counter)
    sql_statements: int = 0
    upstream_calls: int = 0
    operation_name: str | None = None
    error_codes: list[str] = field(default_factory=list)

    def duration_ms(self) -> float:
        return round((perf_counter() - self.started) * 1000, 3)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "sqlStatements": self.sql_statements,
            "upstreamCalls": self.upstream_calls,
            "durationMs": self.duration_ms(),
        }


_current: ContextVar[RequestStats | None] = ContextVar("request_stats", default=None)


def begin_request() -> RequestStats:
    """Start counting for the current request (and everything it spawns)."""
    stats = RequestStats()
    _current.set(stats)
    return stats


def current() -> RequestStats | None:
    return _current.get()


def count_sql_statement() -> None:
    stats = _current.get()
    if stats is not None:
        stats.sql_statements += 1
