"""The inventory simulator as a Starlette app: routes, auth, faults and the `/_sim/` controls."""

import logging
from collections.abc import Mapping, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.seed import DEFAULT_DEVICES
from app.simulators.faults import FaultInjector, FaultState, control_routes
from app.simulators.inventory.auth import BearerAuth, Principal
from app.simulators.inventory.errors import (
    ApiError,
    error_body,
    handle_api_error,
    handle_http_error,
    handle_server_error,
)
from app.simulators.inventory.routes import routes
from app.simulators.inventory.store import InventoryStore

ENV_PREFIX = "INVENTORY"
DEFAULT_TOKEN = "dev-inventory-token"

log = logging.getLogger(__name__)


class OwnPath:
    """Shows the middlewares the simulator's own path when it is mounted under a prefix.

    Under `Mount("/inventory", app)`, Starlette keeps the full path in `scope["path"]` and the
    prefix in `root_path`; the fault injector and the auth compare `scope["path"]` with
    `/_sim/`, so the prefix is moved out of the way (`/inventory/_sim/faults` -> `/_sim/faults`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path = scope.get("path", "")
        if scope["type"] == "http" and root and path.startswith(f"{root}/"):
            scope = {**scope, "path": path[len(root) :], "root_path": ""}
        await self.app(scope, receive, send)


def scoped_tokens(token: str, store: InventoryStore) -> dict[str, Sequence[str]]:
    """The default client-scoped tokens: `<token>-<slug>` reads only that client."""
    return {f"{token}-{slug}": [slug] for slug in store.slugs}


def create_app(
    devices: int = DEFAULT_DEVICES,
    *,
    token: str = DEFAULT_TOKEN,
    faults: FaultState | None = None,
    client_tokens: Mapping[str, Sequence[str]] | None = None,
    preload: bool = False,
) -> Starlette:
    """The simulator for the seed of `devices` devices.

    `token` reads every client. `client_tokens` maps more tokens to the clients (seed slugs or
    inventory client ids) they may read, anything else being 403; by default
    `<token>-acme` and `<token>-globex`. Faults come from `INVENTORY_SIM_FAULT` and
    `INVENTORY_SIM_LATENCY_MS` unless `faults` is given. `preload` builds every client now
    instead of on first use. `app.state.store` and `app.state.faults` are the live state.
    """
    store = InventoryStore(devices)
    if preload:
        store.load_all()
    state = faults if faults is not None else FaultState.from_env(ENV_PREFIX)
    tokens = {token: Principal("main")}
    scoped = client_tokens if client_tokens is not None else scoped_tokens(token, store)
    for scoped_token, clients in scoped.items():
        tokens[scoped_token] = Principal(scoped_token, store.resolve(clients))
    app = Starlette(
        routes=[*routes(store), *control_routes(state, store.reset)],
        middleware=[
            Middleware(OwnPath),
            Middleware(FaultInjector, state=state, error_body=error_body),
            Middleware(BearerAuth, tokens=tokens),
        ],
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_error,
            Exception: handle_server_error,
        },
    )
    app.state.store = store
    app.state.faults = state
    log.debug("inventory simulator: %d devices, fault %s", devices, state.mode.value)
    return app
