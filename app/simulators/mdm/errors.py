"""The provider's response envelope and error shape.

Every answer is `{"errors": ..., "result": ...}`. On success `errors` is null. On failure
`result` is null and `errors` holds global and per-field errors, the shape the provider's API
basics document for its 500-row limit:

    400 {"errors": {"globalErrors": null, "fieldErrors": [{"code": "Range",
         "message": "must be between 1 and 500", "field": "rows"}]}, "result": null}

Errors not about one parameter (401, 403, 404, 429, 5xx) are `globalErrors` entries with a
`code` and a `message`. Routes raise `ApiError`; the app's handlers (and the fault injector,
through `error_body`) write it.
"""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

# The `code` of a global error, per status.
CODES: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "AccessDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def code_for(status: int) -> str:
    return CODES.get(status, "InternalServerError" if status >= 500 else "BadRequest")


class JsonResponse(Response):
    """A JSON response serialised with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(result: Any) -> JsonResponse:
    """The success envelope."""
    return JsonResponse({"errors": None, "result": result})


def field_error(name: str, code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message, "field": name}


class ApiError(Exception):
    """An error the provider answers with: a status and global or field errors."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or (fields[0]["message"] if fields else ""))
        self.status = status
        self.message = message
        self.code = code or code_for(status)
        self.fields = fields
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        global_errors = None
        if self.message is not None:
            global_errors = [{"code": self.code, "message": self.message}]
        return {
            "errors": {"globalErrors": global_errors, "fieldErrors": self.fields},
            "result": None,
        }

    def response(self) -> Response:
        return JsonResponse(self.payload(), self.status, headers=self.headers)


def bad_field(name: str, code: str, message: str) -> ApiError:
    """A 400 about one parameter or body field."""
    return ApiError(400, fields=[field_error(name, code, message)])


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def error_body(status: int, message: str) -> bytes:
    """The body of an error the fault injector sends (`app.simulators.faults.ErrorBody`)."""
    return orjson.dumps(ApiError(status, message).payload())


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 / 405 (unknown path, wrong method) in the provider's shape."""
    status = int(getattr(exc, "status_code", 500))
    message = {404: f"No resource at {request.url.path}", 405: "Request method not supported"}
    headers = dict(getattr(exc, "headers", None) or {})
    return ApiError(status, message.get(status, "Request failed"), headers=headers).response()


async def handle_server_error(_request: Request, _exc: Exception) -> Response:
    return ApiError(500, "Internal server error").response()
