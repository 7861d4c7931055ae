"""Filters and orderings of the device, user and order lists, checked against plain SQL."""

from typing import Any

import sqlalchemy as sa

from app.db import tables
from app.enums import DeviceClientStatus, MdmEnrollmentStatus, OrderClientStatus
from schema.node import to_global_id
from tests.conftest import GraphQLClient

D = tables.Device.__table__
U = tables.User.__table__
O = tables.Order.__table__  # noqa: E741
M = tables.MdmEnrollment.__table__

DEVICES = """
query($filter: DeviceFilter, $first: Int = 100) {
  devices(first: $first, filter: $filter) {
    totalCount
    nodes { databaseId name serialNumber clientStatus assignee { name email team } }
  }
}
"""


async def sql(client: GraphQLClient, query: sa.Select[Any]) -> list[Any]:
    return await client.scalars(query)


async def filtered(client: GraphQLClient, **device_filter: Any) -> dict[str, Any]:
    return (await client.data(DEVICES, {"filter": device_filter}))["devices"]


async def test_client_status_takes_one_or_several(client: GraphQLClient) -> None:
    chosen = [DeviceClientStatus.IN_SERVICE, DeviceClientStatus.AVAILABLE]
    found = await filtered(client, clientStatus=[s.value for s in chosen])
    expected = await sql(client, sa.select(sa.func.count()).where(D.c.client_status.in_(chosen)))
    assert found["totalCount"] == expected[0] > 0
    assert {n["clientStatus"] for n in found["nodes"]} <= set(chosen)


async def test_search_matches_name_serial_assignee_and_team_case_insensitively(
    client: GraphQLClient,
) -> None:
    serial = (
        await sql(client, sa.select(D.c.serial_number).where(D.c.serial_number.is_not(None)))
    )[0]
    found = await filtered(client, search=serial[2:8].lower())
    assert serial in {n["serialNumber"] for n in found["nodes"]}

    team = (await sql(client, sa.select(U.c.team).where(U.c.team.is_not(None))))[0]
    found = await filtered(client, search=team.upper())
    assert found["totalCount"] > 0
    for node in found["nodes"]:
        text = " ".join(
            str(v) for v in (node["name"], node["serialNumber"], *(node["assignee"] or {}).values())
        )
        assert team.lower() in text.lower()

    email = (await sql(client, sa.select(U.c.email).join(D, D.c.user_id == U.c.id)))[0]
    found = await filtered(client, search=email.upper())
    assert any((n["assignee"] or {}).get("email") == email for n in found["nodes"])


async def test_search_treats_like_wildcards_literally(client: GraphQLClient) -> None:
    assert (await filtered(client, search="%"))["totalCount"] == 0
    assert (await filtered(client, search="_"))["totalCount"] == 0


async def test_user_filter_is_the_assignee(client: GraphQLClient) -> None:
    user_id = (await sql(client, sa.select(D.c.user_id).where(D.c.user_id.is_not(None))))[0]
    found = await filtered(client, userId=to_global_id("User", user_id))
    expected = await sql(client, sa.select(D.c.id).where(D.c.user_id == user_id))
    assert sorted(n["databaseId"] for n in found["nodes"]) == sorted(expected)


async def test_order_filter_and_type_and_category(client: GraphQLClient) -> None:
    order_id, kind, category = (
        await client_rows(
            client,
            sa.select(D.c.order_id, D.c.type, D.c.category).where(
                D.c.order_id.is_not(None), D.c.type.is_not(None), D.c.category.is_not(None)
            ),
        )
    )[0]
    found = await filtered(
        client, orderId=to_global_id("Order", order_id), type=[kind], category=[category]
    )
    expected = await sql(
        client,
        sa.select(D.c.id).where(
            D.c.order_id == order_id, D.c.type == kind, D.c.category == category
        ),
    )
    assert sorted(n["databaseId"] for n in found["nodes"]) == sorted(expected)


async def client_rows(client: GraphQLClient, query: sa.Select[Any]) -> list[Any]:
    return await client.rows(query)


async def test_mdm_status_uses_the_current_exposed_enrollment(client: GraphQLClient) -> None:
    found = await client.data(
        "{ devices(first: 100, filter: {mdmStatus: [ENROLLED, DEVICE_WIPE_PENDING]}) "
        "{ totalCount nodes { mdm { status } } } }"
    )
    nodes = found["devices"]["nodes"]
    assert nodes
    assert {n["mdm"]["status"] for n in nodes} <= {"ENROLLED", "DEVICE_WIPE_PENDING"}


async def test_draft_enrollments_are_never_exposed(client: GraphQLClient) -> None:
    draft_only = await sql(
        client,
        sa.select(M.c.device_id)
        .group_by(M.c.device_id)
        .having(
            sa.func.sum(sa.case((M.c.status == MdmEnrollmentStatus.DRAFT.value, 0), else_=1)) == 0
        ),
    )
    assert draft_only, "the seed has devices whose only enrollment is a draft"
    ids = [to_global_id("Device", i) for i in draft_only[:20]]
    data = await client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Device { mdm { status } } } }",
        {"ids": ids},
    )
    assert all(node["mdm"] is None for node in data["nodes"])


async def test_users_filter_by_team_and_search(client: GraphQLClient) -> None:
    team = (await sql(client, sa.select(U.c.team).where(U.c.team.is_not(None))))[0]
    data = await client.data(
        "query($team: [String!]) { users(first: 100, filter: {team: $team}, "
        "orderBy: {field: EMAIL, direction: DESC}) { totalCount nodes { email team } } }",
        {"team": [team]},
    )
    users = data["users"]
    expected = await sql(client, sa.select(sa.func.count()).where(U.c.team == team))
    assert users["totalCount"] == expected[0]
    assert {n["team"] for n in users["nodes"]} == {team}
    emails = [n["email"] for n in users["nodes"]]
    assert emails == sorted(emails, reverse=True)


async def test_orders_filter_by_status_and_date(client: GraphQLClient) -> None:
    dates = sorted(await sql(client, sa.select(O.c.order_date).where(O.c.order_date.is_not(None))))
    after, before = dates[len(dates) // 4], dates[3 * len(dates) // 4]
    statuses = [OrderClientStatus.SHIPPED.value, OrderClientStatus.ONGOING_ORDER.value]
    data = await client.data(
        "query($s: [OrderClientStatus!], $a: DateTime, $b: DateTime) { orders(first: 100, "
        "filter: {clientStatus: $s, orderDate: {after: $a, before: $b}}) "
        "{ totalCount nodes { clientStatus orderDate } } }",
        {"s": statuses, "a": after.isoformat(), "b": before.isoformat()},
    )
    expected = await sql(
        client,
        sa.select(sa.func.count()).where(
            O.c.client_status.in_(statuses), O.c.order_date >= after, O.c.order_date < before
        ),
    )
    assert data["orders"]["totalCount"] == expected[0]
    order_dates = [n["orderDate"] for n in data["orders"]["nodes"]]
    assert order_dates == sorted(order_dates, reverse=True), "orders default to newest first"
