"""The mirror of the upstreams' device summaries, and what it lets the fleet table do: filter and
sort by agent and MDM facts, count facets, jump to a page by offset.

Expectations come from the simulators' own records over HTTP (what the providers say), mapped to
the gateway's devices through their upstream ids.
"""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import Role
from app.upstreams.values import epoch_ms, iso
from schema.node import to_global_id
from tests.conftest import GraphQLClient, Simulators, gateway

D = tables.Device.__table__
C = tables.Client.__table__
OBSERVED = tables.DeviceObservedUser.__table__
U = tables.User.__table__
Client = tuple[GraphQLClient, Simulators]

SYNC = """mutation { syncDeviceSummaries(input: {clientMutationId: "s"}) {
  devices syncedAt userErrors { code } clientMutationId } }"""


async def sync(client: GraphQLClient) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(SYNC))["syncDeviceSummaries"]
    return payload


async def upstream_records(client: GraphQLClient, sims: Simulators) -> tuple[dict, dict]:
    """{gateway device id: MDM record} and {gateway device id: agent record} for the tenant."""
    tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        partition, inventory_client = (
            await conn.execute(
                sa.select(C.c.mdm_partition_id, C.c.inventory_client_id).where(C.c.id == tenant)
            )
        ).one()
        devices = (
            await conn.execute(
                sa.select(D.c.id, D.c.mdm_device_id, D.c.inventory_device_id).where(
                    D.c.client_id == tenant
                )
            )
        ).all()
    async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
        response = await http.get(
            f"{sims.mdm_url}/api/v1/device", params={"dmPartitionId": partition, "rows": 500}
        )
        mdm = {r["id"]: r for r in response.json()["result"]["searchResults"]}
    agents: dict[str, Any] = {}
    cursor = None
    async with httpx.AsyncClient(headers={"Authorization": "Bearer dev-inventory-token"}) as http:
        while True:
            params: dict[str, Any] = {"page_size": 500, **({"cursor": cursor} if cursor else {})}
            body = (
                await http.get(
                    f"{sims.inventory_url}/clients/{inventory_client}/devices", params=params
                )
            ).json()
            agents.update((r["id"], r) for r in body["data"])
            cursor = body.get("next_cursor")
            if not cursor:
                break
    by_mdm = {d.id: mdm[d.mdm_device_id] for d in devices if d.mdm_device_id in mdm}
    by_agent = {
        d.id: agents[d.inventory_device_id] for d in devices if d.inventory_device_id in agents
    }
    return by_mdm, by_agent


