"""Fault injection shared by the simulators: latency, timeouts, 5xx, 429 and malformed JSON.

A simulator wraps its app in `FaultInjector` and mounts `control_routes()`. Faults are set at
start-up from the environment (`<PREFIX>_SIM_FAULT`, `<PREFIX>_SIM_LATENCY_MS`) and, per test,
over HTTP:

- `PUT /_sim/faults` `{"mode": "5xx", "latency_ms": 0, "times": null, "path_prefix": null}`
  (`times`: only the next N matching requests fail; `path_prefix`: only paths starting with it);
- `GET /_sim/stats`: `{"requests": N, "by_path": {...}, "faulted": N}` since the last reset;
- `POST /_sim/reset`: faults off, counters zero, and the simulator's state back to its seed.
"""

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_PREFIX = "/_sim/"
SLOW_MS = 1_500  # what `slow` adds on top of the base latency
HANG_SECONDS = 60.0  # `timeout`: longer than any client waits


class FaultMode(StrEnum):
    NONE = "none"
    SLOW = "slow"
    TIMEOUT = "timeout"
    SERVER_ERROR = "5xx"
    RATE_LIMITED = "429"
    MALFORMED = "malformed"


@dataclass(slots=True)
class FaultState:
    mode: FaultMode = FaultMode.NONE
    latency_ms: int = 0
    times: int | None = None
    path_prefix: str | None = None
    retry_after_seconds: int = 1
    requests: Counter[str] = field(default_factory=Counter)
    faulted: int = 0

    @classmethod
    def from_env(cls, prefix: str) -> "FaultState":
        """`MDM_SIM_FAULT` / `MDM_SIM_LATENCY_MS` for prefix `MDM`, and so on."""
        mode = FaultMode(os.environ.get(f"{prefix}_SIM_FAULT", "none").lower())
        return cls(mode=mode, latency_ms=int(os.environ.get(f"{prefix}_SIM_LATENCY_MS", "0")))

    def configure(self, body: dict[str, object]) -> None:
        self.mode = FaultMode(str(body.get("mode", "none")))
        self.latency_ms = int(body.get("latency_ms") or 0)  # type: ignore[call-overload]
        times = body.get("times")
        self.times = None if times is None else int(times)  # type: ignore[call-overload]
        prefix = body.get("path_prefix")
        self.path_prefix = None if prefix is None else str(prefix)
        self.retry_after_seconds = int(body.get("retry_after_seconds", 1))  # type: ignore[call-overload]

    def reset(self) -> None:
        self.mode, self.latency_ms, self.times, self.path_prefix = FaultMode.NONE, 0, None, None
        self.retry_after_seconds = 1
        self.requests.clear()
        self.faulted = 0

    def take(self, path: str) -> FaultMode:
        """The fault that applies to this request (and use up one of `times`)."""
        if self.mode is FaultMode.NONE:
            return FaultMode.NONE
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return FaultMode.NONE
        if self.times is not None:
            if self.times <= 0:
                return FaultMode.NONE
            self.times -= 1
        self.faulted += 1
        return self.mode


# Builds the simulator's own error body (each upstream has its own shape) for a status.
ErrorBody = Callable[[int, str], bytes]


class FaultInjector:
    """ASGI middleware applying the configured fault to every non-control request."""

    def __init__(self, app: ASGIApp, state: FaultState, error_body: ErrorBody) -> None:
        self.app = app
        self.state = state
        self.error_body = error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        state.requests[path] += 1
        mode = state.take(path)
        delay_ms = state.latency_ms + (SLOW_MS if mode is FaultMode.SLOW else 0)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        response: Response | None = None
        if mode is FaultMode.TIMEOUT:
            await asyncio.sleep(HANG_SECONDS)
            response = Response(
                self.error_body(504, "upstream hung"), 504, media_type="application/json"
            )
        elif mode is FaultMode.SERVER_ERROR:
            response = Response(
                self.error_body(503, "service unavailable"), 503, media_type="application/json"
            )
        elif mode is FaultMode.RATE_LIMITED:
            response = Response(
                self.error_body(429, "too many requests"),
                429,
                media_type="application/json",
                headers={"Retry-After": str(state.retry_after_seconds)},
            )
        elif mode is FaultMode.MALFORMED:
            response = Response(
                b'{"result": {"searchResults": [', 200, media_type="application/json"
            )
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path inside this app, without the prefix it is mounted under (e.g. `/mdm`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def control_routes(
    state: FaultState, reset_data: Callable[[], Awaitable[None] | None]
) -> list[Route]:
    """The `/_sim/*` routes: set faults, read counters, reset everything."""

    async def faults(request: Request) -> JSONResponse:
        try:
            body = orjson.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise TypeError("the body must be a JSON object")
            state.configure(body)
        except (ValueError, TypeError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"mode": state.mode.value, "latency_ms": state.latency_ms})

    async def stats(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "requests": sum(state.requests.values()),
                "by_path": dict(state.requests),
                "faulted": state.faulted,
            }
        )

    async def reset(_request: Request) -> JSONResponse:
        state.reset()
        result = reset_data()
        if result is not None:
            await result
        return JSONResponse({"reset": True})

    return [
        Route(f"{CONTROL_PREFIX}faults", faults, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}stats", stats, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}reset", reset, methods=["POST"]),
    ]
