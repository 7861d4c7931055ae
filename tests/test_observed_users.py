"""`Device.observedUsers` comes from the device-agent inventory, as the inventory shows it.

Expectations are read from the inventory simulator over HTTP (what the inventory says) and from
the database (which gateway user an inventory user id is), never hard-coded.
"""

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from app.db import tables
from app.seed import REFERENCE_TIME
from app.serving import serving_in_thread
from app.simulators.inventory import DEFAULT_TOKEN
from app.simulators.inventory import create_app as create_inventory
from app.simulators.inventory.records import Observation, UserRecord
from schema.node import to_global_id
from tests.conftest import (
    TEST_DEVICES,
    Backend,
    GraphQLClient,
    Simulators,
    gateway,
)

D = tables.Device.__table__
U = tables.User.__table__
C = tables.Client.__table__
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
Client = tuple[GraphQLClient, Simulators]

EDGE = """
  inventoryUserId username userKey enrolledAt lastSeenAt
  lastActivity { at desktopAt webAt }
  node { databaseId }
"""
PAGE_OF_DEVICES = """
query($first: Int!, $users: Int) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      databaseId name
      observedUsers(first: $users) { totalCount edges { EDGE } }
    }
  }
}
""".replace("EDGE", EDGE)
ONE_DEVICE = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $search: String,
      $orderBy: ObservedUserOrder) {
  node(id: $id) { ... on Device {
    observedUsers(first: $first, after: $after, last: $last, before: $before, search: $search,
                  orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor EDGE }
      nodes { databaseId }
    }
  } }
}
""".replace("EDGE", EDGE)


def instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def inventory_ids(client: GraphQLClient) -> dict[int, str | None]:
    """The tenant's devices and their inventory ids."""
    return dict(await client.rows(sa.select(D.c.id, D.c.inventory_device_id)))


async def linked_users(client: GraphQLClient) -> dict[str, int]:
    """Inventory user id -> the tenant's user (the lowest id, should two share one)."""
    rows = await client.rows(
        sa.select(U.c.inventory_user_id, U.c.id)
        .where(U.c.inventory_user_id.is_not(None))
        .order_by(U.c.id.desc())
    )
    return dict(rows)


async def client_uuid(client: GraphQLClient) -> str:
    async with client.backend.engine.connect() as conn:
        query = sa.select(C.c.inventory_client_id).where(C.c.slug == client.tenant)
        return (await conn.execute(query)).scalar_one()


async def inventory_users(
    http: httpx.AsyncClient, client: GraphQLClient, device_id: str, **params: Any
) -> dict[str, Any]:
    """What the inventory itself answers for a device's users (every page)."""
    path = f"/v2/clients/{await client_uuid(client)}/devices/{device_id}/users"
    users: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"page_size": 500, **params, **({"cursor": cursor} if cursor else {})}
        response = await http.get(path, params=query, headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        users += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return {"users": users, "total": body["total_count"]}


def simulator_http(simulators: Simulators) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=simulators.inventory_url.removesuffix("/v2"))


def assert_edge(edge: dict[str, Any], user: dict[str, Any], linked: dict[str, int]) -> None:
    """An edge says what the inventory says, and is the gateway's user behind the id."""
    assert edge["inventoryUserId"] == user["id"]
    assert (edge["username"], edge["userKey"]) == (user["username"], user["user_key"])
    assert instant(edge["enrolledAt"]) == instant(user["enrolled_at"])
    assert instant(edge["lastSeenAt"]) == instant(user["last_seen_at"])
    activity = user["last_activity"]
    assert {key: instant(value) for key, value in edge["lastActivity"].items()} == {
        "at": instant(activity["at"]),
        "desktopAt": instant(activity["desktop_at"]),
        "webAt": instant(activity["web_at"]),
    }
    expected = linked.get(user["id"])
    assert edge["node"] == (None if expected is None else {"databaseId": expected})


async def busiest_device(client: GraphQLClient) -> tuple[int, str]:
    """The tenant's device with the most observed users (database id, inventory id)."""
    obs = tables.DeviceObservedUser.__table__
    rows = await client.rows(
        sa.select(D.c.id, D.c.inventory_device_id)
        .join(obs, obs.c.device_id == D.c.id)
        .where(D.c.inventory_device_id.is_not(None))
        .group_by(D.c.id, D.c.inventory_device_id)
        .order_by(sa.func.count().desc(), D.c.id)
        .limit(1)
    )
    return rows[0][0], rows[0][1]