async def device_ids(client: GraphQLClient, filter: dict[str, Any]) -> set[int]:
    """Every device the filter keeps, paged through with cursors."""
    query = """query($filter: DeviceFilter, $after: String) {
      devices(first: 100, after: $after, filter: $filter) {
        nodes { databaseId } pageInfo { hasNextPage endCursor } } }"""
    found: set[int] = set()
    after = None
    while True:
        page = (await client.data(query, {"filter": filter, "after": after}))["devices"]
        found |= {node["databaseId"] for node in page["nodes"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.fixture
async def synced(upstream_client: Client) -> tuple[GraphQLClient, Simulators, dict, dict]:
    client, sims = upstream_client
    payload = await sync(client)
    assert (payload["userErrors"], payload["clientMutationId"]) == ([], "s")
    assert payload["syncedAt"]
    assert payload["devices"] == len(await client.scalars(sa.select(D.c.id)))
    by_mdm, by_agent = await upstream_records(client, sims)
    return client, sims, by_mdm, by_agent


async def test_filters_on_mdm_facts_match_the_provider(synced: Any) -> None:
    client, _, by_mdm, _ = synced
    for state in ("ACTIVE", "RETIRED", "WIPE_PENDING"):
        expected = {i for i, r in by_mdm.items() if r["registrationState"] == state}
        assert await device_ids(client, {"registrationState": [state]}) == expected
    ios = {i for i, r in by_mdm.items() if r["platformType"] == "IOS"}
    assert ios
    assert await device_ids(client, {"platformType": ["IOS"]}) == ios
    for compliant in (True, False):
        expected = {i for i, r in by_mdm.items() if r["complianceState"] is compliant}
        assert await device_ids(client, {"compliant": compliant}) == expected
    checkins = sorted(epoch_ms(r["lastCheckin"]) for r in by_mdm.values() if r["lastCheckin"])
    middle = checkins[len(checkins) // 2]
    expected = {
        i for i, r in by_mdm.items() if r["lastCheckin"] and epoch_ms(r["lastCheckin"]) < middle
    }
    assert await device_ids(client, {"lastCheckin": {"before": middle.isoformat()}}) == expected


async def test_filters_on_agent_facts_match_the_inventory(synced: Any) -> None:
    client, _, _, by_agent = synced
    names = Counter(r["os_name"] for r in by_agent.values())
    name = names.most_common(1)[0][0]
    expected = {i for i, r in by_agent.items() if r["os_name"] == name}
    assert await device_ids(client, {"osName": [name]}) == expected
    for status in ("ACTIVE", "INACTIVE", "PENDING"):
        expected = {i for i, r in by_agent.items() if r["status"].upper() == status}
        assert await device_ids(client, {"agentStatus": [status]}) == expected
    # "Windows laptops whose agent was last seen more than 30 days ago", relative to the data.
    seen = sorted(iso(r["last_seen_at"]) for r in by_agent.values() if r.get("last_seen_at"))
    cutoff = seen[-1] - timedelta(days=30)
    expected = {
        i
        for i, r in by_agent.items()
        if r.get("last_seen_at") and iso(r["last_seen_at"]) < cutoff and r["os_name"] == name
    }
    filter = {"osName": [name], "lastSeen": {"before": cutoff.isoformat()}}
    assert await device_ids(client, filter) == expected


async def test_orderings_on_upstream_facts_page_every_device_once(synced: Any) -> None:
    client, _, _, by_agent = synced
    query = """query($after: String) {
      devices(first: 37, after: $after, orderBy: {field: LAST_SEEN_AT, direction: DESC}) {
        nodes { databaseId } pageInfo { hasNextPage endCursor } } }"""
    order: list[int] = []
    after = None
    while True:
        page = (await client.data(query, {"after": after}))["devices"]
        order += [node["databaseId"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(order) == sorted(await client.scalars(sa.select(D.c.id)))
    seen = [iso(by_agent[i]["last_seen_at"]) if i in by_agent else None for i in order]
    # Descending puts devices without a value first, then newest to oldest.
    unknown = [value for value in seen if value is None]
    known = [value for value in seen if value is not None]
    assert seen[: len(unknown)] == unknown
    assert known == sorted(known, reverse=True)
    for field in ("INSTALLED_AT", "AGENT_STATUS", "OS_NAME", "LAST_CHECKIN_AT"):
        query = f"""{{ devices(first: 100, orderBy: {{field: {field}}}) {{ totalCount }} }}"""
        assert (await client.data(query))["devices"]["totalCount"] == len(order)


async def test_facets_count_the_filtered_fleet_as_the_provider_does(synced: Any) -> None:
    client, _, by_mdm, by_agent = synced
    query = """query($filter: DeviceFilter) { deviceFacets(filter: $filter) {
      registrationState { value count } platformType { value count }
      clientStatus { value count } agentStatus { value count } osName { value count } } }"""
    facets = (await client.data(query))["deviceFacets"]
    states = {f["value"]: f["count"] for f in facets["registrationState"] if f["value"]}
    assert states == dict(Counter(r["registrationState"] for r in by_mdm.values()))
    platforms = {f["value"]: f["count"] for f in facets["platformType"] if f["value"]}
    assert platforms == dict(Counter(r["platformType"] for r in by_mdm.values()))
    names = {f["value"]: f["count"] for f in facets["osName"] if f["value"]}
    assert names == dict(Counter(r["os_name"] for r in by_agent.values()))
    total = len(await client.scalars(sa.select(D.c.id)))
    assert sum(f["count"] for f in facets["clientStatus"]) == total
    assert sum(f["count"] for f in facets["agentStatus"]) == total
    ios = (await client.data(query, {"filter": {"platformType": ["IOS"]}}))["deviceFacets"]
    assert [f["value"] for f in ios["platformType"]] == ["IOS"]


async def test_custom_attribute_and_observed_user_filters(synced: Any) -> None:
    client, _, by_mdm, _ = synced
    device_id = next(i for i, r in by_mdm.items() if r["registrationState"] == "ACTIVE")
    mutation = """mutation($id: ID!) { patchCustomAttributes(input: {deviceIds: [$id],
      attributes: [{key: "mirrorProbe", stringValues: ["CC-4711"]}]}) { run { status } } }"""
    result = await client.data(mutation, {"id": to_global_id("Device", device_id)})
    assert result["patchCustomAttributes"]["run"]["status"] == "SUCCEEDED"
    # An action refreshes its devices' summary: no sync needed to filter on the new attribute.
    match = {"customAttribute": {"key": "MIRRORPROBE", "values": ["CC-4711"]}}
    assert await device_ids(client, match) == {device_id}
    assert await device_ids(client, {"customAttribute": {"key": "mirrorprobe"}}) == {device_id}
    assert (
        await device_ids(client, {"customAttribute": {"key": "mirrorprobe", "values": ["x"]}})
        == set()
    )
    pair = (await client.rows(sa.select(OBSERVED.c.user_id, OBSERVED.c.device_id).limit(1)))[0]
    expected = set(
        await client.scalars(
            sa.select(OBSERVED.c.device_id).where(OBSERVED.c.user_id == pair.user_id)
        )
    )
    filter = {"observedUserId": to_global_id("User", pair.user_id)}
    assert await device_ids(client, filter) == expected


async def test_synced_at_is_exposed_and_a_failed_upstream_keeps_its_values(synced: Any) -> None:
    client, sims, _, _ = synced
    query = "{ devices(first: 1, orderBy: {field: CREATED_AT}) { nodes { databaseId syncedAt } } }"
    first = (await client.data(query))["devices"]["nodes"][0]
    assert first["syncedAt"] is not None
    before = await device_ids(client, {"registrationState": ["ACTIVE"]})
    await sims.fault("mdm", "5xx")
    payload = await sync(client)
    assert payload["syncedAt"] is None
    assert await device_ids(client, {"registrationState": ["ACTIVE"]}) == before
    again = (await client.data(query))["devices"]["nodes"][0]
    assert again["syncedAt"] == first["syncedAt"]
    assert datetime.fromisoformat(again["syncedAt"])


async def test_syncing_needs_device_management(upstream_client: Client) -> None:
    client, sims = upstream_client
    async with gateway(
        client.backend, mdm_base_url=sims.mdm_url, inventory_base_url=sims.inventory_url
    ) as weak:
        weak.token = await client.backend.token("acme", Role.DEVICE_ACTIONS)
        payload = await sync(weak)
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
        assert payload["devices"] == 0


async def test_offset_jumps_to_a_page(client: GraphQLClient) -> None:
    query = """query($after: String, $offset: Int) {
      devices(first: 10, after: $after, offset: $offset, orderBy: {field: SERIAL_NUMBER}) {
        nodes { databaseId } pageInfo { hasPreviousPage hasNextPage endCursor } } }"""
    after, pages = None, []
    for _ in range(3):
        page = (await client.data(query, {"after": after}))["devices"]
        pages.append([n["databaseId"] for n in page["nodes"]])
        after = page["pageInfo"]["endCursor"]
    jumped = (await client.data(query, {"offset": 20}))["devices"]
    assert [n["databaseId"] for n in jumped["nodes"]] == pages[2]
    assert jumped["pageInfo"]["hasPreviousPage"] is True
    # The cursor of an offset page pages on like any other.
    following = (await client.data(query, {"after": jumped["pageInfo"]["endCursor"]}))["devices"]
    assert following["nodes"]
    for bad in ({"offset": 10_001}, {"offset": -1}):
        error = await client.error(query, bad)
        assert error["extensions"]["code"] == "INVALID_PAGINATION"
    error = await client.error("{ devices(last: 5, offset: 10) { totalCount } }")
    assert error["extensions"]["code"] == "INVALID_PAGINATION"


async def test_the_running_gateway_refreshes_the_mirror_itself(
    backend: Any, simulators: Simulators
) -> None:
    started = datetime.now(UTC)
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        mirror_refresh_seconds=0.2,
    ) as client:
        query = "{ devices(first: 100) { nodes { syncedAt } } }"
        for _ in range(100):
            nodes = (await client.data(query))["devices"]["nodes"]
            synced = [n["syncedAt"] for n in nodes]
            if all(s and datetime.fromisoformat(s) >= started for s in synced):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the background refresh did not run")


async def test_the_observed_users_mirror_follows_the_inventory(synced: Any) -> None:
    """After a sync, `observedUserId` keeps the devices the inventory lists the user on."""
    client, sims, _, by_agent = synced
    tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        inventory_client = (
            await conn.execute(sa.select(C.c.inventory_client_id).where(C.c.id == tenant))
        ).scalar_one()
        users = dict(
            (
                await conn.execute(
                    sa.select(U.c.inventory_user_id, U.c.id).where(
                        U.c.client_id == tenant, U.c.inventory_user_id.is_not(None)
                    )
                )
            ).all()
        )
    seen_on: dict[int, set[int]] = {}
    async with httpx.AsyncClient(headers={"Authorization": "Bearer dev-inventory-token"}) as http:
        for device_id, agent in by_agent.items():
            url = f"{sims.inventory_url}/clients/{inventory_client}/devices/{agent['id']}/users"
            body = (await http.get(url, params={"page_size": 500})).json()
            for user in body["data"]:
                if user["id"] in users:
                    seen_on.setdefault(users[user["id"]], set()).add(device_id)
    user_id, devices = max(seen_on.items(), key=lambda item: len(item[1]))
    filter = {"observedUserId": to_global_id("User", user_id)}
    assert await device_ids(client, filter) == devices
