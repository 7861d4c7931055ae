"""The gateway seen by the real client libraries (`clients/`, Node): the Relay compiler's
operations paging the live gateway as trusted documents, Apollo Client's normalised cache, the
`graphql-ws` client following an action run to its end, and Apollo's persisted-queries link.
Expectations come from SQL and from the simulators."""

import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import Role
from app.main import create_app
from app.serving import serving_in_thread
from schema.node import to_global_id
from tests.conftest import UPSTREAM_TEST_SETTINGS, Backend, Simulators, settings_for
from tests.nodejs import CLIENTS, require_node, run_node
from tests.queries import NESTED_DEVICE_VIEW

DEVICES = tables.Device.__table__
PARCELS = tables.Parcel.__table__
ENROLLMENTS = tables.MdmEnrollment.__table__
ATTRIBUTES = tables.DeviceCustomAttribute.__table__
RELAY_MANIFEST = CLIENTS / "relay" / "__generated__" / "persisted_queries.json"


@asynccontextmanager
async def served(
    backend: Backend, simulators: Simulators, **settings: Any
) -> AsyncIterator[tuple[str, str]]:
    """(endpoint, acme admin token): a gateway on a loopback port over the simulators, started
    like a server (lifespan on: the action follower runs, the upstream clients are closed)."""
    require_node()
    await simulators.reset()
    app = create_app(
        settings_for(
            backend.url,
            mdm_base_url=simulators.mdm_url,
            inventory_base_url=simulators.inventory_url,
            gc_tuning=False,
            **(UPSTREAM_TEST_SETTINGS | settings),
        )
    )
    try:
        async with serving_in_thread(app, lifespan="on") as base_url:
            yield f"{base_url}/graphql", await backend.token("acme", Role.TENANT_ADMIN)
    finally:
        await simulators.reset()


async def first_names(backend: Backend, count: int) -> list[str | None]:
    """The names of the tenant's first devices in the API's default order (name, then id)."""
    tenant = await backend.tenant_id("acme")
    query = (
        sa.select(DEVICES.c.name)
        .where(DEVICES.c.client_id == tenant)
        .order_by(sa.nulls_last(DEVICES.c.name.asc()), DEVICES.c.id)
        .limit(count)
    )
    async with backend.engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


@pytest.fixture(scope="module")
def relay_artifacts() -> None:
    """The Relay compiler's output for `clients/relay/src` against `schema.graphql`."""
    require_node()
    subprocess.run(["node", "relay/compile.mjs"], cwd=CLIENTS, check=True, timeout=120)


async def test_relays_compiled_pagination_pages_the_live_gateway(
    backend: Backend, simulators: Simulators, relay_artifacts: None
) -> None:
    manifest = orjson.loads(RELAY_MANIFEST.read_bytes())
    assert len(manifest) == 3  # the query, its pagination query, the device refetch query
    async with served(
        backend, simulators, trusted_documents=RELAY_MANIFEST, trusted_documents_only=True
    ) as (endpoint, token):
        seen = await run_node("relay/run.mjs", endpoint, token)
        async with httpx.AsyncClient() as http:
            ad_hoc = await http.post(
                endpoint,
                json={"query": "{ devices(first: 1) { totalCount } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    assert ad_hoc.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    # Every operation went as a persisted document of the compiler's manifest, without text.
    assert [s["name"] for s in seen["sent"]] == [
        "DeviceListQuery",
        "DeviceListPaginationQuery",
        "DeviceListPaginationQuery",
        "DeviceCardRefetchQuery",
    ]
    assert all(s["id"] in manifest and s["text"] is None for s in seen["sent"])
    # Relay's connection grew by one page per pagination query, in the API's order.
    page = seen["page"]
    pages = seen["pages"]
    expected = await first_names(backend, page * len(pages))
    tenant = await backend.tenant_id("acme")
    async with backend.engine.connect() as conn:
        total = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(DEVICES).where(DEVICES.c.client_id == tenant)
            )
        ).scalar_one()
    for number, seen_page in enumerate(pages, start=1):
        assert seen_page["names"] == expected[: page * number]
        assert seen_page["totalCount"] == total
        assert seen_page["hasNextPage"] is True
    assert len(set(pages[-1]["ids"])) == page * len(pages)
    # The @refetchable device fragment, refetched through node(id:) with parcelCount 3.
    card = seen["card"]
    device_id = (await first_ids(backend, 1))[0]
    assert card["id"] == to_global_id("Device", device_id)
    async with backend.engine.connect() as conn:
        parcels = (
            await conn.execute(
                sa.select(PARCELS.c.id)
                .where(PARCELS.c.device_id == device_id)
                .order_by(PARCELS.c.created_at.desc(), PARCELS.c.id.desc())
            )
        ).scalars()
        parcel_ids = [to_global_id("Parcel", pid) for pid in parcels]
    assert card["parcelsTotal"] == len(parcel_ids)
    assert card["parcelIds"] == parcel_ids[:3]


