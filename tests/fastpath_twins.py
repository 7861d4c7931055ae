"""Two gateways over the same database and simulators, one on the reference executor
(`FAST_PATH=false`) and one on the fast path, and the comparison of their responses."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from app.enums import Role
from tests.conftest import Backend, GraphQLClient, Simulators, gateway


def normalized(body: bytes) -> dict[str, Any]:
    """What must not differ between the executors: `data` as bytes (key order included), the
    errors in a stable order (concurrent fields fail in any order), the query's cost."""
    parsed = orjson.loads(body)
    errors = sorted(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in parsed.get("errors", []))
    extensions = parsed.get("extensions", {})
    return {
        "data": orjson.dumps(parsed["data"]) if "data" in parsed else None,
        "errors": errors,
        "cost": extensions.get("rateLimit", {}).get("cost"),
    }


@dataclass
class Twins:
    """The reference and the fast path over the same database."""

    reference: GraphQLClient
    fast: GraphQLClient

    async def token(self, slug: str = "acme", role: Role = Role.TENANT_ADMIN) -> str:
        return await self.reference.backend.token(slug, role)

    async def same(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Send `query` to both; their responses must be the same. The fast path's, parsed."""
        token = token or await self.token()
        answers = []
        for client in (self.reference, self.fast):
            response = await client.http.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            answers.append((response.status_code, normalized(response.content), response.content))
        (status, reference, _), (fast_status, fast, raw) = answers
        assert (status, reference) == (fast_status, fast)
        return orjson.loads(raw)


@asynccontextmanager
async def twins(backend: Backend, **settings: Any) -> AsyncIterator[Twins]:
    async with (
        gateway(backend, fast_path=False, **settings) as reference,
        gateway(backend, fast_path=True, **settings) as fast,
    ):
        yield Twins(reference, fast)


@asynccontextmanager
async def upstream_twins(
    backend: Backend, simulators: Simulators, **settings: Any
) -> AsyncIterator[Twins]:
    await simulators.reset()
    # The default timeouts (a short deadline could time out on one side only on a busy
    # machine), no retries, and a breaker that stays closed: every failure is the fault's.
    upstreams = {
        "mdm_base_url": simulators.mdm_url,
        "inventory_base_url": simulators.inventory_url,
        "upstream_retries": 0,
        "breaker_failures": 10_000,
    }
    try:
        async with twins(backend, **(upstreams | settings)) as found:
            yield found
    finally:
        await simulators.reset()
