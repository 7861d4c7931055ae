"""Serve an ASGI app with uvicorn on a free loopback port, in a background thread (for tests and
the bench, where a real socket matters)."""

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp


@asynccontextmanager
async def serving_in_thread(app: ASGIApp, *, lifespan: str = "off") -> AsyncIterator[str]:
    """Yields the base URL (`http://127.0.0.1:<port>`) once the server accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    try:
        # `started` is a plain flag the server's thread sets: poll it, for at most 10 s.
        for _ in range(500):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the server stopped while starting")
            await asyncio.sleep(0.02)
        else:
            raise RuntimeError("the server did not start within 10 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
