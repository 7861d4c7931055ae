"""The nested device view costs a constant number of SQL statements whatever the page size."""

from typing import Any

import pytest
import sqlalchemy as sa

from app.db import tables
from resolvers.loaders import exposed_enrollment
from tests.conftest import GraphQLClient
from tests.queries import NESTED_DEVICE_VIEW

D = tables.Device.__table__
P = tables.Parcel.__table__
M = tables.MdmEnrollment.__table__

# devices, their count, characteristics, assignees, orders, enrollments, the parcels page and
# count, and the parcels' addresses.
NESTED_VIEW_STATEMENTS = 9


async def statements_for(
    client: GraphQLClient, first: int, device_filter: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    body = await client.post(
        NESTED_DEVICE_VIEW.replace("after: $after)", "after: $after, filter: $filter)").replace(
            "$after: String)", "$after: String, $filter: DeviceFilter)"
        ),
        {"first": first, "filter": device_filter},
        stats=True,
    )
    assert "errors" not in body, body["errors"]
    nodes = [edge["node"] for edge in body["data"]["devices"]["edges"]]
    return nodes, body["extensions"]["stats"]["sqlStatements"]


async def complete_device_serial(client: GraphQLClient) -> str:
    """A device with every relation of the view (so that no loader is skipped for a null)."""
    query = (
        sa.select(D.c.serial_number)
        .where(
            D.c.user_id.is_not(None),
            D.c.order_id.is_not(None),
            D.c.serial_number.is_not(None),
            D.c.id.in_(sa.select(M.c.device_id).where(exposed_enrollment())),
            D.c.id.in_(sa.select(P.c.device_id).where(P.c.pickup_address_id.is_not(None))),
        )
        .order_by(D.c.id)
        .limit(1)
    )
    return (await client.scalars(query))[0]


async def test_statement_count_is_constant_in_page_size(client: GraphQLClient) -> None:
    serial = await complete_device_serial(client)
    one, statements_1 = await statements_for(client, 1, {"search": serial})
    assert [node["serialNumber"] for node in one] == [serial]
    ten, statements_10 = await statements_for(client, 10)
    hundred, statements_100 = await statements_for(client, 100)
    assert (len(ten), len(hundred)) == (10, 100)
    assert statements_1 == statements_10 == statements_100 == NESTED_VIEW_STATEMENTS


async def test_nested_view_returns_every_relation(client: GraphQLClient) -> None:
    data = (await client.post(NESTED_DEVICE_VIEW, {"first": 100}))["data"]["devices"]
    nodes = [edge["node"] for edge in data["edges"]]
    assert all(node["characteristics"] is not None for node in nodes)
    assert any(node["assignee"] is not None for node in nodes)
    assert any(node["assignee"] is None for node in nodes)
    assert any(node["order"] is not None for node in nodes)
    assert any(node["mdm"] is not None for node in nodes)
    assert any(node["mdm"] is None for node in nodes)
    parcels = [p["node"] for node in nodes for p in node["parcels"]["edges"]]
    assert parcels, "the seed gives parcels to some devices"
    assert any(p["pickupAddress"] is not None for p in parcels)
    for node in nodes:
        created = [edge["node"]["createdAt"] for edge in node["parcels"]["edges"]]
        assert created == sorted(created, reverse=True), "parcels are newest first"
        assert len(created) <= 3
        assert node["parcels"]["totalCount"] >= len(created)


@pytest.mark.parametrize("first", [0, 5])
async def test_page_sizes_are_honoured(client: GraphQLClient, first: int) -> None:
    data = await client.data(
        "query($n: Int) { devices(first: $n) { edges { cursor } } }", {"n": first}
    )
    assert len(data["devices"]["edges"]) == first
