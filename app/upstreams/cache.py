"""A short-lived, bounded cache of upstream reads, keyed by tenant, that also merges concurrent
identical reads into one call. Failures are never cached.

Two implementations behind one interface: `MemoryReadCache` (one process) and `RedisReadCache`
(every worker shares the reads, and an action's invalidation reaches all of them), picked by
`create_read_cache` whenever `REDIS_URL` is set. Keys are tuples that start with the upstream's
namespace and the tenant id, `("mdm", 3, ...)`, so a tenant's reads can be dropped together.
Values go to Redis as JSON through a `Codec` (a listing keyed by id is stored as its list).
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from cachetools import TTLCache

from app.redis_client import connect, redis_error

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("gateway.upstream")


@dataclass(frozen=True, slots=True)
class Codec:
    """How a cached value is written as JSON and read back."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


IDENTITY = Codec(lambda value: value, lambda value: value)


class ReadCache(Protocol):
    async def get_or_load(
        self, key: tuple[Hashable, ...], load: Callable[[], Awaitable[Any]], codec: Codec = ...
    ) -> Any:
        """The cached value for `key` (the tenant must be part of it), else `load()` once."""
        ...

    async def forget_tenant(self, namespace: str, tenant_id: int) -> None:
        """Drop the tenant's cached reads of one upstream (an action changed what they said)."""
        ...

    async def aclose(self) -> None: ...


class _Inflight:
    """Concurrent identical reads in this process share one call."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    async def once(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await load()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._pending[key]


class MemoryReadCache:
    def __init__(self, maxsize: int, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._values: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self._inflight = _Inflight()

    async def get_or_load(
        self,
        key: tuple[Hashable, ...],
        load: Callable[[], Awaitable[Any]],
        codec: Codec = IDENTITY,
    ) -> Any:
        if self.ttl_seconds <= 0:
            return await load()
        try:
            return self._values[key]
        except KeyError:
            pass

        async def load_and_keep() -> Any:
            value = await load()
            self._values[key] = value
            return value

        return await self._inflight.once(key, load_and_keep)

    async def forget_tenant(self, namespace: str, tenant_id: int) -> None:
        for key in [key for key in self._values if key[:2] == (namespace, tenant_id)]:
            self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()

    async def aclose(self) -> None:
        self._values.clear()


class RedisReadCache:
    """Reads shared by every worker, under `<prefix>:cache:<namespace>:<tenant>:<digest>` with
    the TTL set in Redis. Redis failing costs the cache, never the read: the value is loaded from
    the upstream and the failure logged."""

    def __init__(self, url: str, prefix: str, ttl_seconds: float) -> None:
        self.redis: Redis = connect(url)
        self._unavailable = redis_error()
        self.prefix = f"{prefix}:cache"
        self.ttl_ms = int(ttl_seconds * 1000)
        self._inflight = _Inflight()

    def _key(self, key: tuple[Hashable, ...]) -> str:
        digest = hashlib.sha256(orjson.dumps(key, default=str)).hexdigest()[:32]
        return f"{self.prefix}:{key[0]}:{key[1]}:{digest}"

    async def get_or_load(
        self,
        key: tuple[Hashable, ...],
        load: Callable[[], Awaitable[Any]],
        codec: Codec = IDENTITY,
    ) -> Any:
        if self.ttl_ms <= 0:
            return await load()
        name = self._key(key)
        try:
            raw = await self.redis.get(name)
        except self._unavailable as error:
            logger.warning("read cache unavailable", extra={"error": type(error).__name__})
            return await load()
        if raw is not None:
            return codec.decode(orjson.loads(raw))

        async def load_and_keep() -> Any:
            value = await load()
            try:
                await self.redis.set(name, orjson.dumps(codec.encode(value)), px=self.ttl_ms)
            except self._unavailable as error:
                logger.warning("read cache unavailable", extra={"error": type(error).__name__})
            return value

        return await self._inflight.once(name, load_and_keep)

    async def forget_tenant(self, namespace: str, tenant_id: int) -> None:
        pattern = f"{self.prefix}:{namespace}:{tenant_id}:*"
        try:
            names = [name async for name in self.redis.scan_iter(match=pattern, count=500)]
            if names:
                await self.redis.unlink(*names)
        except self._unavailable as error:
            logger.warning("read cache unavailable", extra={"error": type(error).__name__})

    async def aclose(self) -> None:
        await self.redis.aclose()


def create_read_cache(
    redis_url: str | None, prefix: str, maxsize: int, ttl_seconds: float
) -> ReadCache:
    if redis_url:
        return RedisReadCache(redis_url, prefix, ttl_seconds)
    return MemoryReadCache(maxsize, ttl_seconds)
