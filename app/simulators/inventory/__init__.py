"""Simulator of the device-agent inventory API (`inventory-api-*.txt`), over the gateway's seed.

    from app.simulators.inventory import create_app

    app = create_app(240)  # devices, users and serial numbers of `app.seed.generate(240)`
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://inventory") as client:
        await client.get(f"/v2/clients/{client_id}/devices", headers={"Authorization": ...})

Serves `/v2/clients/{client_id}/devices[/{device_id}[/users]]` with Bearer auth, keeps state in
`app.state.store`, and injects faults (`app.simulators.faults`, env prefix `INVENTORY`).
`python -m app.simulators.inventory` serves it with uvicorn.
"""

from app.simulators.inventory.app import DEFAULT_TOKEN, ENV_PREFIX, create_app
from app.simulators.inventory.errors import error_body
from app.simulators.inventory.store import InventoryStore

__all__ = ["DEFAULT_TOKEN", "ENV_PREFIX", "InventoryStore", "create_app", "error_body"]
