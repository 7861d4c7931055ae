"""Graceful restarts: drain on SIGTERM, close subscriptions so clients reconnect, answer `/readyz`
with 503 meanwhile.

uvicorn handles SIGTERM itself: it stops accepting, lets in-flight requests finish within
`timeout_graceful_shutdown` (`DRAIN_TIMEOUT_SECONDS`), then runs the lifespan shutdown. What it
cannot know is the application's side, so `Lifecycle.chain_signals` (called from the lifespan,
which runs inside uvicorn's signal capture) wraps uvicorn's handler: on the first SIGTERM or
SIGINT it marks the process as draining (`/readyz` answers 503), closes every open subscription
with 1012 "Service Restart", and hands the signal on to uvicorn after `DRAIN_DELAY_SECONDS` (time
for a load balancer to see `/readyz` fail and stop sending; requests arriving meanwhile are
served). A second signal goes straight to uvicorn.

Why 1012: graphql-transport-ws defines 44xx/45xx close codes for protocol errors, which the
reference client (graphql-ws) treats as fatal; it retries on 1012 (Service Restart, RFC 6455's
registry), the code uvicorn itself sends to WebSockets still open at shutdown.
"""

import asyncio
import logging
import signal
import threading
import weakref
from collections.abc import Callable
from contextlib import suppress
from types import FrameType
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

logger = logging.getLogger("gateway.lifecycle")

SERVICE_RESTART = 1012
RESTART_REASON = "The server is restarting: reconnect."
_SIGNALS = (signal.SIGTERM, signal.SIGINT)

SignalHandler = Callable[[int, FrameType | None], Any]


class Lifecycle:
    """One app's draining state and its open subscriptions."""

    def __init__(self, drain_delay_seconds: float = 0.0) -> None:
        self.drain_delay_seconds = drain_delay_seconds
        self.draining = False
        self.sockets: weakref.WeakSet[ClosableTransportWSHandler] = weakref.WeakSet()
        self._installed: dict[int, tuple[SignalHandler, SignalHandler]] = {}
        self._drain: asyncio.Task[None] | None = None

    async def close_subscriptions(self) -> int:
        """Close every open graphql-transport-ws connection with 1012; how many were open."""
        handlers = list(self.sockets)
        for handler in handlers:
            with suppress(Exception):
                await handler.close_for_restart()
        return len(handlers)

    async def begin_draining(self) -> None:
        """From now on `/readyz` fails; open subscriptions are told to reconnect elsewhere."""
        if not self.draining:
            self.draining = True
            closed = await self.close_subscriptions()
            logger.info("draining", extra={"subscriptionsClosed": closed})

    def chain_signals(self) -> None:
        """Wrap uvicorn's SIGTERM/SIGINT handlers (only they: in a test's event loop, or off the
        main thread, nothing is installed)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            previous = signal.getsignal(sig)
            if not _is_uvicorns(previous):
                continue
            handler = self._handler(loop, previous)  # type: ignore[arg-type]
            signal.signal(sig, handler)
            self._installed[sig] = (handler, previous)  # type: ignore[assignment]

    def unchain_signals(self) -> None:
        """Put uvicorn's handlers back (uvicorn restores its own originals after that)."""
        for sig, (handler, previous) in self._installed.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)
        self._installed.clear()

    def _handler(self, loop: asyncio.AbstractEventLoop, previous: SignalHandler) -> SignalHandler:
        def on_signal(sig: int, frame: FrameType | None) -> None:
            if self.draining:
                previous(sig, frame)
                return
            self.draining = True
            loop.call_soon_threadsafe(self._start_drain, sig, previous)

        return on_signal

    def _start_drain(self, sig: int, previous: SignalHandler) -> None:
        async def drain() -> None:
            try:
                closing = asyncio.wait_for(self.close_subscriptions(), timeout=5)
                closed, _ = await asyncio.gather(
                    closing, asyncio.sleep(self.drain_delay_seconds), return_exceptions=True
                )
                logger.info(
                    "draining: uvicorn now stops accepting and finishes in-flight requests",
                    extra={"signal": signal.Signals(sig).name, "subscriptionsClosed": closed},
                )
            finally:
                previous(sig, None)

        self._drain = asyncio.get_running_loop().create_task(drain(), name="drain")


def _is_uvicorns(handler: object) -> bool:
    owner = getattr(handler, "__self__", None)
    return owner is not None and type(owner).__module__.startswith("uvicorn.")


class ClosableTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """Strawberry's graphql-transport-ws handler, registered with the view's `Lifecycle` while
    its connection is open, so a draining process can close it."""

    async def handle(self) -> None:
        lifecycle: Lifecycle | None = getattr(self.view, "lifecycle", None)
        if lifecycle is not None:
            lifecycle.sockets.add(self)
        try:
            await super().handle()
        finally:
            if lifecycle is not None:
                lifecycle.sockets.discard(self)

    async def close_for_restart(self) -> None:
        """Stop every operation (no message is sent after the close), then close with 1012."""
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=SERVICE_RESTART, reason=RESTART_REASON)
