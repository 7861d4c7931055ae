"""The request middleware: a request id, the per-request figures, one structured log line, the
request metrics and (when tracing is on) the request's span.

The request id is the client's `X-Request-Id` when it is a plain token (letters, digits and
`._:-`, at most 128 characters: anything else could forge log lines), else a new UUID; it is
echoed in the response's `X-Request-Id` and carried by every log line written while the request
runs (`app/logs.py`), so one id finds the request line, its upstream warnings and its traceback.

The line holds ids and figures only: method, path, status, operation name, tenant and user ids,
duration, SQL statements, upstream calls and error codes; never headers, variables or bodies
(tokens, PINs and personal data stay out of the logs).
"""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import logs, stats
from app.observability import metrics, tracing
from app.observability.tracing import Tracing

logger = logging.getLogger("gateway.request")

REQUEST_ID_HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# Probes and scrapes: logged at debug level (every few seconds each), not counted as requests.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
GRAPHQL_PATH = "/graphql"


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _VALID_ID.fullmatch(value):
            return value.decode()
    return uuid.uuid4().hex


class RequestObserver:
    """Outermost middleware: everything below it runs inside the request's id and figures."""

    def __init__(self, app: ASGIApp, tracing_: Tracing | None = None) -> None:
        self.app = app
        self.tracer = tracing_.tracer if tracing_ is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            token = logs.request_id.set(request_id_of(scope))
            try:
                await self.app(scope, receive, send)
            finally:
                logs.request_id.reset(token)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = logs.request_id.set(request_id)
        figures = stats.begin_request()
        started = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        metrics.IN_FLIGHT.inc()
        try:
            with tracing.request_span(self.tracer, scope["method"], scope["path"]) as span:
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    self._finish(scope, figures, status, time.perf_counter() - started, span)
        finally:
            metrics.IN_FLIGHT.dec()
            logs.request_id.reset(token)

    @staticmethod
    def _finish(
        scope: Scope, figures: stats.RequestStats, status: int, seconds: float, span: object
    ) -> None:
        viewer = (scope.get("state") or {}).get("viewer")
        tenant = getattr(viewer, "tenant_id", None)
        user = getattr(viewer, "user_id", None)
        path = scope["path"]
        codes = figures.error_codes
        level = logging.DEBUG if path in _QUIET_PATHS else logging.INFO
        logger.log(
            level,
            "request",
            extra={
                "method": scope["method"],
                "path": path,
                "status": status,
                "operation": figures.operation_name,
                "tenant": tenant if tenant and tenant > 0 else None,
                "user": user if user and user > 0 else None,
                "durationMs": round(seconds * 1000, 3),
                "sqlStatements": figures.sql_statements,
                "upstreamCalls": figures.upstream_calls,
                "errorCodes": codes or None,
            },
        )
        if path == GRAPHQL_PATH:
            metrics.observe_request(figures.operation_name, status, seconds, codes)
        tracing.finish_request_span(
            span,  # type: ignore[arg-type]
            {
                "graphql.operation.name": figures.operation_name,
                "http.response.status_code": status,
                "gateway.tenant": tenant,
                "gateway.sql_statements": figures.sql_statements,
                "gateway.upstream_calls": figures.upstream_calls,
                "gateway.error_codes": list(codes) if codes else None,
            },
            failed=status >= 500,
        )
