"""ASGI middleware: per-request figures and the request log line."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import stats

logger = logging.getLogger("gateway.request")


class RequestLog:
    """Starts the request's `RequestStats` and writes one structured line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        figures = stats.begin_request()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "operation": figures.operation_name,
                    "durationMs": figures.duration_ms(),
                    "sqlStatements": figures.sql_statements,
                    "upstreamCalls": figures.upstream_calls,
                    "errorCodes": figures.error_codes or None,
                },
            )
