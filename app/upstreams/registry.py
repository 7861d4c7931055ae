"""The upstream adapters of the running service: created at start-up, closed at shutdown."""

from dataclasses import dataclass

import httpx

from app.settings import Settings
from app.upstreams.cache import create_read_cache
from app.upstreams.client import UpstreamClient, UpstreamConfig
from app.upstreams.inventory import InventoryAdapter
from app.upstreams.mdm import MdmAdapter

MDM = "MDM provider"
INVENTORY = "device inventory"


@dataclass(slots=True)
class Upstreams:
    mdm: MdmAdapter
    inventory: InventoryAdapter

    async def aclose(self) -> None:
        await self.mdm.client.aclose()
        await self.inventory.client.aclose()
        await self.mdm.cache.aclose()  # one cache, shared by both adapters


def _config(settings: Settings, name: str, base_url: str) -> UpstreamConfig:
    return UpstreamConfig(
        name=name,
        base_url=base_url,
        timeout_seconds=settings.upstream_timeout_seconds,
        retries=settings.upstream_retries,
        max_connections=settings.upstream_max_connections,
        breaker_failures=settings.breaker_failures,
        breaker_recovery_seconds=settings.breaker_recovery_seconds,
    )


def create_upstreams(
    settings: Settings,
    *,
    mdm_transport: httpx.AsyncBaseTransport | None = None,
    inventory_transport: httpx.AsyncBaseTransport | None = None,
) -> Upstreams:
    """Adapters for the configured upstreams (tests may pass in-process transports)."""
    cache = create_read_cache(
        settings.redis_url,
        settings.redis_prefix,
        settings.upstream_cache_size,
        settings.upstream_cache_ttl_seconds,
    )
    mdm = UpstreamClient(
        _config(settings, MDM, settings.mdm_base_url),
        auth=httpx.BasicAuth(settings.mdm_username, settings.mdm_password),
        transport=mdm_transport,
    )
    inventory = UpstreamClient(
        _config(settings, INVENTORY, settings.inventory_base_url),
        headers={"Authorization": f"Bearer {settings.inventory_token}"},
        transport=inventory_transport,
    )
    return Upstreams(MdmAdapter(mdm, cache), InventoryAdapter(inventory, cache))
