"""The exported SDL and the migrations stay in step with the code."""

from pathlib import Path

import graphql
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from app.settings import Settings
from schema import build_schema, sdl
from tests.conftest import GraphQLClient

SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_is_current() -> None:
    current = sdl(build_schema(Settings()))
    assert SDL_FILE.read_text() == current, "schema.graphql is stale: run `make schema`"


def test_schema_has_the_relay_contract() -> None:
    exported = graphql.build_schema(SDL_FILE.read_text())
    node = exported.get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    assert str(node.fields["id"].type) == "ID!"
    query = exported.query_type
    assert query is not None
    assert str(query.fields["node"].type) == "Node"
    assert str(query.fields["nodes"].type) == "[Node]!"
    for name in ("Device", "User", "Order", "Parcel", "Address", "MdmEnrollment"):
        assert node in exported.get_type(name).interfaces  # type: ignore[union-attr]
    for connection in ("DeviceConnection", "UserConnection", "OrderConnection", "ParcelConnection"):
        fields = exported.get_type(connection).fields  # type: ignore[union-attr]
        assert {"edges", "nodes", "pageInfo", "totalCount"} <= set(fields)


async def test_migrations_match_the_tables(client: GraphQLClient) -> None:
    """Alembic's head creates exactly what the SQLModel tables declare, on each backend."""

    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, SQLModel.metadata)

    async with client.backend.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
