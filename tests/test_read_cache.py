"""The upstream read cache: one call for concurrent identical reads, a tenant's reads dropped
together, values round-tripping through Redis, and Redis failing costing only the cache."""

import asyncio
import uuid

from app.upstreams.cache import IDENTITY, MemoryReadCache, ReadCache, RedisReadCache
from app.upstreams.inventory import USERS_PAGE, DeviceUsersPage
from app.upstreams.mdm import BY_PROVIDER_ID
from tests.conftest import redis_url


class Upstream:
    """Counts the loads a cache lets through."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    async def load(self) -> object:
        self.calls += 1
        await asyncio.sleep(0.01)
        return self.value


async def _behaves(cache: ReadCache) -> None:
    listing = {7: {"id": 7, "name": "a"}, 9: {"id": 9, "name": "b"}}
    upstream = Upstream(listing)
    key = ("mdm", 1, "partition", 42)
    first, second = await asyncio.gather(
        cache.get_or_load(key, upstream.load, BY_PROVIDER_ID),
        cache.get_or_load(key, upstream.load, BY_PROVIDER_ID),
    )
    assert first == second == listing
    assert await cache.get_or_load(key, upstream.load, BY_PROVIDER_ID) == listing
    assert upstream.calls == 1
    other_tenant = Upstream({"x": 1})
    await cache.get_or_load(("mdm", 2, "p"), other_tenant.load, IDENTITY)
    await cache.forget_tenant("mdm", 1)
    assert await cache.get_or_load(key, upstream.load, BY_PROVIDER_ID) == listing
    assert upstream.calls == 2
    await cache.get_or_load(("mdm", 2, "p"), other_tenant.load, IDENTITY)
    assert other_tenant.calls == 1, "another tenant's reads stay"
    page = DeviceUsersPage(({"id": "u1"},), 1, None)
    users = Upstream(page)
    await cache.get_or_load(("inventory", 1, "users"), users.load, USERS_PAGE)
    assert await cache.get_or_load(("inventory", 1, "users"), users.load, USERS_PAGE) == page


async def test_memory_cache() -> None:
    await _behaves(MemoryReadCache(100, 30))


async def test_redis_cache_shares_values_across_instances() -> None:
    url, prefix = await redis_url(), f"test-{uuid.uuid4().hex[:8]}"
    cache, other = RedisReadCache(url, prefix, 30), RedisReadCache(url, prefix, 30)
    try:
        await _behaves(cache)
        upstream = Upstream({"shared": True})
        await cache.get_or_load(("mdm", 5, "x"), upstream.load)
        assert await other.get_or_load(("mdm", 5, "x"), upstream.load) == {"shared": True}
        assert upstream.calls == 1
    finally:
        await cache.aclose()
        await other.aclose()


async def test_a_redis_outage_costs_the_cache_not_the_read() -> None:
    cache = RedisReadCache("redis://127.0.0.1:9/0", "down", 30)
    try:
        upstream = Upstream({"ok": 1})
        assert await cache.get_or_load(("mdm", 1, "x"), upstream.load) == {"ok": 1}
        assert await cache.get_or_load(("mdm", 1, "x"), upstream.load) == {"ok": 1}
        assert upstream.calls == 2
        await cache.forget_tenant("mdm", 1)
    finally:
        await cache.aclose()
