"""The bench asks as a tenant admin of `acme`, the floor reads that same tenant."""

from dataclasses import dataclass

from app.auth import token_for_first_user
from app.db.engine import create_engine
from app.enums import Role
from app.settings import Settings

TENANT = "acme"


@dataclass(frozen=True, slots=True)
class BenchViewer:
    tenant_id: int
    token: str

    @property
    def header(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


async def bench_viewer(url: str) -> BenchViewer:
    """A token for the first TENANT_ADMIN of `acme` in the bench database (signed with the
    settings the bench's gateways use)."""
    engine = create_engine(url)
    try:
        found = await token_for_first_user(
            engine, Settings(database_url=url), TENANT, Role.TENANT_ADMIN
        )
    finally:
        await engine.dispose()
    if found is None:
        raise RuntimeError(f"the bench database has no TENANT_ADMIN of {TENANT}")
    tenant_id, _user_id, token = found
    return BenchViewer(tenant_id, token)
