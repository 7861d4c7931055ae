"""Who is asking, and what they may see: tokens, the viewer, and isolation between tenants."""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import Role
from schema.node import to_global_id
from tests.conftest import GraphQLClient, Simulators, gateway

D = tables.Device.__table__
U = tables.User.__table__
O = tables.Order.__table__  # noqa: E741


async def test_no_token_gets_401_and_no_data(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"query": "{ devices { totalCount } }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not.a.jwt", "Basic Z2F0ZXdheTpzZWNyZXQ=", "bearer "],
)
async def test_malformed_tokens_get_401(client: GraphQLClient, authorization: str) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": "{ viewer { roles } }"},
        headers={"Authorization": authorization},
    )
    assert response.status_code == 401


async def test_forged_and_expired_tokens_get_401(client: GraphQLClient) -> None:
    claims = jwt.decode(client.token or "", options={"verify_signature": False})
    forged = jwt.encode(claims, "someone-else's-secret-of-at-least-32-bytes", "HS256")
    expired = jwt.encode(
        {**claims, "exp": datetime.now(UTC) - timedelta(minutes=1)},
        client.backend.app.state.settings.jwt_secret.get_secret_value(),
        "HS256",
    )
    for token in (forged, expired):
        response = await client.http.post(
            "/graphql",
            json={"query": "{ viewer { roles } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401


async def test_graphiql_page_needs_no_token(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200


async def test_viewer_tells_who_is_asking(client: GraphQLClient) -> None:
    data = await client.data("{ viewer { roles user { email } tenant { slug name } } }")
    viewer = data["viewer"]
    assert viewer["roles"] == ["TENANT_ADMIN"]
    assert viewer["tenant"]["slug"] == "acme"
    assert viewer["user"]["email"].endswith("@acme.example")


async def as_tenant(client: GraphQLClient, slug: str, role: Role = Role.READ_ONLY) -> GraphQLClient:
    return GraphQLClient(client.http, client.backend, await client.backend.token(slug, role), slug)


async def test_each_tenant_sees_only_its_own_lists(client: GraphQLClient) -> None:
    for slug in ("acme", "globex"):
        viewer = await as_tenant(client, slug)
        tenant = await viewer.tenant_id()
        for root, table in (("devices", D), ("users", U), ("orders", O)):
            data = await viewer.data(
                f"{{ {root}(first: 100) {{ totalCount nodes {{ databaseId }} }} }}"
            )
            async with client.backend.engine.connect() as conn:
                own = set(
                    (await conn.execute(sa.select(table.c.id).where(table.c.client_id == tenant)))
                    .scalars()
                    .all()
                )
            assert data[root]["totalCount"] == len(own)
            assert {node["databaseId"] for node in data[root]["nodes"]} <= own


async def test_a_foreign_id_behaves_like_a_missing_one(client: GraphQLClient) -> None:
    globex = await as_tenant(client, "globex")
    acme_tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        device_id, user_id, order_id = (
            await conn.execute(
                sa.select(D.c.id, D.c.user_id, D.c.order_id).where(
                    D.c.client_id == acme_tenant,
                    D.c.user_id.is_not(None),
                    D.c.order_id.is_not(None),
                )
            )
        ).first()  # type: ignore[misc]
    foreign = {
        "device": to_global_id("Device", device_id),
        "user": to_global_id("User", user_id),
        "order": to_global_id("Order", order_id),
    }
    data = await globex.data(
        "query($d: ID!, $ids: [ID!]!) { node(id: $d) { id } nodes(ids: $ids) { id } }",
        {"d": foreign["device"], "ids": list(foreign.values())},
    )
    assert data["node"] is None
    assert data["nodes"] == [None, None, None]
    filtered = await globex.data(
        "query($u: ID, $o: ID) { byUser: devices(filter: {userId: $u}) { totalCount } "
        "byOrder: devices(filter: {orderId: $o}) { totalCount } }",
        {"u": foreign["user"], "o": foreign["order"]},
    )
    assert filtered == {"byUser": {"totalCount": 0}, "byOrder": {"totalCount": 0}}
    # The owner sees them.
    own = await client.data("query($d: ID!) { node(id: $d) { id } }", {"d": foreign["device"]})
    assert own["node"] == {"id": foreign["device"]}


async def test_every_role_may_read(client: GraphQLClient) -> None:
    for role in Role:
        viewer = await as_tenant(client, "acme", role)
        data = await viewer.data("{ viewer { roles } devices(first: 1) { totalCount } }")
        assert data["viewer"]["roles"] == [role.value]
        assert data["devices"]["totalCount"] > 0


PRODUCTION = {"gateway_env": "production", "jwt_secret": "a-production-secret-of-at-least-32-bytes"}


async def test_production_hides_the_schema_but_not_a_named_type(client: GraphQLClient) -> None:
    async with gateway(client.backend, **PRODUCTION) as prod:
        schema = await prod.post("{ __schema { types { name } } }")
        named = await prod.post('{ __type(name: "Device") { name } }')
        typo = await prod.post("{ devices { totalCont } }")
        page = await prod.http.get("/graphql", headers={"Accept": "text/html"})
    assert schema["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert named["data"] == {"__type": {"name": "Device"}}
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert page.status_code == 404, "no GraphiQL in production"


async def test_production_gives_stats_to_tenant_admins_only(client: GraphQLClient) -> None:
    query = "{ devices(first: 1) { totalCount } }"
    async with gateway(client.backend, **PRODUCTION) as admin:
        reader = await as_tenant(admin, "acme", Role.READ_ONLY)
        as_admin = await admin.post(query, stats=True)
        as_reader = await reader.post(query, stats=True)
    assert "stats" in as_admin["extensions"]
    assert "stats" not in as_reader.get("extensions", {})


def ids_by_type(value: Any, found: dict[str, set[int]]) -> dict[str, set[int]]:
    """Every (`__typename`, `databaseId`) pair anywhere in a response."""
    if isinstance(value, dict):
        if "__typename" in value and "databaseId" in value:
            found.setdefault(value["__typename"], set()).add(value["databaseId"])
        for item in value.values():
            ids_by_type(item, found)
    elif isinstance(value, list):
        for item in value:
            ids_by_type(item, found)
    return found


async def test_nested_edges_stay_inside_the_tenant(
    client: GraphQLClient, simulators: Simulators
) -> None:
    query = """
    fragment N on Node { __typename databaseId }
    {
      devices(first: 100) { nodes { ...N
        assignee { ...N devices(first: 5) { nodes { ...N } } }
        order { ...N devices(first: 5) { nodes { ...N } } }
        mdm { ...N device { ...N } }
        parcels(first: 3) { nodes { ...N pickupAddress { ...N } receptionAddress { ...N }
          device { ...N } } }
        observedUsers(first: 3) { nodes { ...N } }
      } }
      users(first: 100) { nodes { ...N } }
      orders(first: 100) { nodes { ...N } }
      viewer { user { ...N } tenant { ...N } }
    }
    """
    tables_by_type = {
        "Device": D,
        "User": U,
        "Order": O,
        "Parcel": tables.Parcel.__table__,
        "Address": tables.Address.__table__,
        "MdmEnrollment": tables.MdmEnrollment.__table__,
    }
    # Observed users come from the inventory: ask through a gateway that reaches it.
    await simulators.reset()
    upstreams = {"mdm_base_url": simulators.mdm_url, "inventory_base_url": simulators.inventory_url}
    async with gateway(client.backend, "globex", **upstreams) as reaching:
        globex = await as_tenant(reaching, "globex")
        tenant = await globex.tenant_id()
        found = ids_by_type(await globex.data(query), {})
    assert found.pop("Tenant") == {tenant}
    assert set(found) == set(tables_by_type), "every type was reached"
    async with client.backend.engine.connect() as conn:
        for type_name, ids in found.items():
            table = tables_by_type[type_name]
            owners = await conn.execute(
                sa.select(table.c.client_id).where(table.c.id.in_(ids)).distinct()
            )
            assert set(owners.scalars()) == {tenant}, type_name
