"""`node(id:)` and `nodes(ids:)`: global IDs of every type resolve to their object, or to null."""

import pytest
import sqlalchemy as sa

from app.db import tables
from schema.node import from_global_id, to_global_id
from tests.conftest import GraphQLClient

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Device { databaseId serialNumber }
    ... on User { databaseId email }
    ... on Order { databaseId orderNumber }
    ... on Parcel { databaseId device { databaseId } }
    ... on Address { databaseId city }
    ... on MdmEnrollment { databaseId status device { databaseId } }
  }
}
"""

TYPES = {
    "Device": tables.Device,
    "User": tables.User,
    "Order": tables.Order,
    "Parcel": tables.Parcel,
    "Address": tables.Address,
}


@pytest.mark.parametrize("type_name", sorted(TYPES))
async def test_every_node_type_round_trips(client: GraphQLClient, type_name: str) -> None:
    model = TYPES[type_name]
    async with client.backend.engine.connect() as conn:
        database_id = (await conn.execute(sa.select(sa.func.min(model.id)))).scalar_one()
    node = (await client.data(NODE, {"id": to_global_id(type_name, database_id)}))["node"]
    assert node["__typename"] == type_name
    assert node["databaseId"] == database_id
    assert from_global_id(node["id"]) == (type_name, database_id)


async def test_an_enrollment_node_is_only_an_exposed_one(client: GraphQLClient) -> None:
    enrollments = tables.MdmEnrollment.__table__
    async with client.backend.engine.connect() as conn:
        rows = (await conn.execute(sa.select(enrollments.c.id, enrollments.c.status))).all()
    draft = next(row.id for row in rows if row.status == "DRAFT")
    shown = next(row.id for row in rows if row.status != "DRAFT")
    assert (await client.data(NODE, {"id": to_global_id("MdmEnrollment", draft)}))["node"] is None
    node = (await client.data(NODE, {"id": to_global_id("MdmEnrollment", shown)}))["node"]
    assert node["databaseId"] == shown


async def test_unknown_ids_and_types_resolve_to_null(client: GraphQLClient) -> None:
    missing = (await client.data(NODE, {"id": to_global_id("Device", 10**9)}))["node"]
    assert missing is None
    unknown_type = (await client.data(NODE, {"id": to_global_id("Spaceship", 1)}))["node"]
    assert unknown_type is None


async def test_nodes_keeps_order_and_nulls(client: GraphQLClient) -> None:
    ids = [to_global_id("Device", 2), to_global_id("Device", 10**9), to_global_id("User", 1)]
    data = await client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids}
    )
    assert [n and n["id"] for n in data["nodes"]] == [ids[0], None, ids[2]]


async def test_nodes_refuses_more_than_100_ids(client: GraphQLClient) -> None:
    ids = [to_global_id("Device", i) for i in range(1, 102)]
    error = await client.error("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert error["extensions"]["code"] == "INVALID_ID"
    assert "100" in error["message"]
