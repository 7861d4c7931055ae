"""The GraphQL endpoint: Strawberry's ASGI view with orjson, the request context and stats."""

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from app import stats
from app.settings import Settings
from app.upstreams.registry import Upstreams
from resolvers.context import RequestContext, Viewer, build_context


class GatewayView(GraphQL[RequestContext, None]):
    def __init__(
        self, schema: BaseSchema, engine: AsyncEngine, upstreams: Upstreams, settings: Settings
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql_enabled else None)
        self.engine = engine
        self.upstreams = upstreams
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        figures = stats.current() or stats.begin_request()
        return build_context(self.engine, self.upstreams, self.settings, Viewer(), figures)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [error.formatted for error in result.errors]
        extensions = dict(result.extensions or {})
        figures = stats.current()
        if figures is not None:
            figures.error_codes = [
                str((error.extensions or {}).get("code")) for error in result.errors or ()
            ]
            if (
                self.settings.stats_header_honoured
                and request.headers.get("x-gateway-stats") == "1"
            ):
                extensions["stats"] = figures.as_dict()
        if extensions:
            response["extensions"] = extensions
        return response  # type: ignore[return-value]