async def first_ids(backend: Backend, count: int) -> list[int]:
    tenant = await backend.tenant_id("acme")
    query = (
        sa.select(DEVICES.c.id)
        .where(DEVICES.c.client_id == tenant)
        .order_by(sa.nulls_last(DEVICES.c.name.asc()), DEVICES.c.id)
        .limit(count)
    )
    async with backend.engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


def objects_with_ids(value: Any) -> set[str]:
    """`Typename:id` of every object with an `id` in a response (Apollo's cache keys)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "id" in value and "__typename" in value:
            found.add(f"{value['__typename']}:{value['id']}")
        for item in value.values():
            found |= objects_with_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= objects_with_ids(item)
    return found


async def test_apollo_normalises_the_nested_view_and_reads_node_from_its_cache(
    backend: Backend, simulators: Simulators
) -> None:
    async with served(backend, simulators) as (endpoint, token):
        seen = await run_node(
            "apollo/cache.mjs", endpoint, token, stdin=NESTED_DEVICE_VIEW.encode()
        )
    assert seen["complaints"] == [], "Apollo warned (a missing id, data lost on merge ...)"
    assert seen["viewErrors"] is None
    view = seen["view"]
    edges = view["devices"]["edges"]
    assert [edge["node"]["name"] for edge in edges] == await first_names(backend, 10)
    # One entry per object: every object with an id, each once, and nothing else but the root.
    keys = objects_with_ids(view)
    assert set(seen["entries"]) == keys | {"ROOT_QUERY"}
    assert len(seen["entries"]) == len(keys) + 1
    devices = {key for key in keys if key.startswith("Device:")}
    assert len(devices) == len(edges) == 10
    observed = [
        e["node"]
        for edge in edges
        for e in ((edge["node"].get("observedUsers") or {}).get("edges") or [])
    ]
    users = {
        f"User:{user['id']}" for user in [e["node"]["assignee"] for e in edges] + observed if user
    }
    assert {key for key in keys if key.startswith("User:")} == users
    # node(id:) of a device already fetched came from the cache: no request was made.
    first = edges[0]["node"]
    assert seen["nodeRequests"] == 0
    assert seen["node"]["id"] == first["id"]
    assert seen["node"]["name"] == first["name"]
    assert seen["node"]["serialNumber"] == first["serialNumber"]
    # errorPolicy 'all': the partial result keeps its data beside the error.
    assert seen["partial"]["data"]["viewer"]["roles"] == ["TENANT_ADMIN"]
    assert seen["partial"]["error"]
    assert seen["requests"] == ["NestedDeviceView", "Partial"]


async def test_a_persisted_query_round_trip_with_apollos_link(
    backend: Backend, simulators: Simulators
) -> None:
    # A name no earlier run used: Apollo hashes the printed document (comments dropped).
    name = f"Mobile{uuid.uuid4().hex}"
    query = f"query {name}($first: Int!) {{ devices(first: $first) {{ nodes {{ id name }} }} }}"
    async with served(backend, simulators) as (endpoint, token):
        seen = await run_node("apollo/persisted.mjs", endpoint, token, stdin=query.encode())
    names = await first_names(backend, 3)
    for data in (seen["first"], seen["second"]):
        assert [node["name"] for node in data["devices"]["nodes"]] == names
    first, second = seen["firstRequests"], seen["secondRequests"]
    # The hash alone over GET, told it is unknown; then the text with the hash over POST.
    assert [(r["method"], r["withText"], r["codes"]) for r in first] == [
        ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, []),
    ]
    # Another client: the hash alone over GET is enough now.
    assert [(r["method"], r["withText"], r["status"], r["codes"]) for r in second] == [
        ("GET", False, 200, [])
    ]
    assert len({r["sha256Hash"] for r in first + second}) == 1


async def snapshot(backend: Backend, device_id: int) -> dict[str, list[dict[str, Any]]]:
    """The device's rows that an action and its follow-up change."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with backend.engine.connect() as conn:
        for table, column in (
            (DEVICES, DEVICES.c.id),
            (ENROLLMENTS, ENROLLMENTS.c.device_id),
            (ATTRIBUTES, ATTRIBUTES.c.device_id),
        ):
            found = await conn.execute(sa.select(table).where(column == device_id))
            rows[table.name] = [dict(row._mapping) for row in found]
    return rows


