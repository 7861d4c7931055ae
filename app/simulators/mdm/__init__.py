"""Simulator of the MDM provider's device API (`mdm-provider-device-api.txt`), over the seed.

    from app.simulators.mdm import create_app

    app = create_app(240)  # the devices of `app.seed.generate(240)` the provider knows
    transport = httpx.ASGITransport(app=app)
    auth = httpx.BasicAuth("gateway", "gateway-secret")
    async with httpx.AsyncClient(transport=transport, base_url="http://mdm", auth=auth) as client:
        await client.get("/api/v1/device", params={"dmPartitionId": 23504, "rows": 500})

Serves the document's device calls (search, details, configurations, compliance policies,
certificates, custom attributes, DEP profiles) with Basic auth and the provider's envelope and
errors, keeps state in `app.state.store` (partitions built lazily from the seed; `/_sim/reset`
goes back to it), and injects faults (`app.simulators.faults`, env prefix `MDM`).
`python -m app.simulators.mdm` serves it with uvicorn.
"""

from app.simulators.mdm.app import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    ENV_PREFIX,
    create_app,
    default_credentials,
)
from app.simulators.mdm.auth import Credential, Principal
from app.simulators.mdm.enums import Role
from app.simulators.mdm.errors import error_body
from app.simulators.mdm.store import MdmStore

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "ENV_PREFIX",
    "Credential",
    "MdmStore",
    "Principal",
    "Role",
    "create_app",
    "default_credentials",
    "error_body",
]
