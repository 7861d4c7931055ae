"""Basic authentication, as the provider does it, and its roles.

Every path outside `/_sim/` needs `Authorization: Basic base64(user:password)`; without it, or
with a wrong one, the answer is 401 in the provider's envelope. A credential carries roles (the
document's words: tenant admin, device management, device actions, device read only) and,
optionally, the partitions it may see: a device of another partition is answered as unknown.
A tenant admin may call everything; other roles only the calls whose document lists them.
"""

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.simulators.faults import CONTROL_PREFIX
from app.simulators.mdm.enums import Role
from app.simulators.mdm.errors import ApiError

PRINCIPAL = "mdm_principal"
REALM = 'Basic realm="Ivanti Neurons for MDM"'


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a credential is; `partitions` None means every partition."""

    username: str
    roles: frozenset[Role] = frozenset({Role.TENANT_ADMIN})
    partitions: frozenset[int] | None = None

    def has_any(self, roles: tuple[Role, ...]) -> bool:
        return Role.TENANT_ADMIN in self.roles or any(role in self.roles for role in roles)

    def may_see(self, partition_id: int) -> bool:
        return self.partitions is None or partition_id in self.partitions


@dataclass(frozen=True, slots=True)
class Credential:
    password: str
    principal: Principal


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """`Basic dXNlcjpwYXNz` -> ("user", "pass"), or None when absent or malformed."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


class BasicAuth:
    """ASGI middleware: 401 without valid credentials, else the principal in `scope["state"]`."""

    def __init__(self, app: ASGIApp, credentials: Mapping[str, Credential]) -> None:
        self.app = app
        self.credentials = dict(credentials)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        given = basic_credentials(header)
        principal = None
        if given is not None:
            credential = self.credentials.get(given[0])
            if credential is not None and hmac.compare_digest(
                credential.password.encode(), given[1].encode()
            ):
                principal = credential.principal
        if principal is None:
            message = (
                "Full authentication is required to access this resource"
                if given is None
                else "Bad credentials"
            )
            response = ApiError(401, message, headers={"WWW-Authenticate": REALM}).response()
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal
        await self.app(scope, receive, send)


def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.mdm_principal
    return principal


def require(request: Request, *roles: Role) -> Principal:
    """The request's principal; 403 unless it holds one of `roles` (or is a tenant admin)."""
    principal = principal_of(request)
    if not principal.has_any(roles):
        raise ApiError(403, "Access is denied")
    return principal
