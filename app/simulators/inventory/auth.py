"""Bearer authentication, as the inventory does it, and per-client authorisation.

Every path outside `/_sim/` needs `Authorization: Bearer <token>` (else 401). A token is either
the main one (every client) or scoped to some clients: a request for another client is refused
with 403 "Insufficient permissions for this client", as the documents describe.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.simulators.faults import CONTROL_PREFIX
from app.simulators.inventory.errors import ApiError, error_response

PRINCIPAL = "inventory_principal"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token is: `clients` None means every client."""

    name: str
    clients: frozenset[str] | None = None

    def may_read(self, client_id: str) -> bool:
        return self.clients is None or client_id in self.clients


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class BearerAuth:
    """ASGI middleware: 401 without a known bearer token, else the principal in `scope["state"]`."""

    def __init__(self, app: ASGIApp, tokens: Mapping[str, Principal]) -> None:
        self.app = app
        self.tokens = dict(tokens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        token = bearer_token(header)
        principal = self.tokens.get(token) if token is not None else None
        if principal is None:
            message = "Authentication required" if token is None else "Invalid API token"
            response = error_response(
                401, message, headers={"WWW-Authenticate": 'Bearer realm="inventory"'}
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal
        await self.app(scope, receive, send)


def require_client_access(request: Request, client_id: str) -> None:
    """403 unless the request's token may read `client_id`."""
    principal: Principal = request.state.inventory_principal
    if not principal.may_read(client_id):
        raise ApiError(403, "Insufficient permissions for this client", {"client_id": client_id})
