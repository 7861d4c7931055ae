"""The broker behind subscriptions: in process, and across workers through Redis."""

import asyncio
import uuid

from app.broker import Broker, MemoryBroker, RedisBroker
from tests.conftest import redis_url


async def _next(queue: asyncio.Queue[dict[str, object]]) -> dict[str, object]:
    return await asyncio.wait_for(queue.get(), 5)


async def test_memory_broker_delivers_to_each_subscriber_of_the_topic() -> None:
    broker = MemoryBroker()
    async with (
        broker.subscribe("a") as first,
        broker.subscribe("a") as second,
        broker.subscribe("b") as other,
    ):
        await broker.publish("a", {"runId": 1})
        assert await _next(first) == {"runId": 1}
        assert await _next(second) == {"runId": 1}
        assert other.empty()
    assert broker.subscriber_count("a") == 0


async def test_a_slow_subscriber_loses_its_oldest_messages_not_the_publisher() -> None:
    broker = MemoryBroker(queue_size=2)
    async with broker.subscribe("a") as queue:
        for n in range(5):
            await broker.publish("a", {"n": n})
        assert [await _next(queue), await _next(queue)] == [{"n": 3}, {"n": 4}]


async def test_an_event_published_by_one_worker_reaches_subscribers_of_another() -> None:
    url = await redis_url()
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    workers: list[Broker] = [RedisBroker(url, prefix), RedisBroker(url, prefix)]
    try:
        async with workers[0].subscribe("t") as here, workers[1].subscribe("t") as there:
            await workers[1].publish("t", {"runId": 7})
            assert await _next(here) == {"runId": 7}
            assert await _next(there) == {"runId": 7}
            await workers[0].publish("other", {"runId": 8})
            await workers[0].publish("t", {"runId": 9})
            assert await _next(there) == {"runId": 9}
    finally:
        for broker in workers:
            await broker.aclose()
