"""Publish/subscribe for events clients follow live (action run updates, for subscriptions).

`Broker` is the interface; `MemoryBroker` delivers within this process, `RedisBroker` to every
worker (an event one worker publishes reaches subscribers on all of them); `create_broker`
picks Redis whenever `REDIS_URL` is set. Messages are small JSON-able dicts naming what
changed; subscribers re-read the state they show, so a message never carries data a subscriber
could not read itself.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from app.redis_client import connect

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("gateway.broker")

Message = dict[str, Any]


class Broker(Protocol):
    async def publish(self, topic: str, message: Message) -> None: ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[asyncio.Queue[Message]]:
        """A queue of the topic's messages from now on, for as long as the context lasts."""
        ...

    async def ping(self) -> None:
        """Raise when the broker cannot deliver (for `/readyz`)."""
        ...

    async def aclose(self) -> None: ...


class MemoryBroker:
    """In-process delivery: each subscriber has a bounded queue; a subscriber too slow to keep up
    loses its oldest messages rather than holding the publisher back."""

    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[str, set[asyncio.Queue[Message]]] = {}

    async def publish(self, topic: str, message: Message) -> None:
        for queue in tuple(self._subscribers.get(topic, ())):
            if queue.full():
                queue.get_nowait()
                logger.warning("slow subscriber dropped a message", extra={"topic": topic})
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(self.queue_size)
        self._subscribers.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[topic]

    async def ping(self) -> None:
        return None

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    async def aclose(self) -> None:
        self._subscribers.clear()


def action_runs_topic(tenant_id: int) -> str:
    """Where a tenant's action run changes are published."""
    return f"tenant:{tenant_id}:action-runs"


class RedisBroker:
    """Delivery across workers: `publish` goes through Redis, and each worker's single pattern
    subscription (`<prefix>:broker:*`, opened at first use) hands every message to the
    subscribers of this process (a `MemoryBroker`). Messages published while a worker is not
    connected are not replayed: subscribers read the state afresh when they start, so a message
    carries only what changed, never state that exists nowhere else."""

    def __init__(self, url: str, prefix: str, queue_size: int = 256) -> None:
        self.redis: Redis = connect(url)
        self.channel_prefix = f"{prefix}:broker:"
        self.local = MemoryBroker(queue_size)
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    async def publish(self, topic: str, message: Message) -> None:
        await self.redis.publish(self.channel_prefix + topic, orjson.dumps(message))

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Message]]:
        await self._listening()
        async with self.local.subscribe(topic) as queue:
            yield queue

    async def _listening(self) -> None:
        if self._reader is None:
            self._ready = asyncio.Event()
            self._reader = asyncio.create_task(self._read(), name="broker-reader")
        assert self._ready is not None
        await self._ready.wait()

    async def _read(self) -> None:
        assert self._ready is not None
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.channel_prefix + "*")
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    topic = channel.removeprefix(self.channel_prefix)
                    await self.local.publish(topic, orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("broker: lost the Redis subscription; reconnecting")
                await asyncio.sleep(1.0)
            finally:
                await pubsub.aclose()

    async def ping(self) -> None:
        await self.redis.ping()

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self.local.aclose()
        await self.redis.aclose()


def create_broker(redis_url: str | None, prefix: str) -> Broker:
    """In Redis when `REDIS_URL` is set (every worker's subscribers see every event), else in
    this process."""
    return RedisBroker(redis_url, prefix) if redis_url else MemoryBroker()
