"""Who is asking: signed bearer tokens (JWT) carrying the user, the tenant and the roles.

A request to `/graphql` without a valid token gets `401` and no data. Roles follow the MDM
provider's authorisation words and are ordered: each includes the ones before it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import tables
from app.enums import Role
from app.settings import Settings

ROLE_ORDER = tuple(Role)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller: a user of one tenant, with roles."""

    tenant_id: int
    user_id: int
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        """Whether the viewer holds `role` or a stronger one."""
        needed = ROLE_ORDER.index(role)
        return any(ROLE_ORDER.index(held) >= needed for held in self.roles)


# The viewer of the GraphiQL page request (which runs no operation): a tenant that does not exist,
# no roles. Anything scoped to it finds nothing.
NOBODY = Viewer(tenant_id=0, user_id=0, roles=frozenset())


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by this gateway."""


def issue_token(
    settings: Settings, *, tenant_id: int, user_id: int, roles: frozenset[Role] | set[Role]
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "tid": tenant_id,
        "roles": sorted(role.value for role in roles),
        "iat": now,
        "exp": now + timedelta(seconds=settings.token_ttl_seconds),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)


def viewer_from_header(settings: Settings, authorization: str | None) -> Viewer:
    """The viewer of an `Authorization: Bearer <jwt>` header; `InvalidToken` otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("a bearer token is required")
    try:
        claims = jwt.decode(
            token.strip(),
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "tid", "roles", "iss", "aud"]},
        )
        roles = frozenset(Role(value) for value in claims["roles"])
        tenant_id, user_id = int(claims["tid"]), int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        raise InvalidToken(str(error)) from None
    if not roles:
        raise InvalidToken("the token carries no role")
    return Viewer(tenant_id, user_id, roles)


async def token_for_first_user(
    engine: AsyncEngine, settings: Settings, tenant_slug: str, role: Role
) -> tuple[int, int, str] | None:
    """(tenant id, user id, token) for the first user of `tenant_slug` holding `role`, or None.

    For `make token`, the tests and the bench: the demo seed gives every tenant every role.
    """
    users, clients = tables.User.__table__, tables.Client.__table__
    query = (
        sa.select(clients.c.id, users.c.id)
        .join(users, users.c.client_id == clients.c.id)
        .where(clients.c.slug == tenant_slug, users.c.role == role.value)
        .order_by(users.c.id)
        .limit(1)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    tenant_id, user_id = row
    return (
        tenant_id,
        user_id,
        issue_token(settings, tenant_id=tenant_id, user_id=user_id, roles={role}),
    )
