"""The GraphQL endpoint: Strawberry's ASGI view with the gateway's HTTP contract.

GraphQL over HTTP as its spec and `graphql-http`'s audit ask: content negotiation by `Accept`
(`application/graphql-response+json`, `application/json`, else `406`), request errors without a
`data` entry (and `4xx` under `application/graphql-response+json`), JSON refusals with a code.
CSRF: POST bodies must be `application/json` (what a cross-site form can send is a `400`), a
browser's cross-site navigation or no-cors request is `403`, GET runs queries only, and every
operation needs an `Authorization` header (no cookie is read). Persisted documents (APQ, trusted
documents; `app/persisted.py`) are resolved here, before Strawberry parses anything; in production
GET runs persisted documents only. Also: orjson, the request context, stats, the GraphiQL page.
"""

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app import graphiql, stats
from app.auth import NOBODY, InvalidToken, Viewer, viewer_from_header
from app.enums import Role
from app.observability.lifecycle import ClosableTransportWSHandler, Lifecycle
from app.persisted import PersistedDocuments, PersistedQueryError
from resolvers.context import RequestContext, Services, build_context

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"

UNAUTHENTICATED_ERROR = {
    "message": "Authentication required: send `Authorization: Bearer <token>`.",
    "extensions": {"code": "UNAUTHENTICATED"},
}

HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    403: "CROSS_SITE_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
}
# Persisted-document refusals a client recovers from (Apollo's link sends the text on
# NOT_FOUND): 200 under application/json as Apollo Server answers; every other one is a 400.
_RECOVERABLE = frozenset({"PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"})
# Sec-Fetch-Mode values of a browser request a page can make to another site without CORS.
_NO_CORS_MODES = frozenset({"navigate", "nested-navigate", "no-cors"})


def _quality(ranges: list[tuple[str, dict[str, str]]], media_type: str) -> tuple[float, bool]:
    """The `q` of the most specific `Accept` range matching `media_type`, and whether that
    range names it exactly (not `application/*` or `*/*`)."""
    specificity = {media_type: 2, f"{media_type.split('/')[0]}/*": 1, "*/*": 0}
    best, quality = -1, 0.0
    for media, params in ranges:
        level = specificity.get(media.lower(), -1)
        if level > best:
            best = level
            try:
                quality = float(params.get("q", "1"))
            except ValueError:
                quality = 0.0
    return quality, best == 2


def negotiate(accept: str | None) -> str | None:
    """The response media type for an `Accept` header: `application/graphql-response+json` or
    `application/json`, or None when neither is acceptable. The higher quality wins, then a
    media type named exactly; when both are named alike the newer one, and when only a wildcard
    matched (`*/*`, as legacy clients send) `application/json`. No header means JSON."""
    if not accept or not accept.strip():
        return JSON
    ranges = [parse_content_type(part.strip()) for part in accept.split(",") if part.strip()]
    offers = []
    for preference, media_type in enumerate((GRAPHQL_RESPONSE, JSON)):
        quality, exact = _quality(ranges, media_type)
        if quality > 0:
            offers.append(((quality, exact, -preference if exact else preference), media_type))
    return max(offers)[1] if offers else None


def http_error(
    status: int, reason: str, media_type: str = JSON, code: str | None = None
) -> Response:
    """A refusal before any GraphQL ran, as a GraphQL error body (Strawberry sends plain text)."""
    error = {
        "message": reason,
        "extensions": {"code": code or HTTP_ERROR_CODES.get(status, "BAD_REQUEST")},
    }
    return Response(orjson.dumps({"errors": [error]}), status_code=status, media_type=media_type)


def unauthenticated(media_type: str = JSON) -> Response:
    """401 with no data, as GraphQL over HTTP expects for a request the server refuses."""
    return Response(
        orjson.dumps({"errors": [UNAUTHENTICATED_ERROR]}),
        status_code=401,
        media_type=media_type,
        headers={"WWW-Authenticate": 'Bearer realm="fleet-gateway"'},
    )


