"""Optional OpenTelemetry traces (`TRACING=console|otlp`): one span per GraphQL request, named
after its operation, and one child span per upstream HTTP call. Never a span per field: graphql-core
resolves thousands of fields per page, and a span each would cost more than the fields.

Each app has its own `TracerProvider` (not the global one), so several apps in one process (the
test suite) do not share exporters. The tracer in use is a context variable: the request
middleware sets it for a request, the lifespan for the background tasks it starts, and the
upstream client reads it, so code outside a traced context pays one `ContextVar.get`. The SDK
(spans, processors, exporters) is imported only when tracing is on: with `TRACING=off` a worker
holds just the API's types.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

SERVICE_NAME = "fleet-gateway"

_tracer: ContextVar[Tracer | None] = ContextVar("gateway_tracer", default=None)


def _exporter(kind: str) -> "SpanExporter":
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    if kind == "console":
        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )
    except ImportError as error:
        raise RuntimeError(
            "TRACING=otlp needs the `otlp` extra: uv sync --extra otlp "
            "(opentelemetry-exporter-otlp-proto-http)"
        ) from error
    # Endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
    exporter: SpanExporter = OTLPSpanExporter()
    return exporter


class Tracing:
    """The app's tracer provider; `shutdown` flushes the spans still queued."""

    def __init__(self, kind: str, sample_ratio: float = 1.0) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio

        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": SERVICE_NAME}
        self.provider = TracerProvider(
            resource=Resource.create(attributes), sampler=ParentBasedTraceIdRatio(sample_ratio)
        )
        self.provider.add_span_processor(BatchSpanProcessor(_exporter(kind)))
        self.tracer = self.provider.get_tracer("fleet-gateway")

    def shutdown(self) -> None:
        self.provider.shutdown()


def create_tracing(kind: str, sample_ratio: float = 1.0) -> Tracing | None:
    return None if kind == "off" else Tracing(kind, sample_ratio)


@contextmanager
def traced(tracing: "Tracing | None") -> Iterator[None]:
    """Tasks started inside this block trace their upstream calls with `tracing`'s tracer."""
    if tracing is None:
        yield
        return
    token = _tracer.set(tracing.tracer)
    try:
        yield
    finally:
        _tracer.reset(token)


def current_tracer() -> Tracer | None:
    return _tracer.get()


@contextmanager
def request_span(tracer: Tracer | None, method: str, path: str) -> Iterator[Span | None]:
    """The span of one HTTP request (renamed after its operation once known)."""
    if tracer is None:
        yield None
        return
    token = _tracer.set(tracer)
    try:
        with tracer.start_as_current_span(
            f"{method} {path}",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        ) as span:
            yield span
    finally:
        _tracer.reset(token)


def finish_request_span(span: Span | None, attributes: Mapping[str, Any], failed: bool) -> None:
    if span is None:
        return
    operation = attributes.get("graphql.operation.name")
    if operation:
        span.update_name(f"graphql {operation}")
    span.set_attributes({k: v for k, v in attributes.items() if v is not None})
    if failed:
        span.set_status(Status(StatusCode.ERROR))


@contextmanager
def upstream_span(upstream: str, method: str, path: str) -> Iterator[Span | None]:
    """A client span around one upstream HTTP call, when the current context is traced."""
    tracer = _tracer.get()
    if tracer is None:
        yield None
        return
    with tracer.start_as_current_span(
        f"{upstream} {method}",
        kind=SpanKind.CLIENT,
        attributes={"gateway.upstream": upstream, "http.request.method": method, "url.path": path},
    ) as span:
        yield span
