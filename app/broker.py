"""Publish/subscribe for events clients follow live (action run updates, for subscriptions).

`Broker` is the interface; `MemoryBroker` delivers within this process. A worker that publishes
reaches only its own subscribers, so several workers need a shared implementation (Redis) behind
the same interface. Messages are small JSON-able dicts naming what changed; subscribers re-read
the state they show, so a message never carries data a subscriber could not read itself.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

logger = logging.getLogger("gateway.broker")

Message = dict[str, Any]


class Broker(Protocol):
    async def publish(self, topic: str, message: Message) -> None: ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[asyncio.Queue[Message]]:
        """A queue of the topic's messages from now on, for as long as the context lasts."""
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

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    async def aclose(self) -> None:
        self._subscribers.clear()


def action_runs_topic(tenant_id: int) -> str:
    """Where a tenant's action run changes are published."""
    return f"tenant:{tenant_id}:action-runs"
