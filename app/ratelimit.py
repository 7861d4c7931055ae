"""Per-tenant rate limiting by query cost: a token bucket per tenant.

Each query takes its computed cost (see `schema/limits.py`) from its tenant's bucket, which holds
at most `capacity` points and refills at `refill_per_second`. In memory by default (one process);
in Redis when `REDIS_URL` is set, where one Lua script takes atomically, so every worker shares
one budget per tenant.
"""

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.redis_client import connect

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float  # seconds until `cost` would fit (0 when allowed)


class RateLimiter(Protocol):
    async def take(self, tenant_id: int, cost: int) -> Decision: ...

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """One bucket per tenant in this process."""

    def __init__(self, capacity: int, refill_per_second: float) -> None:
        self.capacity = capacity
        self.refill = refill_per_second
        self._buckets: dict[int, tuple[float, float]] = {}  # tenant -> (tokens, updated)

    async def take(self, tenant_id: int, cost: int) -> Decision:
        now = time.monotonic()
        tokens, updated = self._buckets.get(tenant_id, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - updated) * self.refill)
        if cost <= tokens:
            self._buckets[tenant_id] = (tokens - cost, now)
            return Decision(True, math.floor(tokens - cost), 0.0)
        self._buckets[tenant_id] = (tokens, now)
        return Decision(False, math.floor(tokens), (cost - tokens) / self.refill)

    async def aclose(self) -> None:
        self._buckets.clear()


# KEYS[1] bucket; ARGV: capacity, refill per second, cost. The time is Redis's own clock (so
# workers on several machines agree on the refill), read inside the script: one round trip.
# Returns {allowed (0/1), remaining tokens, retry after in milliseconds}.
_TAKE = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * refill)
local allowed = 0
local wait = 0
if cost <= tokens then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / refill * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'updated', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / refill) + 60)
return {allowed, math.floor(tokens), wait}
"""


class RedisRateLimiter:
    """One bucket per tenant in Redis, shared by every worker; taken atomically by a script."""

    def __init__(self, url: str, capacity: int, refill_per_second: float, prefix: str) -> None:
        self.redis: Redis = connect(url)
        self.capacity = capacity
        self.refill = refill_per_second
        self.prefix = prefix
        self._take = self.redis.register_script(_TAKE)

    async def take(self, tenant_id: int, cost: int) -> Decision:
        allowed, remaining, wait_ms = await self._take(
            keys=[f"{self.prefix}:ratelimit:{tenant_id}"], args=[self.capacity, self.refill, cost]
        )
        return Decision(bool(allowed), int(remaining), int(wait_ms) / 1000)

    async def aclose(self) -> None:
        await self.redis.aclose()