async def test_edges_are_what_the_inventory_lists(steady_upstreams: Client) -> None:
    client, simulators = steady_upstreams
    body = await client.data(PAGE_OF_DEVICES, {"first": 60, "users": 10})
    ids, linked = await inventory_ids(client), await linked_users(client)
    nodes = body["devices"]["nodes"]
    known = [node for node in nodes if ids[node["databaseId"]] is not None]
    assert known, "the page has devices the inventory knows"
    assert len(known) < len(nodes), "and devices it does not know"
    async with simulator_http(simulators) as http:
        for node in nodes:
            device_id = ids[node["databaseId"]]
            if device_id is None:
                assert node["observedUsers"] is None, "the inventory does not know the device"
                continue
            expected = await inventory_users(http, client, device_id)
            found = node["observedUsers"]
            assert found["totalCount"] == expected["total"]
            users = expected["users"][:10]  # the inventory's default: last seen, newest first
            assert len(found["edges"]) == len(users)
            for edge, user in zip(found["edges"], users, strict=True):
                assert_edge(edge, user, linked)
    edges = [edge for node in known for edge in node["observedUsers"]["edges"]]
    assert any(edge["node"] is not None for edge in edges), "users the gateway knows are linked"


async def test_a_page_of_devices_costs_one_call_per_device_then_none(
    steady_upstreams: Client,
) -> None:
    client, simulators = steady_upstreams
    # The list asked twice per device (another page size): still one call per device.
    query = PAGE_OF_DEVICES.replace(
        "databaseId name", "databaseId name again: observedUsers(first: 1) { totalCount }"
    )
    body = await client.post(query, {"first": 40, "users": 3}, stats=True)
    assert "errors" not in body, body["errors"]
    ids = await inventory_ids(client)
    known = [n for n in body["data"]["devices"]["nodes"] if ids[n["databaseId"]] is not None]
    assert known
    assert await simulators.requests("inventory") == len(known)
    assert body["extensions"]["stats"]["upstreamCalls"] == len(known)
    for node in known:
        assert node["again"]["totalCount"] == node["observedUsers"]["totalCount"]
    again = await client.post(query, {"first": 40, "users": 3}, stats=True)
    assert again["extensions"]["stats"]["upstreamCalls"] == 0, "served from the tenant cache"
    assert again["data"] == body["data"]


