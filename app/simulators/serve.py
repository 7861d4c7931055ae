"""Both simulators in one ASGI app: the MDM provider under `/mdm`, the inventory under `/inventory`.

`make run` serves it on `SIMULATORS_PORT` beside the gateway (unless `SIMULATORS=false`), and the
gateway's default `MDM_BASE_URL` / `INVENTORY_BASE_URL` point at it. Each simulator keeps its own
`/_sim/*` control routes under its prefix (e.g. `PUT /mdm/_sim/faults`).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount

from app.serving import serving_in_thread
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
    """Both simulators on a free loopback port in a background thread (tests); yields their base
    URL (`/mdm`, `/inventory` beneath it)."""
    async with serving_in_thread(create_simulators(devices)) as base_url:
        yield base_url
