"""The MDM provider simulator as a Starlette app: routes, Basic auth, faults, `/_sim/` controls."""

import logging
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.seed import DEFAULT_DEVICES
from app.simulators.faults import FaultInjector, FaultState, control_routes
from app.simulators.mdm.actions import action_control_routes
from app.simulators.mdm.auth import BasicAuth, Credential, Principal
from app.simulators.mdm.enums import Role
from app.simulators.mdm.errors import (
    ApiError,
    error_body,
    handle_api_error,
    handle_http_error,
    handle_server_error,
)
from app.simulators.mdm.routes import routes
from app.simulators.mdm.store import ActionSettings, MdmStore

ENV_PREFIX = "MDM"
DEFAULT_USERNAME = "gateway"
DEFAULT_PASSWORD = "gateway-secret"

log = logging.getLogger(__name__)


class OwnPath:
    """Shows the middlewares the simulator's own path when it is mounted under a prefix.

    Under `Mount("/mdm", app)`, Starlette keeps the full path in `scope["path"]` and the prefix
    in `root_path`; the auth compares `scope["path"]` with `/_sim/`, so the prefix is moved out
    of the way (`/mdm/_sim/faults` -> `/_sim/faults`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path = scope.get("path", "")
        if scope["type"] == "http" and root and path.startswith(f"{root}/"):
            scope = {**scope, "path": path[len(root) :], "root_path": ""}
        await self.app(scope, receive, send)


def default_credentials(username: str, password: str, store: MdmStore) -> dict[str, Credential]:
    """The main credential (tenant admin of every partition) and a few narrower ones, all with
    the same password: `<username>-readonly`, `-actions`, `-management` (those roles, every
    partition) and `<username>-<partition id>` (tenant admin of that partition only)."""
    credentials = {username: Credential(password, Principal(username))}
    for suffix, role in (
        ("readonly", Role.DEVICE_READ_ONLY),
        ("actions", Role.DEVICE_ACTIONS),
        ("management", Role.DEVICE_MANAGEMENT),
    ):
        name = f"{username}-{suffix}"
        credentials[name] = Credential(password, Principal(name, frozenset({role})))
    for partition_id in store.partition_ids:
        name = f"{username}-{partition_id}"
        credentials[name] = Credential(
            password, Principal(name, partitions=frozenset({partition_id}))
        )
    return credentials


def create_app(
    devices: int = DEFAULT_DEVICES,
    *,
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
    faults: FaultState | None = None,
    credentials: Mapping[str, Credential] | None = None,
    preload: bool = False,
    actions: ActionSettings | None = None,
) -> Starlette:
    """The simulator for the seed of `devices` devices.

    `username` / `password` is a tenant admin of every partition; `credentials` replaces the
    narrower default ones (`default_credentials`). Faults come from `MDM_SIM_FAULT` and
    `MDM_SIM_LATENCY_MS` unless `faults` is given, the delay of asynchronous actions from
    `MDM_SIM_ASYNC_MS` unless `actions` is given. `preload` builds every partition now instead
    of on first use. `app.state.store` and `app.state.faults` are the live state.
    """
    store = MdmStore(
        devices, actions if actions is not None else ActionSettings.from_env(ENV_PREFIX)
    )
    if preload:
        store.load_all()
    state = faults if faults is not None else FaultState.from_env(ENV_PREFIX)
    accepted = (
        default_credentials(username, password, store)
        if credentials is None
        else {username: Credential(password, Principal(username)), **credentials}
    )
    app = Starlette(
        routes=[
            *routes(store),
            *control_routes(state, store.reset),
            *action_control_routes(store),
        ],
        middleware=[
            Middleware(OwnPath),
            Middleware(FaultInjector, state=state, error_body=error_body),
            Middleware(BasicAuth, credentials=accepted),
        ],
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_error,
            Exception: handle_server_error,
        },
    )
    app.state.store = store
    app.state.faults = state
    log.debug("MDM simulator: %d devices, fault %s", devices, state.mode.value)
    return app
