"""Relay paging: keyset cursors that stay stable while rows are inserted, in both directions."""

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from app.db import tables
from schema.node import to_global_id
from tests.conftest import GraphQLClient

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String, $orderBy: DeviceOrder) {
  devices(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { databaseId name serialNumber clientStatus createdAt } }
  }
}
"""

ORDERINGS = [
    {"field": "NAME", "direction": "ASC"},
    {"field": "NAME", "direction": "DESC"},
    {"field": "SERIAL_NUMBER", "direction": "ASC"},
    {"field": "CLIENT_STATUS", "direction": "DESC"},
    {"field": "CREATED_AT", "direction": "DESC"},
]


async def walk(client: GraphQLClient, order_by: dict[str, str], size: int) -> list[int]:
    """Every device id, page by page, forward."""
    seen: list[int] = []
    after = None
    while True:
        page = (await client.data(PAGE, {"first": size, "after": after, "orderBy": order_by}))[
            "devices"
        ]
        seen += [edge["node"]["databaseId"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def walk_back(client: GraphQLClient, order_by: dict[str, str], size: int) -> list[int]:
    """Every device id, page by page, backward from the end (in display order)."""
    seen: list[int] = []
    before = None
    while True:
        variables = {"last": size, "before": before, "orderBy": order_by}
        page = (await client.data(PAGE, variables))["devices"]
        seen = [edge["node"]["databaseId"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


async def all_device_ids(client: GraphQLClient) -> set[int]:
    return set(await client.scalars(sa.select(tables.Device.id)))


@pytest.mark.parametrize("order_by", ORDERINGS, ids=lambda o: f"{o['field']}-{o['direction']}")
async def test_forward_paging_visits_every_device_once(
    client: GraphQLClient, order_by: dict[str, str]
) -> None:
    seen = await walk(client, order_by, 70)
    assert len(seen) == len(set(seen))
    assert set(seen) == await all_device_ids(client)


async def test_pages_follow_the_ordering_with_nulls_last(client: GraphQLClient) -> None:
    data = await client.data(PAGE, {"first": 100, "orderBy": {"field": "NAME", "direction": "ASC"}})
    first_page = [edge["node"]["name"] for edge in data["devices"]["edges"]]
    named = [name for name in first_page if name is not None]
    assert named == sorted(named)
    seen = await walk(client, {"field": "NAME", "direction": "ASC"}, 100)
    names = await names_by_id(client)
    ordered = [names[i] for i in seen]
    nulls = [i for i, name in enumerate(ordered) if name is None]
    assert nulls, "the seed has devices without a name"
    assert nulls == list(range(len(ordered) - len(nulls), len(ordered))), "NULLs come last"


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_both_ways_cross_the_nulls_in_the_same_order(
    client: GraphQLClient, direction: str
) -> None:
    """A cursor on either side of the NULL names reads the rest as two ranges (named rows, NULL
    rows) merged in order: forward and backward walks, in pages that straddle the boundary, see
    the same list."""
    order = {"field": "NAME", "direction": direction}
    forward = await walk(client, order, 37)
    assert await walk_back(client, order, 37) == forward
    names = await names_by_id(client)
    named = [names[i] for i in forward if names[i] is not None]
    assert named == sorted(named, reverse=direction == "DESC")


async def names_by_id(client: GraphQLClient) -> dict[int, Any]:
    async with client.backend.engine.connect() as conn:
        rows = await conn.execute(sa.select(tables.Device.id, tables.Device.name))
        return dict(rows.all())


async def test_backward_paging_mirrors_forward(client: GraphQLClient) -> None:
    order = {"field": "CREATED_AT", "direction": "DESC"}
    forward = await client.data(PAGE, {"first": 20, "orderBy": order})
    second = await client.data(
        PAGE, {"first": 20, "after": forward["devices"]["pageInfo"]["endCursor"], "orderBy": order}
    )
    back = await client.data(
        PAGE,
        {"last": 20, "before": second["devices"]["pageInfo"]["startCursor"], "orderBy": order},
    )
    assert [e["node"]["databaseId"] for e in back["devices"]["edges"]] == [
        e["node"]["databaseId"] for e in forward["devices"]["edges"]
    ]
    assert back["devices"]["pageInfo"]["hasPreviousPage"] is False
    assert back["devices"]["pageInfo"]["hasNextPage"] is True


async def test_last_without_cursor_is_the_end_of_the_list(client: GraphQLClient) -> None:
    order = {"field": "SERIAL_NUMBER", "direction": "ASC"}
    everything = await walk(client, order, 100)
    tail = await client.data(PAGE, {"last": 7, "orderBy": order})
    assert [e["node"]["databaseId"] for e in tail["devices"]["edges"]] == everything[-7:]
    assert tail["devices"]["pageInfo"]["hasPreviousPage"] is True


async def test_inserting_while_paging_neither_repeats_nor_skips(client: GraphQLClient) -> None:
    order = {"field": "NAME", "direction": "ASC"}
    first = await client.data(PAGE, {"first": 30, "orderBy": order})
    edges = first["devices"]["edges"]
    boundary = edges[-1]["node"]["name"]
    client_id = await tenant_of(client, edges[0]["node"]["databaseId"])
    now = datetime.now(UTC)
    inserted: list[int] = []
    async with client.backend.engine.begin() as conn:
        for name in ("0000 inserted before the page", boundary, f"{boundary} inserted after"):
            result = await conn.execute(
                sa.insert(tables.Device.__table__)
                .values(
                    client_id=client_id,
                    name=name,
                    client_status="AVAILABLE",
                    created_at=now,
                    updated_at=now,
                )
                .returning(tables.Device.id)
            )
            inserted.append(result.scalar_one())
    try:
        rest = await client.data(
            PAGE,
            {"first": 100, "after": first["devices"]["pageInfo"]["endCursor"], "orderBy": order},
        )
        seen_first = {e["node"]["databaseId"] for e in edges}
        seen_next = [e["node"]["databaseId"] for e in rest["devices"]["edges"]]
        assert not seen_first & set(seen_next), "no row of page one comes back on page two"
        assert inserted[0] not in seen_next, "a row inserted before the cursor stays behind it"
        assert inserted[1] in seen_next, "a tie with the cursor's name but a higher id follows it"
        assert inserted[2] in seen_next
        assert seen_next.index(inserted[1]) < seen_next.index(inserted[2])
    finally:
        async with client.backend.engine.begin() as conn:
            await conn.execute(
                sa.delete(tables.Device.__table__).where(tables.Device.id.in_(inserted))
            )


async def tenant_of(client: GraphQLClient, device_id: int) -> int:
    async with client.backend.engine.connect() as conn:
        query = sa.select(tables.Device.client_id).where(tables.Device.id == device_id)
        return (await conn.execute(query)).scalar_one()


async def test_total_count_counts_the_whole_list(client: GraphQLClient) -> None:
    data = await client.data(PAGE, {"first": 1})
    assert data["devices"]["totalCount"] == len(await all_device_ids(client))


async def test_nested_connections_page_with_their_own_cursors(client: GraphQLClient) -> None:
    busiest = await user_with_most_devices(client)
    node = await client.data(
        "query($id: ID!) { node(id: $id) { ... on User { devices(first: 1) { totalCount "
        "pageInfo { endCursor hasNextPage } nodes { databaseId } } } } }",
        {"id": busiest},
    )
    devices = node["node"]["devices"]
    assert devices["totalCount"] >= 2
    assert devices["pageInfo"]["hasNextPage"] is True
    following = await client.data(
        "query($id: ID!, $after: String) { node(id: $id) { ... on User { devices(first: 5, "
        "after: $after) { nodes { databaseId } } } } }",
        {"id": busiest, "after": devices["pageInfo"]["endCursor"]},
    )
    rest = [n["databaseId"] for n in following["node"]["devices"]["nodes"]]
    assert devices["nodes"][0]["databaseId"] not in rest
    assert len(rest) == min(5, devices["totalCount"] - 1)


async def user_with_most_devices(client: GraphQLClient) -> str:
    query = (
        sa.select(tables.Device.user_id)
        .where(tables.Device.user_id.is_not(None))
        .group_by(tables.Device.user_id)
        .order_by(sa.func.count().desc(), tables.Device.user_id)
        .limit(1)
    )
    return to_global_id("User", (await client.scalars(query))[0])
