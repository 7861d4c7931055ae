"""The composition root: settings, engine, schema and the ASGI app. Nothing imports this module."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from app import graphiql
from app.actions.follower import ActionFollower
from app.broker import create_broker
from app.db.engine import create_engine, reader
from app.graphql_view import GatewayView
from app.logs import configure_logging
from app.middleware import BodyLimit
from app.mirror import MirrorRefresher, UpstreamMirror
from app.observability import metrics
from app.observability.lifecycle import Lifecycle
from app.observability.requests import RequestObserver
from app.observability.tracing import create_tracing, traced
from app.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from app.settings import Settings, get_settings
from app.upstreams.registry import create_upstreams
from resolvers.context import Services
from schema import build_schema


def tune_garbage_collector() -> None:
    """Move what startup allocated out of the collector's way and collect young objects less often.

    A 100-device page allocates tens of thousands of short-lived objects; with the default
    thresholds the collector ran several full passes per request (35-45 ms of a 100-device page,
    measured by `make bench`). Frozen startup objects are never scanned again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def create_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(
            settings.redis_url,
            settings.rate_limit_capacity,
            settings.rate_limit_refill_per_second,
            settings.redis_prefix,
        )
    return MemoryRateLimiter(settings.rate_limit_capacity, settings.rate_limit_refill_per_second)


def create_app(
    settings: Settings | None = None,
    *,
    upstream_transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> Starlette:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = create_engine(
        settings.database_url, pool_size=settings.database_pool_size, echo=settings.database_echo
    )
    upstreams = create_upstreams(settings, **(upstream_transports or {}))
    limiter = create_rate_limiter(settings)
    broker = create_broker(settings.redis_url, settings.redis_prefix)
    mirror = UpstreamMirror(settings, reader(engine), engine, upstreams)
    refresher = MirrorRefresher(
        mirror, settings.mirror_refresh_seconds, settings.redis_url, settings.redis_prefix
    )
    follower = ActionFollower(settings, reader(engine), engine, upstreams, broker, mirror)
    services = Services(
        settings, reader(engine), engine, upstreams, limiter, broker, follower, mirror
    )
    view = GatewayView(build_schema(settings), services)
    # Operations: draining on SIGTERM (closing the view's subscriptions), traces when asked,
    # DataLoader batch sizes in the metrics.
    lifecycle = Lifecycle(settings.drain_delay_seconds)
    view.lifecycle = lifecycle
    tracing = create_tracing(settings.tracing, settings.tracing_sample_ratio)
    metrics.instrument_dataloaders()
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        """Ready while the database (and Redis, when configured) answer, and not draining."""
        if lifecycle.draining:
            return JSONResponse({"status": "draining"}, 503)
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as error:
            return JSONResponse({"status": "unavailable", "database": type(error).__name__}, 503)
        try:
            await broker.ping()
        except Exception as error:
            return JSONResponse({"status": "unavailable", "redis": type(error).__name__}, 503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if settings.gc_tuning:
            tune_garbage_collector()
        lifecycle.chain_signals()
        with traced(tracing):  # the follower's and refresher's upstream calls are traced too
            if settings.action_follower:
                follower.start()
            refresher.start()
        try:
            yield
        finally:
            await refresher.stop()
            await follower.stop()
            await broker.aclose()
            await upstreams.aclose()
            await limiter.aclose()
            await view.aclose()
            await engine.dispose()
            lifecycle.unchain_signals()
            if tracing is not None:
                tracing.shutdown()  # exports the spans still queued
            metrics.forget_this_worker()

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics.metrics_endpoint(metrics_token), methods=["GET"]),
            *(
                [Route("/graphiql/{digest}/{name:path}", graphiql.serve_asset, methods=["GET"])]
                if settings.graphiql_enabled
                else []
            ),
        ],
        lifespan=lifespan,
    )
    # Innermost: compresses what the view answers (incremental multipart responses excluded,
    # each part must reach the client as it is produced).
    app.add_middleware(
        GZipMiddleware,
        minimum_size=settings.gzip_min_bytes,
        compresslevel=settings.gzip_level,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "multipart/mixed"),
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestObserver, tracing_=tracing)
    app.state.engine = engine
    app.state.upstreams = upstreams
    app.state.services = services
    app.state.follower = follower
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    app.state.tracing = tracing
    return app
