"""Redis clients, with redis-py imported when the first one is made.

Imported, redis-py costs a worker about 8 MB (its command mixins, and the OpenTelemetry SDK it
loads for its own instrumentation): a served worker started at 104 MB with it, 95 MB without. A
gateway without `REDIS_URL` never connects to Redis, so it does not import it either: every
Redis-backed implementation (broker, rate limiter, persisted queries, read cache, mirror lock)
makes its client here.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis


def connect(url: str) -> "Redis":
    """A client for `url` (connections open at its first command)."""
    from redis.asyncio import Redis

    return Redis.from_url(url)


def redis_error() -> type[Exception]:
    """The base class of redis-py's errors (a connection refused, a timeout, a bad reply)."""
    from redis.exceptions import RedisError

    return RedisError
