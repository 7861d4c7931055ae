"""Both simulators in one ASGI app: the MDM provider under `/mdm`, the inventory under `/inventory`.

`make run` serves it on `SIMULATORS_PORT` beside the gateway (unless `SIMULATORS=false`), and the
gateway's default `MDM_BASE_URL` / `INVENTORY_BASE_URL` point at it. Each simulator keeps its own
`/_sim/*` control routes under its prefix (e.g. `PUT /mdm/_sim/faults`).
"""

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from app.simulators.inventory import create_app as create_inventory
from app.simulators.mdm import create_app as create_mdm


def create_simulators(devices: int) -> Starlette:
    return Starlette(
        routes=[
            Mount("/mdm", create_mdm(devices)),
            Mount("/inventory", create_inventory(devices)),
        ]
    )


@asynccontextmanager
async def running_simulators(devices: int) -> AsyncIterator[str]:
    """Serve both simulators with uvicorn on a free loopback port, in a background thread, for
    the tests and the bench; yields their base URL (`/mdm`, `/inventory` beneath it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_simulators(devices), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="simulators", daemon=True)
    thread.start()
    try:
        # `started` is a plain flag the server's thread sets: poll it, for at most 10 s.
        for _ in range(500):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the simulators' server stopped while starting")
            await asyncio.sleep(0.02)
        else:
            raise RuntimeError("the simulators did not start within 10 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