async def restore(backend: Backend, device_id: int, saved: dict[str, list[dict[str, Any]]]) -> None:
    async with backend.engine.begin() as conn:
        for table in (DEVICES, ENROLLMENTS):
            for row in saved[table.name]:
                await conn.execute(sa.update(table).where(table.c.id == row["id"]).values(row))
        await conn.execute(sa.delete(ATTRIBUTES).where(ATTRIBUTES.c.device_id == device_id))
        if saved[ATTRIBUTES.name]:
            await conn.execute(sa.insert(ATTRIBUTES), saved[ATTRIBUTES.name])


async def test_graphql_ws_follows_a_device_action_run_to_its_end(
    backend: Backend, simulators: Simulators
) -> None:
    async with served(backend, simulators, action_poll_seconds=0.05, action_follower=True) as (
        endpoint,
        token,
    ):
        # The provider finishes a wipe 2.5 s later: the subscriber sees it PENDING first.
        await simulators.http.put("/mdm/_sim/actions", json={"delay_ms": 2500})
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(headers=headers) as http:
            records = (
                await http.post(
                    endpoint,
                    json={
                        "query": "{ devices(first: 100) { nodes { id databaseId "
                        "mdmDetails { registrationState } } } }"
                    },
                )
            ).json()["data"]["devices"]["nodes"]
            device = next(
                node
                for node in records
                if (node["mdmDetails"] or {}).get("registrationState") == "ACTIVE"
            )
            saved = await snapshot(backend, device["databaseId"])
            try:
                wipe = """mutation($id: ID!) { wipeDevices(input: {deviceIds: [$id]}) {
                  run { id status } userErrors { code } } }"""
                started = (
                    await http.post(
                        endpoint, json={"query": wipe, "variables": {"id": device["id"]}}
                    )
                ).json()["data"]["wipeDevices"]
                assert started["userErrors"] == []
                run = started["run"]
                assert run["status"] == "PENDING"
                seen = await run_node("ws/follow-run.mjs", endpoint, token, run["id"])
            finally:
                await restore(backend, device["databaseId"], saved)
    events = seen["events"]
    assert all(event["id"] == run["id"] for event in events)
    assert events[0]["status"] == "PENDING"
    assert events[-1]["status"] == "SUCCEEDED"
    assert events[-1]["finishedAt"] is not None
    assert events[-1]["targets"] == [{"status": "SUCCEEDED", "code": None, "failure": None}]
