"""The GraphQL endpoint: Strawberry's ASGI view with orjson, the request context and stats."""

from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app import stats
from app.auth import NOBODY, InvalidToken, Viewer, viewer_from_header
from app.enums import Role
from resolvers.context import RequestContext, Services, build_context

UNAUTHENTICATED = orjson.dumps(
    {
        "errors": [
            {
                "message": "Authentication required: send `Authorization: Bearer <token>`.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
)


HTTP_ERROR_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def http_error(status: int, reason: str) -> Response:
    """A refusal before any GraphQL ran, as a GraphQL error body (Strawberry sends plain text)."""
    body = {
        "errors": [
            {"message": reason, "extensions": {"code": HTTP_ERROR_CODES.get(status, "BAD_REQUEST")}}
        ]
    }
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def unauthenticated() -> Response:
    """401 with no data, as GraphQL over HTTP expects for a request the server refuses."""
    return Response(
        UNAUTHENTICATED,
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="fleet-gateway"'},
    )


class GatewayView(GraphQL[RequestContext, None]):
    def __init__(self, schema: BaseSchema, services: Services) -> None:
        settings = services.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            # Only graphql-transport-ws: the legacy graphql-ws protocol has no acknowledged
            # handshake to gate subscriptions on.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.services = services
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # A mutation over GET: the method is what is wrong (GraphQL over HTTP: 405).
                response = http_error(405, error.reason)
                response.headers["Allow"] = "POST"
            else:
                response = http_error(error.status_code, error.reason)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        figures = stats.current() or stats.begin_request()
        viewer: Viewer = getattr(request.state, "viewer", NOBODY)
        return build_context(self.services, viewer, figures)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket by its `connection_init` payload (browsers cannot set headers
        on a WebSocket): `{"Authorization": "Bearer <token>"}`. Refused with close code 4403."""
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            viewer = viewer_from_header(self.settings, header if isinstance(header, str) else None)
        except InvalidToken:
            raise ConnectionRejectionError({"reason": "a valid bearer token is required"}) from None
        fresh = context.refreshed(viewer)
        for name in RequestContext.__slots__:
            setattr(context, name, getattr(fresh, name))
        return UNSET

    async def run(
        self,
        request: Request | WebSocket,
        context: RequestContext | UnsetType = UNSET,
        root_value: UnsetType | None = UNSET,
    ) -> Response | WebSocket:
        """Authenticate every GraphQL request (not the GraphiQL page) before anything runs."""
        if isinstance(request, Request) and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            try:
                request.state.viewer = viewer_from_header(
                    self.settings, request.headers.get("authorization")
                )
            except InvalidToken:
                return unauthenticated()
        return await super().run(request, context, root_value)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def _stats_allowed(self, request: Request) -> bool:
        if self.settings.stats_for_everyone:
            return True
        viewer: Viewer = getattr(request.state, "viewer", NOBODY)
        return viewer.has(Role.TENANT_ADMIN)

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
            if request.headers.get("x-gateway-stats") == "1" and self._stats_allowed(request):
                extensions["stats"] = figures.as_dict()
        if extensions:
            response["extensions"] = extensions
        return response  # type: ignore[return-value]