async def test_search_matches_username_and_user_key(upstream_client: Client) -> None:
    client, simulators = upstream_client
    device, device_id = await busiest_device(client)
    global_id = to_global_id("Device", device)
    linked = await linked_users(client)
    async with simulator_http(simulators) as http:
        everyone = (await inventory_users(http, client, device_id))["users"]
        assert len(everyone) >= 2
        target = everyone[-1]
        for term in (
            target["username"][1:5].upper(),
            target["user_key"],
            f"  {target['user_key']} ",
        ):
            found = (await client.data(ONE_DEVICE, {"id": global_id, "search": term}))["node"]
            expected = await inventory_users(http, client, device_id, q=term.strip())
            assert target["id"] in [
                edge["inventoryUserId"] for edge in found["observedUsers"]["edges"]
            ]
            assert found["observedUsers"]["totalCount"] == expected["total"]
            for edge, user in zip(found["observedUsers"]["edges"], expected["users"], strict=True):
                assert_edge(edge, user, linked)
    nobody = await client.data(ONE_DEVICE, {"id": global_id, "search": "no-such-user-anywhere"})
    assert nobody["node"]["observedUsers"]["totalCount"] == 0
    assert nobody["node"]["observedUsers"]["edges"] == []
    blank = await client.data(ONE_DEVICE, {"id": global_id, "search": "   "})
    assert blank["node"]["observedUsers"]["totalCount"] == len(everyone)
    error = await client.error(ONE_DEVICE, {"id": global_id, "search": "x" * 201})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("field", ["USERNAME", "ENROLLED_AT", "LAST_SEEN_AT"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_order_by_is_the_inventorys(
    upstream_client: Client, field: str, direction: str
) -> None:
    client, simulators = upstream_client
    device, device_id = await busiest_device(client)
    order = {"field": field, "direction": direction}
    found = await client.data(ONE_DEVICE, {"id": to_global_id("Device", device), "orderBy": order})
    async with simulator_http(simulators) as http:
        expected = await inventory_users(
            http, client, device_id, sort_by=field.lower(), sort_order=direction.lower()
        )
    edges = found["node"]["observedUsers"]["edges"]
    assert [edge["inventoryUserId"] for edge in edges] == [u["id"] for u in expected["users"]]


async def walk(client: GraphQLClient, global_id: str, size: int, **extra: Any) -> list[str]:
    """Every user id of a device, page by page forward, checking each page's flags."""
    seen: list[str] = []
    after = None
    while True:
        variables = {"id": global_id, "first": size, "after": after, **extra}
        page = (await client.data(ONE_DEVICE, variables))["node"]["observedUsers"]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] == (after is not None)
        edges = page["edges"]
        assert len(edges) <= size
        if edges:
            assert (info["startCursor"], info["endCursor"]) == (
                edges[0]["cursor"],
                edges[-1]["cursor"],
            )
        seen += [edge["inventoryUserId"] for edge in edges]
        if not info["hasNextPage"]:
            assert len(seen) == page["totalCount"]
            return seen
        after = info["endCursor"]


async def walk_back(client: GraphQLClient, global_id: str, size: int) -> list[str]:
    """Every user id of a device, page by page backward from the end, in list order."""
    seen: list[str] = []
    before = None
    while True:
        variables = {"id": global_id, "last": size, "before": before}
        page = (await client.data(ONE_DEVICE, variables))["node"]["observedUsers"]
        info = page["pageInfo"]
        assert info["hasNextPage"] == (before is not None)
        seen = [edge["inventoryUserId"] for edge in page["edges"]] + seen
        if not info["hasPreviousPage"]:
            return seen
        before = info["startCursor"]


async def test_pages_forward_and_backward(upstream_client: Client) -> None:
    client, simulators = upstream_client
    device, device_id = await busiest_device(client)
    global_id = to_global_id("Device", device)
    async with simulator_http(simulators) as http:
        expected = [
            user["id"] for user in (await inventory_users(http, client, device_id))["users"]
        ]
    assert len(expected) >= 2
    assert await walk(client, global_id, 1) == expected
    assert await walk_back(client, global_id, 1) == expected
    by_name = {"orderBy": {"field": "USERNAME", "direction": "ASC"}}
    async with simulator_http(simulators) as http:
        named = await inventory_users(http, client, device_id, sort_by="username", sort_order="asc")
    assert await walk(client, global_id, 1, **by_name) == [user["id"] for user in named["users"]]
    empty = await client.data(ONE_DEVICE, {"id": global_id, "first": 0})
    assert empty["node"]["observedUsers"]["edges"] == []
    assert empty["node"]["observedUsers"]["pageInfo"]["hasNextPage"] is True


def tampered(cursor: str) -> str:
    """The cursor pointing one user further, its signature kept."""
    payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload[2] += 1
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


async def test_cursors_of_another_list_are_refused_without_a_call(
    upstream_client: Client,
) -> None:
    client, simulators = upstream_client
    device, _ = await busiest_device(client)
    global_id = to_global_id("Device", device)
    first = (await client.data(ONE_DEVICE, {"id": global_id, "first": 1}))["node"]
    cursor = first["observedUsers"]["edges"][0]["cursor"]
    ids = await inventory_ids(client)
    other = next(key for key, value in sorted(ids.items()) if value is not None and key != device)
    calls = await simulators.requests("inventory")
    cases: list[dict[str, Any]] = [
        {"id": global_id, "after": cursor, "orderBy": {"field": "USERNAME"}},  # another order
        {"id": global_id, "after": cursor, "search": "a"},  # another search
        {"id": to_global_id("Device", other), "after": cursor},  # another device
        {"id": global_id, "after": tampered(cursor)},
        {"id": global_id, "before": "not-a-cursor", "last": 1},
    ]
    for variables in cases:
        error = await client.error(ONE_DEVICE, variables)
        assert error["extensions"]["code"] == "INVALID_CURSOR", variables
        assert error["path"][-1] == "observedUsers"
    assert await simulators.requests("inventory") == calls, "nothing reached the inventory"
    for variables in (
        {"id": global_id, "first": 101},
        {"id": global_id, "first": 1, "last": 1},
        {"id": global_id, "last": 1, "after": cursor},
    ):
        error = await client.error(ONE_DEVICE, variables)
        assert error["extensions"]["code"] == "INVALID_PAGINATION", variables


@pytest.mark.parametrize(
    ("mode", "code"),
    [("5xx", "UPSTREAM_UNAVAILABLE"), ("malformed", "UPSTREAM_BAD_RESPONSE")],
)
async def test_a_failing_inventory_nulls_the_field_with_a_typed_error(
    upstream_client: Client, mode: str, code: str
) -> None:
    client, simulators = upstream_client
    await simulators.fault("inventory", mode)
    query = PAGE_OF_DEVICES.replace("databaseId name", "databaseId clientStatus assignee { name }")
    body = await client.post(query, {"first": 10, "users": 3})
    ids = await inventory_ids(client)
    nodes = body["data"]["devices"]["nodes"]
    assert len(nodes) == 10
    assert all(node["clientStatus"] for node in nodes), "database fields stay"
    assert any(node["assignee"] for node in nodes)
    assert all(node["observedUsers"] is None for node in nodes)
    failed = {error["path"][2] for error in body["errors"] if error["path"][-1] == "observedUsers"}
    assert failed == {i for i, node in enumerate(nodes) if ids[node["databaseId"]] is not None}
    assert {error["extensions"]["code"] for error in body["errors"]} == {code}
    assert len(body["errors"]) == len(failed), "one error per failed path"


async def test_nodes_are_the_viewers_own_users(backend: Backend, simulators: Simulators) -> None:
    """An inventory user id that a user of another tenant also carries still resolves to the
    viewer's own user."""
    await simulators.reset()
    upstreams = {"mdm_base_url": simulators.mdm_url, "inventory_base_url": simulators.inventory_url}
    async with gateway(backend, "globex", **upstreams) as globex:
        device, device_id = await busiest_device(globex)
        linked = await linked_users(globex)
        async with simulator_http(simulators) as http:
            users = (await inventory_users(http, globex, device_id))["users"]
        shared = next(user["id"] for user in users if user["id"] in linked)
        acme = await backend.tenant_id("acme")
        async with backend.engine.begin() as conn:
            intruder, before = (
                await conn.execute(
                    sa.select(U.c.id, U.c.inventory_user_id)
                    .where(U.c.client_id == acme)
                    .order_by(U.c.id)
                    .limit(1)
                )
            ).one()
            await conn.execute(
                sa.update(U).where(U.c.id == intruder).values(inventory_user_id=shared)
            )
        try:
            found = await globex.data(ONE_DEVICE, {"id": to_global_id("Device", device)})
        finally:
            async with backend.engine.begin() as conn:
                await conn.execute(
                    sa.update(U).where(U.c.id == intruder).values(inventory_user_id=before)
                )
    edges = found["node"]["observedUsers"]["edges"]
    nodes = {edge["inventoryUserId"]: edge["node"] for edge in edges}
    assert nodes[shared] == {"databaseId": linked[shared]}
    assert found["node"]["observedUsers"]["nodes"] == [edge["node"] for edge in edges]


BULK = 1_100  # more than two of the inventory's pages of 500


@pytest.fixture
async def crowded(
    backend: Backend, simulators: Simulators
) -> AsyncIterator[tuple[GraphQLClient, int, httpx.AsyncClient]]:
    """A gateway over an inventory of its own in which one device of acme has BULK more users."""
    inventory = create_inventory(TEST_DEVICES)
    async with (
        serving_in_thread(inventory) as url,
        httpx.AsyncClient(base_url=url) as http,
        gateway(backend, mdm_base_url=simulators.mdm_url, inventory_base_url=f"{url}/v2") as client,
    ):
        device, device_id = await busiest_device(client)
        data = inventory.state.store.client(await client_uuid(client))
        assert data is not None
        for i in range(BULK):
            seen = REFERENCE_TIME - timedelta(minutes=i + 1)
            user = UserRecord(str(uuid.UUID(int=i + 1)), f"bulk{i:04d}", f"bulk.{i}", seen, None)
            data.users[user.id] = user
            data.observations.setdefault(device_id, []).append(Observation(user.id, seen, seen))
        yield client, device, http


async def test_more_users_than_one_inventory_page(
    crowded: tuple[GraphQLClient, int, httpx.AsyncClient],
) -> None:
    client, device, http = crowded
    global_id = to_global_id("Device", device)
    before = (await http.get("/_sim/stats")).json()["requests"]
    forward = await walk(client, global_id, 100)
    assert len(forward) == len(set(forward)) > BULK
    pages = -(-len(forward) // 500)
    calls = (await http.get("/_sim/stats")).json()["requests"] - before
    assert calls == pages, "the inventory is read 500 at a time, each page once"
    assert await walk_back(client, global_id, 100) == forward
    assert (await http.get("/_sim/stats")).json()["requests"] - before == pages
    last = (await client.data(ONE_DEVICE, {"id": global_id, "last": 3}))["node"]
    assert [e["inventoryUserId"] for e in last["observedUsers"]["edges"]] == forward[-3:]
