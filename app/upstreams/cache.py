"""A short-lived, bounded cache of upstream reads, keyed by tenant, that also merges
concurrent identical reads into one call. Failures are never cached."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from cachetools import TTLCache


class ReadCache:
    def __init__(self, maxsize: int, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._values: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value for `key` (the tenant must be part of it), else `load()` once."""
        if self.ttl_seconds <= 0:
            return await load()
        try:
            return self._values[key]
        except KeyError:
            pass
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await load()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        else:
            self._values[key] = value
            future.set_result(value)
            return value
        finally:
            del self._inflight[key]

    def forget(self, matches: Callable[[Any], bool]) -> None:
        """Drop every cached value whose key `matches` (reads in flight still complete)."""
        for key in [key for key in self._values if matches(key)]:
            self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()
