"""The inventory API's error shape: `{"error": {"code", "message", "details"}}`, and its responses.

Routes raise `ApiError`; the app's exception handlers (and the fault injector, through
`error_body`) turn it into the documented body with the matching status.
"""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

# The `code` the API uses for each status it answers with.
CODES: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def code_for(status: int) -> str:
    return CODES.get(status, "internal_error" if status >= 500 else "invalid_request")


class ApiError(Exception):
    """An error the API answers with: status, machine code, message and details."""

    def __init__(
        self,
        status: int,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}
        self.code = code or code_for(status)
        self.headers = headers or {}

    def response(self) -> Response:
        return error_response(self.status, self.message, self.details, self.code, self.headers)


class JsonResponse(Response):
    """A JSON response serialised with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_payload(
    status: int, message: str, details: dict[str, Any] | None = None, code: str | None = None
) -> dict[str, Any]:
    return {
        "error": {"code": code or code_for(status), "message": message, "details": details or {}}
    }


def error_body(status: int, message: str) -> bytes:
    """The body of an error the fault injector sends (`app.simulators.faults.ErrorBody`)."""
    return orjson.dumps(error_payload(status, message))


def error_response(
    status: int,
    message: str,
    details: dict[str, Any] | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return JsonResponse(error_payload(status, message, details, code), status, headers=headers)


def bad_parameter(name: str, message: str, value: str | None = None, **extra: Any) -> ApiError:
    """A 400 about one query parameter."""
    details: dict[str, Any] = {"parameter": name}
    if value is not None:
        details["value"] = value
    details.update(extra)
    return ApiError(400, message, details)


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 / 405 (unknown path, wrong method) in the API's error shape."""
    status = int(getattr(exc, "status_code", 500))
    message = {404: "Not found", 405: "Method not allowed"}.get(status, "Request failed")
    headers = dict(getattr(exc, "headers", None) or {})
    return error_response(status, message, {"path": request.url.path}, headers=headers)


async def handle_server_error(_request: Request, _exc: Exception) -> Response:
    return error_response(500, "Internal server error")
