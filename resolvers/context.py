"""The request context every resolver receives as `info.context`."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import Viewer
from app.db.scope import TenantScope
from app.ratelimit import RateLimiter
from app.settings import Settings
from app.stats import RequestStats
from app.upstreams.client import Deadline
from app.upstreams.registry import Upstreams
from resolvers.loaders import Loaders
from resolvers.upstream import UpstreamLoaders


@dataclass(slots=True)
class RequestContext:
    settings: Settings
    viewer: Viewer
    scope: TenantScope
    loaders: Loaders
    upstream: UpstreamLoaders
    stats: RequestStats
    rate_limiter: RateLimiter


def build_context(
    engine: AsyncEngine,
    upstreams: Upstreams,
    rate_limiter: RateLimiter,
    settings: Settings,
    viewer: Viewer,
    stats: RequestStats,
) -> RequestContext:
    """Everything one request needs; DataLoaders are new per request so caches never leak.

    The upstream deadline starts now: every upstream read of this request must fit in it.
    """
    scope = TenantScope(engine, viewer.tenant_id)
    loaders = Loaders(scope)
    deadline = Deadline(settings.upstream_deadline_seconds)
    upstream = UpstreamLoaders(upstreams, loaders, deadline, settings.upstream_concurrency)
    return RequestContext(settings, viewer, scope, loaders, upstream, stats, rate_limiter)
