"""Per-tenant rate limiting by query cost, in memory and shared through Redis."""

import uuid

from tests.conftest import Backend, GraphQLClient, gateway, redis_url

QUERY = "{ devices(first: 10) { nodes { name } } }"  # costs 10


async def test_each_response_reports_the_remaining_budget(backend: Backend) -> None:
    async with gateway(backend, rate_limit_capacity=1000, rate_limit_refill_per_second=1) as client:
        first = await client.post(QUERY)
        second = await client.post(QUERY)
    assert first["extensions"]["rateLimit"] == {"cost": 10, "remaining": 990}
    assert second["extensions"]["rateLimit"]["remaining"] in (980, 981)


async def test_an_empty_budget_refuses_with_retry_after(backend: Backend) -> None:
    async with gateway(backend, rate_limit_capacity=25, rate_limit_refill_per_second=5) as client:
        assert "errors" not in await client.post(QUERY)
        assert "errors" not in await client.post(QUERY)
        body = await client.post(QUERY)
        # Another tenant has its own budget.
        other = GraphQLClient(
            client.http, client.backend, await client.backend.token("globex"), "globex"
        )
        assert "errors" not in await other.post(QUERY)
    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["cost"] == 10
    assert 0 < error["extensions"]["retryAfter"] <= 2


async def test_workers_share_one_budget_through_redis(backend: Backend) -> None:
    settings = {
        "redis_url": await redis_url(),
        "redis_prefix": f"test-{uuid.uuid4()}",
        "rate_limit_capacity": 25,
        "rate_limit_refill_per_second": 1,
    }
    async with gateway(backend, **settings) as one, gateway(backend, **settings) as two:
        assert "errors" not in await one.post(QUERY)
        assert "errors" not in await two.post(QUERY)
        refused = await one.post(QUERY)
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused["extensions"]["rateLimit"]["remaining"] <= 5
