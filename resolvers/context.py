"""The request context every resolver receives as `info.context`."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.scope import TenantScope
from app.enums import Role
from app.settings import Settings
from app.stats import RequestStats
from resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking. `tenant_id` None means every tenant (no authentication configured yet)."""

    tenant_id: int | None = None
    user_id: int | None = None
    roles: frozenset[Role] = frozenset()


@dataclass(slots=True)
class RequestContext:
    settings: Settings
    viewer: Viewer
    scope: TenantScope
    loaders: Loaders
    stats: RequestStats
    extras: dict[str, object] = field(default_factory=dict)


def build_context(
    engine: AsyncEngine, settings: Settings, viewer: Viewer, stats: RequestStats
) -> RequestContext:
    """Everything one request needs; DataLoaders are new per request so caches never leak."""
    scope = TenantScope(engine, viewer.tenant_id)
    return RequestContext(settings, viewer, scope, Loaders(scope), stats)
