"""The request context every resolver receives as `info.context`."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions.follower import ActionFollower
from app.auth import Viewer
from app.broker import Broker
from app.db.scope import TenantScope
from app.mirror import UpstreamMirror
from app.ratelimit import RateLimiter
from app.settings import Settings
from app.stats import RequestStats
from app.upstreams.client import Deadline
from app.upstreams.registry import Upstreams
from resolvers.loaders import Loaders, clear_loaders
from resolvers.observed import ObservedLoaders
from resolvers.upstream import UpstreamLoaders


@dataclass(frozen=True, slots=True)
class Services:
    """What the running service holds for every request: built once at start-up."""

    settings: Settings
    reader: AsyncEngine  # `app.db.engine.reader`: autocommit on PostgreSQL
    writer: AsyncEngine  # transactions
    upstreams: Upstreams
    rate_limiter: RateLimiter
    broker: Broker
    follower: ActionFollower
    mirror: UpstreamMirror


@dataclass(slots=True)
class RequestContext:
    services: Services
    settings: Settings
    viewer: Viewer
    scope: TenantScope
    loaders: Loaders
    upstream: UpstreamLoaders
    stats: RequestStats
    rate_limiter: RateLimiter
    observed: ObservedLoaders  # a device's observed users, from the inventory
    # A WebSocket's `connection_init` payload (set by Strawberry before `on_ws_connect`).
    connection_params: dict[str, object] | None = None

    def release(self) -> None:
        """Empty every DataLoader cache once the response is sent.

        Each loader's batch function refers back to the object holding the loaders, a cycle:
        without this, what a request read (its rows, pages and a future per key, most of a
        100-device page's garbage) would wait for the cyclic collector, which the app's start
        makes rare. Under 64 concurrent pages that garbage was a quarter of a worker's memory
        (RSS 240 MB, 181 MB once released)."""
        for holder in (self.loaders, self.upstream, self.observed):
            clear_loaders(holder)

    def forget_reads(self) -> None:
        """Empty the DataLoader caches: the next event of a subscription reads afresh."""
        fresh = self.refreshed()
        self.loaders, self.upstream = fresh.loaders, fresh.upstream
        self.observed = fresh.observed

    def refreshed(self, viewer: Viewer | None = None) -> "RequestContext":
        """A context with empty DataLoader caches (each event of a subscription reads afresh),
        for `viewer` when given (a WebSocket authenticates after its context exists)."""
        return build_context(self.services, viewer or self.viewer, self.stats)


def build_context(services: Services, viewer: Viewer, stats: RequestStats) -> RequestContext:
    """Everything one request needs; DataLoaders are new per request so caches never leak.

    The upstream deadline starts now: every upstream read of this request must fit in it.
    """
    settings = services.settings
    scope = TenantScope(services.reader, viewer.tenant_id, services.writer)
    loaders = Loaders(scope)
    deadline = Deadline(settings.upstream_deadline_seconds)
    upstream = UpstreamLoaders(services.upstreams, loaders, deadline, settings.upstream_concurrency)
    observed = ObservedLoaders(upstream, settings.jwt_secret)
    return RequestContext(
        services, settings, viewer, scope, loaders, upstream, stats, services.rate_limiter, observed
    )