def is_request_error(result: ExecutionResult) -> bool:
    """An error before execution (parse, validation, variables, a limit, the budget): no data
    at all, and no error at a path (a failed non-null field nulls `data` from a path)."""
    return (
        result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
    )


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every graphql-transport-ws message as a text frame, as the protocol requires
    (Strawberry sends a binary frame when `encode_json` returns bytes, which the `graphql-ws`
    client, in browsers and Node, cannot read)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class GatewayView(GraphQL[RequestContext, None]):
    websocket_adapter_class = TextWebSocketAdapter  # type: ignore[assignment]
    # Open WebSockets register with the app's lifecycle, which closes them when draining.
    graphql_transport_ws_handler_class = ClosableTransportWSHandler
    lifecycle: Lifecycle | None = None

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
        self.persisted = PersistedDocuments.from_settings(settings)

    async def aclose(self) -> None:
        """Closes the persisted-query store (its Redis connections); called at shutdown."""
        await self.persisted.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        request.state.media_type = JSON
        try:
            await self._respond(request, scope, receive, send)
        finally:
            context: RequestContext | None = getattr(request.state, "context", None)
            if context is not None:
                context.release()

    async def _respond(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self.run(request)
        except PersistedQueryError as error:
            media_type = request.state.media_type
            status = 200 if error.code in _RECOVERABLE and media_type == JSON else 400
            response = http_error(status, error.message, media_type, error.code)
        except HTTPException as error:
            media_type = request.state.media_type
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # A mutation over GET: the method is what is wrong (GraphQL over HTTP: 405).
                response = http_error(405, error.reason, media_type)
                response.headers["Allow"] = "POST"
            else:
                response = http_error(error.status_code, error.reason, media_type)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A browser's navigation to the endpoint (it asks for HTML), not a GET operation (one
        that names a document by text, hash or id)."""
        params = request.query_params
        return (
            request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
            and not any(params.get(name) for name in ("query", "extensions", "documentId"))
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return await graphiql.page(self.settings, self.services.reader)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        request.state.sub_response = sub_response
        return sub_response

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        figures = stats.current() or stats.begin_request()
        viewer: Viewer = getattr(request.state, "viewer", NOBODY)
        context = build_context(self.services, viewer, figures)
        request.state.context = context  # released once an HTTP response is sent
        return context

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
        """Before anything runs: the media type (406), CSRF (403, 400) and the bearer token
        (401). The GraphiQL page itself needs none of them."""
        if isinstance(request, Request) and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            media_type = negotiate(request.headers.get("accept"))
            if media_type is None:
                raise HTTPException(
                    406, f"Accept {GRAPHQL_RESPONSE} or {JSON} (the media types served here)."
                )
            request.state.media_type = media_type
            headers = request.headers
            if (
                headers.get("sec-fetch-site") == "cross-site"
                and headers.get("sec-fetch-mode") in _NO_CORS_MODES
            ):
                raise HTTPException(403, "A cross-site form or navigation cannot run operations.")
            if request.method == "POST":
                content_type, _ = parse_content_type(headers.get("content-type") or "-/-")
                if content_type.lower() != JSON:
                    # What a cross-site form can send (urlencoded, multipart, text/plain) stops
                    # here, before the body is read.
                    raise HTTPException(400, "Unsupported content type")
            try:
                request.state.viewer = viewer_from_header(
                    self.settings, headers.get("authorization")
                )
            except InvalidToken:
                return unauthenticated(media_type)
        return await super().run(request, context, root_value)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The operation(s) of a GET's parameters or a POST's JSON body (its content type is
        checked in `run`), with persisted documents resolved to their text."""
        if request.method == "GET":
            data: Any = self.parse_query_params(request.query_params)
        else:
            data = self.parse_json(await request.get_body())
        # In production a GET carries a persisted document's hash, never document text.
        text_allowed = not (request.method == "GET" and self.settings.is_production)
        if isinstance(data, list):
            self._validate_batch_request(data, protocol="http")
            return [await self._request_data(item, text_allowed) for item in data]
        return await self._request_data(data, text_allowed)

    async def _request_data(self, data: object, text_allowed: bool) -> GraphQLRequestData:
        if not isinstance(data, dict):
            raise HTTPException(400, "A GraphQL request is a JSON object.")
        for name, kind, what in (
            ("query", str, "a string"),
            ("operationName", str, "a string"),
            ("variables", dict, "an object"),
            ("extensions", dict, "an object"),
        ):
            if not isinstance(data.get(name), (kind, type(None))):
                raise HTTPException(400, f"`{name}` must be {what} or null, if provided.")
        return GraphQLRequestData(
            query=await self.persisted.resolve(data, text_allowed=text_allowed),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol="http",
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Strawberry's response with the negotiated media type (it always says JSON)."""
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    def _stats_allowed(self, request: Request) -> bool:
        if self.settings.stats_for_everyone:
            return True
        viewer: Viewer = getattr(request.state, "viewer", NOBODY)
        return viewer.has(Role.TENANT_ADMIN)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; a request error has no `data` entry, and under
        `application/graphql-response+json` a 4xx status (429 with `Retry-After` for a spent
        budget), so a client can tell it from a partial result."""
        media_type: str = getattr(request.state, "media_type", JSON)
        sub_response: Response | None = getattr(request.state, "sub_response", None)
        response: dict[str, Any] = {}
        if is_request_error(result):
            if media_type == GRAPHQL_RESPONSE and sub_response is not None:
                self._request_error_status(result, sub_response)
        else:
            response["data"] = result.data
        if sub_response is not None:
            sub_response.media_type = media_type
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

    @staticmethod
    def _request_error_status(result: ExecutionResult, sub_response: Response) -> None:
        first = (result.errors or [])[0]
        extensions = first.extensions or {}
        if extensions.get("code") == "RATE_LIMITED":
            sub_response.status_code = 429
            retry_after = extensions.get("retryAfter")
            if isinstance(retry_after, (int, float)):
                sub_response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        else:
            sub_response.status_code = 400
